import type { Locator, Page } from 'playwright-core';
import { MigrationDialog } from './migration-dialog.ts';

/** Recommended moves: reasons, the place Apply would choose, the monthly saving, Apply and Dismiss. */
export class RecommendationsPage {
  constructor(readonly page: Page) {}

  row(datasetId: number): Locator {
    return this.page.getByTestId(`rec-row-${datasetId}`);
  }

  target(datasetId: number): Locator {
    return this.page.getByTestId(`rec-target-${datasetId}`);
  }

  reasons(datasetId: number): Locator {
    return this.page.getByTestId(`rec-reasons-${datasetId}`);
  }

  /** The monthly before → after, once estimated (it is asked for when the row is on screen). */
  async savings(datasetId: number): Promise<string> {
    const cell = this.page.locator(`[data-testid="rec-savings-${datasetId}"][data-status="ready"]`);
    await cell.waitFor();
    return (await cell.textContent()) ?? '';
  }

  /** "Recompute now": the server recomputes every recommendation. */
  async recompute(): Promise<void> {
    const button = this.page.getByTestId('recs-refresh');
    await button.click();
    await this.page.locator('[data-testid="recs-refresh"]:not([disabled])').waitFor();
  }

  async apply(datasetId: number): Promise<MigrationDialog> {
    await this.page.getByTestId(`rec-apply-${datasetId}`).click();
    const dialog = new MigrationDialog(this.page);
    await dialog.root.waitFor();
    return dialog;
  }

  moving(datasetId: number): Locator {
    return this.page.getByTestId(`rec-moving-${datasetId}`);
  }
}
