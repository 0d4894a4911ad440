import type { Locator, Page } from 'playwright-core';
import type { JobStatus } from '../../../core/contracts/jobs.ts';
import type { InPage } from './in-page.ts';

/** The migration queue: one row per job, its step indicator, progress, cancel, retry, details. */
export class QueuePage {
  constructor(readonly page: Page) {}

  row(jobId: string): Locator {
    return this.page.getByTestId(`job-${jobId}`);
  }

  /** The step indicator showing this stage: waiting on it waits for the job to get there. */
  steps(jobId: string, status: JobStatus): Locator {
    return this.page.locator(`[data-testid="job-steps-${jobId}"][data-status="${status}"]`);
  }

  async waitFor(jobId: string, status: JobStatus): Promise<void> {
    await this.steps(jobId, status).waitFor();
  }

  /** The progress bar's value (0..1). */
  async progress(jobId: string): Promise<number> {
    return Number(await this.page.getByTestId(`job-progress-${jobId}`).getAttribute('value'));
  }

  /** Waits until the bar shows some bytes copied but not all: a copy visibly in progress. */
  async waitForPartialProgress(jobId: string): Promise<void> {
    // A function, not a string: a string would be eval'd in the page, which our CSP forbids.
    await this.page.waitForFunction((selector: string) => {
      const p = (globalThis as unknown as InPage).document.querySelector<{ value: number }>(selector);
      return !!p && p.value > 0 && p.value < 1;
    }, `[data-testid="job-progress-${jobId}"]`);
  }

  numbers(jobId: string): Locator {
    return this.page.getByTestId(`job-numbers-${jobId}`);
  }

  async cancel(jobId: string): Promise<void> {
    await this.page.getByTestId(`job-cancel-${jobId}`).click();
  }

  async retry(jobId: string): Promise<void> {
    await this.page.getByTestId(`job-retry-${jobId}`).click();
  }

  cancelButton(jobId: string): Locator {
    return this.page.getByTestId(`job-cancel-${jobId}`);
  }

  retryButton(jobId: string): Locator {
    return this.page.getByTestId(`job-retry-${jobId}`);
  }

  /** Opens the details drawer and returns the status history as shown, oldest first. */
  async history(jobId: string): Promise<string[]> {
    await this.page.getByTestId(`job-details-${jobId}`).click();
    const statuses = this.page.getByTestId('job-drawer').getByTestId('job-history').locator('li > .badge');
    await statuses.first().waitFor();
    return statuses.allTextContents();
  }

  async closeDrawer(): Promise<void> {
    await this.page.getByTestId('job-drawer').getByTestId('dialog-close').click();
    await this.page.getByTestId('job-drawer').waitFor({ state: 'detached' });
  }
}
