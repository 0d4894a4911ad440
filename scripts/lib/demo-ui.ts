// What the screenshot scripts share: a core over a temporary folder with the demo's
// locations, the REST server and UI bundle, a headless browser, and pages that report
// console errors, page errors and CSP violations. Seeding the catalog is each script's own.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { createCore, type Core, type CreateCoreOptions } from '../../core/create-core.ts';
import { startServer } from '../../core/api/server.ts';
import { ensureBundle } from '../../core/cli/ui-bundle.ts';
import { launchBrowser } from '../../test/helpers/browser.ts';

type Location = NonNullable<CreateCoreOptions['locations']>[number];

/** Reports every CSP violation as a console error (runs in the page: a string, this code is typed for Node). */
const REPORT_CSP =
  "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));";

export interface DemoOptions {
  /** Where the screenshots go (created). */
  outDir: string;
  /** Prefix of the temporary folder that holds the data and the file locations. */
  tmpPrefix: string;
  /** The S3 location's endpoint (nothing answers there: the demo never reaches it). */
  minioEndpoint: string;
  /** Locations after nvme-fast, nas-archive and minio-lake. */
  extraLocations?: Location[];
  mover: CreateCoreOptions['mover'];
}

export interface Demo {
  outDir: string;
  /** The file locations' roots: nvme-fast (hot) and nas-archive (warm, cold). */
  fast: string;
  archive: string;
  core: Core;
  /** The server's base URL. */
  url: string;
  /** Console errors, page errors and CSP violations of the pages so far. */
  problems: string[];
  /** A 1440×1000 page whose problems are collected, but console errors matching `expected`. */
  newPage(expected: RegExp): Promise<Page>;
  /** Closes the browser, server and core and removes the temporary folder. */
  close(): Promise<void>;
  /** Prints the problems and exits 1 if there were any. */
  failOnProblems(): void;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { outDir } = options;
  mkdirSync(outDir, { recursive: true });
  await ensureBundle(console.log);

  const dir = mkdtempSync(join(tmpdir(), options.tmpPrefix));
  const fast = join(dir, 'fast');
  const archive = join(dir, 'archive');
  const core = createCore({
    dataDir: join(dir, 'data'),
    locations: [
      {
        id: 'nvme-fast',
        uri: pathToFileURL(fast).href,
        tiers: { hot: { storage_class: 'standard', price_per_gb_month: 0.1 } },
      },
      {
        id: 'nas-archive',
        uri: pathToFileURL(archive).href,
        tiers: {
          warm: { storage_class: 'standard', price_per_gb_month: 0.03 },
          cold: { storage_class: 'archive', price_per_gb_month: 0.01 },
        },
      },
      {
        id: 'minio-lake',
        uri: 's3://lake/datamotion',
        endpoint: options.minioEndpoint,
        region: 'us-east-1',
        tiers: {
          hot: { storage_class: 'STANDARD', price_per_gb_month: 0.023 },
          warm: { storage_class: 'STANDARD_IA', price_per_gb_month: 0.0125 },
          cold: { storage_class: 'GLACIER_IR', price_per_gb_month: 0.004 },
        },
      },
      ...(options.extraLocations ?? []),
    ],
    mover: options.mover,
    logger: pino({ level: 'silent' }),
  });
  const server = await startServer(core, { port: 0 });
  const browser = await launchBrowser();
  const problems: string[] = [];
  return {
    outDir,
    fast,
    archive,
    core,
    url: server.url,
    problems,
    async newPage(expected) {
      const page = await browser.context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error' && !expected.test(m.text())) problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.addInitScript({ content: REPORT_CSP });
      await page.setViewportSize({ width: 1440, height: 1000 });
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
      await core.close();
      rmSync(dir, { recursive: true, force: true });
    },
    failOnProblems() {
      if (!problems.length) return;
      console.error(`console errors / CSP violations:\n${problems.join('\n')}`);
      process.exit(1);
    },
  };
}
