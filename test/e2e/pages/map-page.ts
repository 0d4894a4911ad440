import type { Locator, Page } from 'playwright-core';
import type { Tier } from '../../../core/contracts/common.ts';
import { AppShell } from './app-shell.ts';
import { MigrationDialog } from './migration-dialog.ts';

/** The placement map: locations as rows, tiers as columns, datasets as cards. */
export class MapPage {
  readonly shell: AppShell;
  constructor(readonly page: Page) {
    this.shell = new AppShell(page);
  }

  async open(base: string): Promise<void> {
    await this.shell.open(base, 'map');
  }

  cell(location: string, tier: Tier): Locator {
    return this.page.getByTestId(`cell-${location}-${tier}`);
  }

  card(id: number): Locator {
    return this.page.getByTestId(`dataset-card-${id}`);
  }

  /** The card, found only inside the given cell: waiting on it waits for the card to land there. */
  cardIn(id: number, location: string, tier: Tier): Locator {
    return this.cell(location, tier).getByTestId(`dataset-card-${id}`);
  }

  jobRing(id: number, status?: string): Locator {
    const ring = this.page.getByTestId(`job-ring-${id}`);
    return status ? this.page.locator(`[data-testid="job-ring-${id}"][data-status="${status}"]`) : ring;
  }

  recBadge(id: number): Locator {
    return this.page.getByTestId(`rec-badge-${id}`);
  }

  /**
   * Drags a card onto a cell with the mouse, the way dnd-kit's pointer sensor needs it:
   * press, move past its 6 px activation distance, glide in steps to the cell's centre, release.
   */
  async dragCardTo(id: number, location: string, tier: Tier): Promise<MigrationDialog> {
    const from = await centre(this.page.getByTestId(`dataset-drag-${id}`));
    const to = await centre(this.cell(location, tier));
    await this.page.mouse.move(from.x, from.y);
    await this.page.mouse.down();
    await this.page.mouse.move(from.x + 10, from.y + 10, { steps: 2 });
    await this.page.mouse.move(to.x, to.y, { steps: 15 });
    // The cell lights up as the drop target before the card is let go.
    await this.page.locator(`[data-testid="cell-${location}-${tier}"].map-cell-over`).waitFor();
    await this.page.mouse.up();
    const dialog = new MigrationDialog(this.page);
    await dialog.root.waitFor();
    return dialog;
  }

  /** The keyboard path: focus the card, M opens "Move to…", arrows pick the target, Enter chooses. */
  async moveWithKeyboard(id: number, location: string, tier: Tier): Promise<MigrationDialog> {
    await this.page.getByTestId(`dataset-drag-${id}`).focus();
    await this.page.keyboard.press('m');
    await this.page.getByTestId(`move-menu-${id}`).waitFor();
    const target = `move-target-${location}-${tier}`;
    const items = await this.page.getByTestId(`move-menu-${id}`).getByRole('menuitem').count();
    for (let i = 0; i < items && (await this.shell.focusedTestId()) !== target; i++) {
      await this.page.keyboard.press('ArrowDown');
    }
    if ((await this.shell.focusedTestId()) !== target)
      throw new Error(`${target} is not in the Move to… menu`);
    await this.page.keyboard.press('Enter');
    const dialog = new MigrationDialog(this.page);
    await dialog.root.waitFor();
    return dialog;
  }
}

async function centre(l: Locator): Promise<{ x: number; y: number }> {
  await l.scrollIntoViewIfNeeded();
  const box = await l.boundingBox();
  if (!box) throw new Error(`${l.toString()} has no box (not visible)`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}
