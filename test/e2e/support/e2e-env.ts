// One spec's world: its own temp data folder and core (mover on), the REST server on a free
// port serving the built UI, and a fresh Chromium page that reports page errors, console
// errors and CSP violations. Datasets are made the way an operator makes them: real folders,
// registered through the REST API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import type { Dataset, DatasetCreate } from '../../../core/contracts/datasets.ts';
import type { LocationCreate } from '../../../core/contracts/locations.ts';
import { startServer, type RunningServer } from '../../../core/api/server.ts';
import { launchBrowser, type TestBrowser } from '../../helpers/browser.ts';
import { tempCore, writeTree, type TempCore } from '../../helpers/temp-core.ts';
import { PageProblems } from './problems.ts';
import { Screenshots } from './screenshots.ts';

/** Where the e2e catalog keeps data: a fast disk that offers hot, an archive that offers warm and cold. */
export const LOCATIONS = {
  fast: { hot: { storage_class: 'standard', price_per_gb_month: 0.1 } },
  archive: {
    warm: { storage_class: 'standard', price_per_gb_month: 0.03 },
    cold: { storage_class: 'archive', price_per_gb_month: 0.01 },
  },
} satisfies Record<string, LocationCreate['tiers']>;
export type LocationName = keyof typeof LOCATIONS;

export const VIEWPORT = { width: 1280, height: 800 };

export interface E2EOptions {
  /** Mover bandwidth limit (bytes/s) so a copy lasts long enough to watch; 0 = unlimited. */
  bandwidthBytesPerSec?: number;
}

export class Api {
  constructor(readonly base: string) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }
}

export class E2E {
  readonly api: Api;
  private constructor(
    private readonly dir: string,
    readonly t: TempCore,
    readonly server: RunningServer,
    readonly browser: TestBrowser,
    readonly page: Page,
    readonly problems: PageProblems,
    readonly shots: Screenshots,
  ) {
    this.api = new Api(server.url);
  }

  static async start(options: E2EOptions = {}): Promise<E2E> {
    // The locations' folders are named before the core exists, so they live in a folder of our own.
    const root = mkdtempSync(join(tmpdir(), 'dm-e2e-'));
    const t = tempCore({
      dataDir: join(root, 'data'),
      locations: Object.entries(LOCATIONS).map(([id, tiers]): LocationCreate => ({
        id,
        uri: pathToFileURL(join(root, id)).href,
        tiers,
      })),
      mover: {
        concurrency: 2,
        objectConcurrency: 2,
        enabled: true,
        maxAttempts: 3,
        bandwidthBytesPerSec: options.bandwidthBytesPerSec ?? 0,
      },
    });
    let server: RunningServer | undefined;
    let browser: TestBrowser | undefined;
    try {
      server = await startServer(t.core, { port: 0 });
      browser = await launchBrowser();
      const page = await browser.context.newPage();
      await page.setViewportSize(VIEWPORT);
      // Well inside vitest's 60 s, so a state that never comes fails with Playwright's own message.
      page.setDefaultTimeout(15_000);
      await page.emulateMedia({ colorScheme: 'light' });
      const problems = await PageProblems.watch(page);
      return new E2E(root, t, server, browser, page, problems, new Screenshots(page));
    } catch (err) {
      await browser?.close();
      await server?.close();
      await t.cleanup();
      rmSync(root, { recursive: true, force: true });
      throw err;
    }
  }

  get core() {
    return this.t.core;
  }

  /** The folder of a location (created on first use). */
  root(location: LocationName): string {
    return join(this.dir, location);
  }

  /** Writes a folder of files (relative path → bytes) in a location and registers it over REST. */
  async dataset(
    name: string,
    location: LocationName,
    files: Record<string, number>,
    extra: Omit<DatasetCreate, 'name' | 'path_uri'> = {},
  ): Promise<Dataset> {
    const folder = join(this.root(location), name);
    writeTree(folder, files);
    return this.api.call<Dataset>('POST', '/datasets', {
      name,
      path_uri: pathToFileURL(folder).href,
      ...extra,
    });
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.server.close();
    await this.t.cleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
