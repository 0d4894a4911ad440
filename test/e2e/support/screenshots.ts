// Screenshots of the main views, light and dark. Always written to a temp folder
// (DATAMOTION_SHOT_DIR, default <tmp>/datamotion-e2e-shots) so a changed view can be looked
// at; copied to docs/screenshots when UPDATE_SCREENSHOTS=1, which refreshes the README's pictures.
import { copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';

export const SHOT_DIR = process.env.DATAMOTION_SHOT_DIR ?? join(tmpdir(), 'datamotion-e2e-shots');
const DOCS_DIR = resolve(import.meta.dirname, '../../../docs/screenshots');
const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';

export class Screenshots {
  constructor(private readonly page: Page) {}

  /** `<name>-light.png` and `<name>-dark.png` of the viewport as it is now (the OS colour scheme, theme "system"). */
  async lightAndDark(name: string): Promise<string[]> {
    const written: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await this.page.emulateMedia({ colorScheme: scheme });
      written.push(await this.take(`${name}-${scheme}.png`));
    }
    await this.page.emulateMedia({ colorScheme: 'light' });
    return written;
  }

  /** One screenshot of the viewport. */
  async take(file: string): Promise<string> {
    mkdirSync(SHOT_DIR, { recursive: true });
    const out = join(SHOT_DIR, file);
    // No caret blink or animation frame decides what a picture shows.
    await this.page.screenshot({ path: out, animations: 'disabled', caret: 'hide' });
    if (UPDATE) {
      mkdirSync(DOCS_DIR, { recursive: true });
      copyFileSync(out, join(DOCS_DIR, file));
    }
    return out;
  }
}
