import type { Locator, Page } from 'playwright-core';

/** The move dialog: the server's estimate, each confirm reason acknowledged, then the plan. */
export class MigrationDialog {
  readonly root: Locator;
  constructor(readonly page: Page) {
    this.root = page.getByTestId('migration-dialog');
  }

  byTestId(id: string): Locator {
    return this.root.getByTestId(id);
  }

  /** Waits until the estimate for the current inputs is in (not re-estimating). */
  async estimated(): Promise<void> {
    await this.root.locator('[data-testid="migration-estimate"][aria-busy="false"]').waitFor();
  }

  async retireSource(): Promise<void> {
    await this.byTestId('migration-retire-source').check();
    await this.byTestId('migration-ack-retire_source').waitFor();
  }

  async acknowledge(code: string): Promise<void> {
    await this.byTestId(`migration-ack-${code}`).check();
  }

  /** The field's error text from the server, next to its input. */
  fieldError(field: string): Locator {
    return this.byTestId(`field-error-${field}`);
  }

  /** Presses Confirm and returns the planned job's id. */
  async confirm(): Promise<string> {
    await this.byTestId('migration-confirm').click();
    return this.plannedJobId();
  }

  async plannedJobId(): Promise<string> {
    const id = await this.root.locator('[data-testid="migration-planned"] code').textContent();
    if (!id) throw new Error('the dialog shows no planned job id');
    return id.trim();
  }

  async done(): Promise<void> {
    await this.byTestId('migration-done').click();
    await this.root.waitFor({ state: 'detached' });
  }

  async openInQueue(): Promise<void> {
    await this.byTestId('migration-open-queue').click();
  }
}
