import type { Locator, Page } from 'playwright-core';

export interface LocationFormInput {
  id: string;
  uri: string;
}

/** Settings: the locations (with the add and edit forms), policies and how this tab reaches the engine. */
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

  /** One tier row of the add form: offered or not, and its class and price when offered. */
  async setAddTier(tier: string, row: { on: boolean; storageClass?: string; price?: string }): Promise<void> {
    const box = this.form.getByTestId(`location-form-tier-${tier}`);
    if ((await box.isChecked()) !== row.on) await box.click();
    if (row.storageClass !== undefined)
      await this.form.getByTestId(`location-form-tier-${tier}-class`).fill(row.storageClass);
    if (row.price !== undefined)
      await this.form.getByTestId(`location-form-tier-${tier}-price`).fill(row.price);
  }

  /** The server's message next to the field's input (`id`, `uri`, `tiers-hot-price_per_gb_month`, …). */
  fieldError(field: string): Locator {
    return this.form.getByTestId(`field-error-${field}`);
  }

  added(): Locator {
    return this.page.getByTestId('location-added');
  }

  /** The edit form (one at a time, under its location's row). */
  get editForm(): Locator {
    return this.page.getByTestId('location-edit-form');
  }

  async openEdit(id: string): Promise<void> {
    await this.page.getByTestId(`location-edit-${id}`).click();
    await this.page.locator(`[data-testid="location-edit-form"][data-location="${id}"]`).waitFor();
  }

  async setTierPrice(tier: string, price: string): Promise<void> {
    await this.editForm.getByTestId(`location-edit-tier-${tier}-price`).fill(price);
  }

  /** Unticks (or ticks) a tier: unticked, it is left out of the tier map sent. */
  async setTierOffered(tier: string, on: boolean): Promise<void> {
    await this.editForm.getByTestId(`location-edit-tier-${tier}`).setChecked(on);
  }

  async saveEdit(): Promise<void> {
    await this.editForm.getByTestId('location-edit-save').click();
  }

  /** The server's message next to an edit-form field (`tiers-cold`, `tiers-hot-price_per_gb_month`, …). */
  editFieldError(field: string): Locator {
    return this.editForm.getByTestId(`field-error-${field}`);
  }

  saved(id: string): Locator {
    return this.page.getByTestId(`location-saved-${id}`);
  }

  /** A tier as the locations table shows it: badge, storage class and price. */
  tier(id: string, tier: string): Locator {
    return this.page.getByTestId(`location-tier-${id}-${tier}`);
  }
}
