/**
 * The little of the DOM that functions run in the page (page.evaluate, waitForFunction) use,
 * as `(globalThis as unknown as InPage)`. The test project is typed for Node without the DOM
 * lib; a string instead of a function would be eval'd in the page, which the UI's CSP
 * (rightly) refuses. Only a type: a function sent to the page carries no imports.
 */
interface InPageElement {
  getAttribute(name: string): string | null;
}
export interface InPage {
  document: {
    querySelector<E = InPageElement>(selector: string): E | null;
    querySelectorAll<E = InPageElement>(selector: string): ArrayLike<E>;
    activeElement: InPageElement | null;
  };
  requestAnimationFrame(cb: (t: number) => void): number;
  performance: { now(): number };
}
