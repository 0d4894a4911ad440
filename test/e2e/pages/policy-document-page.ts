import type { Locator, Page } from 'playwright-core';

/** Settings → Policy document: the editor, its problems at their lines, the dry-run table. */
export class PolicyDocumentPage {
  readonly section: Locator;
  constructor(readonly page: Page) {
    this.section = page.getByTestId('settings-policy-document');
  }

  async write(source: string): Promise<void> {
    await this.section.getByTestId('policy-document-source').fill(source);
  }

  async dryRun(): Promise<void> {
    await this.section.getByTestId('policy-document-dry-run-button').click();
  }

  async saveAndApply(): Promise<void> {
    await this.section.getByTestId('policy-document-apply').click();
  }

  problems(): Locator {
    return this.section.locator('[data-testid^="policy-document-problem-"]');
  }

  badLine(line: number): Locator {
    return this.section.getByTestId(`policy-document-bad-line-${line}`);
  }

  item(datasetId: number): Locator {
    return this.section.getByTestId(`policy-document-item-${datasetId}`);
  }
}
