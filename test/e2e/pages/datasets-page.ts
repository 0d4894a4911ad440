import type { Locator, Page } from 'playwright-core';

/** Every dataset: search, sort, pages; a dataset's detail with its edit form. */
export class DatasetsPage {
  constructor(readonly page: Page) {}

  row(id: number): Locator {
    return this.page.getByTestId(`datasets-row-${id}`);
  }

  rows(): Locator {
    return this.page.locator('[data-testid^="datasets-row-"]');
  }

  async search(text: string): Promise<void> {
    await this.page.getByTestId('datasets-search').fill(text);
  }

  async openDetail(id: number): Promise<void> {
    await this.page.getByTestId(`datasets-open-${id}`).click();
    await this.page.getByTestId('view-dataset-detail').waitFor();
  }

  /** Changes the name in the edit form and saves. */
  async rename(name: string): Promise<void> {
    await this.page.getByTestId('dataset-edit-name').fill(name);
    await this.page.getByTestId('dataset-edit-save').click();
  }

  fieldError(field: string): Locator {
    return this.page.getByTestId('dataset-edit').getByTestId(`field-error-${field}`);
  }
}
