import type { Locator, Page } from 'playwright-core';
import type { InPage } from './in-page.ts';

export type ViewName = 'map' | 'queue' | 'recommendations' | 'costs' | 'datasets' | 'settings';

/** The frame around every view: nav links, the live-connection badge, the theme picker. */
export class AppShell {
  constructor(readonly page: Page) {}

  /** Opens the UI on a view and waits until the event stream is live (lists loaded, updates flowing). */
  async open(base: string, view: ViewName = 'map'): Promise<void> {
    await this.page.goto(`${base}/#/${view}`);
    await this.live().waitFor();
    await this.view(view).waitFor();
  }

  live(): Locator {
    return this.page.locator('[data-testid="live-status"][data-state="live"]');
  }

  view(name: ViewName): Locator {
    return this.page.getByTestId(`view-${name}`);
  }

  /** Follows a nav link, as a user would. */
  async go(name: ViewName): Promise<void> {
    await this.page.getByTestId(`nav-${name}`).click();
    await this.view(name).waitFor();
  }

  async theme(value: 'system' | 'light' | 'dark'): Promise<void> {
    await this.page.getByTestId('theme-toggle').selectOption(value);
  }

  /** The data-testid of the focused element ('' when it has none). */
  async focusedTestId(): Promise<string> {
    return this.page.evaluate(
      () => (globalThis as unknown as InPage).document.activeElement?.getAttribute('data-testid') ?? '',
    );
  }

  /** Presses Tab until the element with this test id has focus: proves it is reachable by keyboard. */
  async tabTo(testId: string, maxPresses = 25): Promise<void> {
    for (let i = 0; i < maxPresses; i++) {
      if ((await this.focusedTestId()) === testId) return;
      await this.page.keyboard.press('Tab');
    }
    throw new Error(
      `${testId} not reached after ${maxPresses} Tab presses (focus is on "${await this.focusedTestId()}")`,
    );
  }
}
