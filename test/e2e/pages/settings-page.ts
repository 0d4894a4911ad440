import type { Locator, Page } from 'playwright-core';

export interface LocationFormInput {
  id: string;
  uri: string;
}

/** Settings: the locations (with the add form), policies and how this tab reaches the engine. */
export class SettingsPage {
  readonly form: Locator;
  constructor(readonly page: Page) {
    this.form = page.getByTestId('location-form');
  }

  location(id: string): Locator {
    return this.page.getByTestId(`location-${id}`);
  }

  async openAddForm(): Promise<void> {
    await this.page.getByTestId('location-add-toggle').click();
    await this.form.waitFor();
  }

  /** Fills id and URI (the other fields keep their defaults: hot, "standard") and submits. */
  async submitLocation(input: LocationFormInput): Promise<void> {
    await this.form.getByTestId('location-form-id').fill(input.id);
    await this.form.getByTestId('location-form-uri').fill(input.uri);
    await this.form.getByTestId('location-form-submit').click();
  }

  /** The server's message next to the field's input (`id`, `uri`, `tiers-hot-price_per_gb_month`, …). */
  fieldError(field: string): Locator {
    return this.form.getByTestId(`field-error-${field}`);
  }

  added(): Locator {
    return this.page.getByTestId('location-added');
  }
}
