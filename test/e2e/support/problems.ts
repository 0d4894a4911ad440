import type { Page } from 'playwright-core';

/**
 * Runs in the page before any of its scripts: every CSP violation becomes a console error
 * that starts with "CSP violation", so the collector below sees it. A string, because this
 * file is typed for Node (no DOM lib).
 */
const REPORT_CSP = `document.addEventListener('securitypolicyviolation', (e) =>
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
    ' at ' + e.sourceFile + ':' + e.lineNumber));`;

/** What went wrong in a page that the UI itself did not show: page errors, console errors, CSP violations. */
export class PageProblems {
  private readonly seen: string[] = [];
  private readonly expected: RegExp[] = [];

  private constructor() {}

  /** Starts listening; call before the first navigation. */
  static async watch(page: Page): Promise<PageProblems> {
    const p = new PageProblems();
    page.on('pageerror', (e) => p.seen.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') p.seen.push(`console.error: ${m.text()}`);
    });
    await page.addInitScript({ content: REPORT_CSP });
    return p;
  }

  /**
   * A console error this spec causes on purpose (a 400 the browser logs when a form sends bad
   * input). CSP violations and page errors can never be expected.
   */
  expect(pattern: RegExp): void {
    this.expected.push(pattern);
  }

  /** Everything seen that was not expected. */
  unexpected(): string[] {
    return this.seen.filter(
      (s) =>
        s.startsWith('pageerror') || s.includes('CSP violation') || !this.expected.some((r) => r.test(s)),
    );
  }
}
