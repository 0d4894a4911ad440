// Electronegativity (Doyensec's Electron security linter) over electron/: the only finding
// allowed is PRELOAD_JS_CHECK, its standing reminder to review what the preload exposes.
//
// How it runs: its programmatic runner in a child process (it registers i18n globals and
// would pollute this worker), writing { errors, issues } as JSON. The CLI is not used because
// with -o it stops printing parse errors, and a file it cannot parse is a file it did not check.
// Options, as the CLI would take them:
//   -i electron            the main-process sources (dist-electron/ would add the bundled core/)
//   -e <installed Electron>  checks depend on the version's defaults; detection from the folder fails
//   -x AvailableSecurityFixesGlobalCheck  fetches Electron's release list from the network and
//                          reports newer patch releases: a dependency-freshness check that would
//                          make this test depend on the day it runs, not on our code.
// Its translation download fails offline (a ~1 s timeout) and falls back to the bundled en-US text.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const ELECTRON_VERSION = (require('electron/package.json') as { version: string }).version;
const ALLOWED = 'PRELOAD_JS_CHECK';

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  description: string;
  manualReview: boolean;
}
interface ScanResult {
  atomicChecks: number;
  globalChecks: number;
  errors: { file: string; message: string; tolerable?: boolean }[];
  issues: Issue[];
}

const DRIVER = `
const run = require('@doyensec/electronegativity');
const { writeFileSync } = require('node:fs');
const [input, electronVersion, out] = process.argv.slice(1);
run({
  input,
  isRelative: true,
  electronVersionOverride: electronVersion,
  excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
}).then((r) => writeFileSync(out, JSON.stringify(r)), (e) => { console.error(e && e.stack || e); process.exit(1); });
`;

function scan(input: string): ScanResult {
  const dir = mkdtempSync(join(tmpdir(), 'dm-electronegativity-'));
  try {
    const out = join(dir, 'result.json');
    const run = spawnSync(process.execPath, ['-e', DRIVER, input, ELECTRON_VERSION, out], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (run.status !== 0) throw new Error(`electronegativity failed (${run.status}):\n${run.stderr}`);
    return JSON.parse(readFileSync(out, 'utf8')) as ScanResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every `eng-disable` comment under electron/ (electronegativity drops the findings they name). */
function engDisabled(dir = join(ROOT, 'electron')): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|js|html)$/.test(f))
    .flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/eng-disable/.test(line) ? [`electron/${f}:${i + 1}: ${line.trim()}`] : [])),
    );
}

// Global checks report file "N/A": they judge the whole app (e.g. no CSP anywhere).
const format = (i: Issue) =>
  `${i.id} ${i.file === 'N/A' ? '(whole app)' : `electron/${i.file}:${i.location.line}:${i.location.column}`}` +
  ` — ${i.description}${i.manualReview ? ' (manual review)' : ''}`;

describe(`electronegativity over electron/ (Electron ${ELECTRON_VERSION})`, () => {
  let result: ScanResult | undefined;
  const scanned = () => (result ??= scan(join(ROOT, 'electron')));
  afterAll(() => {
    if (!result) return;
    console.log(`electronegativity findings:\n${result.issues.map(format).join('\n') || '(none)'}`);
    // Findings silenced in the source are not findings fixed: keep them in sight.
    console.log(`silenced with eng-disable:\n${engDisabled().join('\n') || '(none)'}`);
  });

  it('parses every file it was given (an unparsed file is an unchecked file)', () => {
    const { errors, atomicChecks, globalChecks } = scanned();
    expect(errors.map((e) => `${e.file}: ${e.message}`)).toEqual([]);
    expect(atomicChecks + globalChecks).toBeGreaterThan(30);
  });

  it(`reports nothing but ${ALLOWED}, the preload-review reminder`, () => {
    const { issues } = scanned();
    const others = issues.filter((i) => i.id !== ALLOWED);
    expect(others.length, `findings other than ${ALLOWED}:\n${others.map(format).join('\n')}\n`).toBe(0);
    // The reminder itself proves main.ts was read: a scan that found nothing would pass blind.
    expect(issues.map((i) => i.id)).toContain(ALLOWED);
  });
});
