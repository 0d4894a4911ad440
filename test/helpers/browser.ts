// A real headless Chromium for tests: Debian's /usr/bin/chromium driven by
// playwright-core (no browser download), in a fresh profile that is removed on close.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.DATAMOTION_CHROMIUM ?? '/usr/bin/chromium';

// Quiet and deterministic: no network chatter of its own, no GPU, no sandbox
// (tests run as root in CI, where Chromium's sandbox refuses to start).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-gpu',
  '--disable-quic',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  /** Closes the browser and deletes its profile folder. */
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: run scripts/install-system-deps.sh as root (apt chromium).`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'datamotion-chromium-'));
  try {
    // launchPersistentContext passes the profile as --user-data-dir itself.
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    return {
      context,
      async close() {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
}
