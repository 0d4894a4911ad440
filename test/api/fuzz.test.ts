import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { startServer, type RunningServer } from '../../core/api/server.ts';
import { tempCore, writeTree, type TempCore } from '../helpers/temp-core.ts';
import { ensureApiTools, formatFindings, parseJunit, runPython } from '../helpers/schemathesis.ts';

// Outside tools judge the document the API publishes: openapi-spec-validator says whether it is
// valid for the OpenAPI version it declares, and schemathesis generates requests from it (a few
// thousand, fixed seed) against a real server and fails on any 5xx, any status the document does
// not list, and any response that does not match its documented schema. `npm run fuzz` runs
// this file alone.

const SEED = 20_240_611;
/** Per operation and phase: ~4-5k cases in all, about 30 s on a 2-core machine. */
const MAX_EXAMPLES = 200;
/** A run that generated fewer cases than this tested nothing of note (e.g. everything filtered out). */
const MIN_CASES = 1_000;

// Each check is a promise the document makes. Left out: positive_data_acceptance (valid by the
// schema yet refused by rules a schema cannot state: a path_uri must lie inside a location, an
// event's ts cannot be in the future), unsupported_method (Fastify answers an unrouted method with
// 404, not 405; reported, not gated), ignored_auth and object_level_authorization (no API key here).
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'response_headers_conformance',
  'negative_data_rejection',
  'use_after_free',
  'ensure_resource_availability',
];

// Per-operation settings have no CLI flag, so they go in a config file.
const CONFIG = `
# POST /train answers 501 by design until the placement-intelligence release (its summary says
# so); any other 5xx there is still a failure.
[[operations]]
include-path = "/train"
include-method = "POST"
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "501"]

# Invalid input may also be refused as too large: a path parameter over Fastify's 100-character
# limit gets 414, a body over the limit 413. Both are refusals, not acceptance.
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428", "429", "5xx"]
`;

function warnLoudly(reason: string): void {
  const bar = '!'.repeat(78);
  console.warn(
    `\n${bar}\nSCHEMATHESIS UNAVAILABLE: the OpenAPI and fuzz tests are SKIPPED.\n\n${reason}\n${bar}\n`,
  );
}

describe('OpenAPI document checked by outside tools', () => {
  let t: TempCore;
  let server: RunningServer;
  let work: string;
  let python: string | undefined;
  let unavailable: string | undefined;

  beforeAll(async () => {
    try {
      python = await ensureApiTools((line) => console.log(`[fuzz] ${line}`));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      // Like the emulators: in CI a tool that cannot be installed fails the run, never skips it.
      if (process.env.CI === 'true')
        throw new Error(`schemathesis could not be installed (CI=true): ${reason}`);
      unavailable = reason;
      warnLoudly(reason);
    }
    t = tempCore();
    work = join(t.dir, 'fuzz');
    mkdirSync(work);
    server = await startServer(t.core, { port: 0 });
    await seedData(server.url, t);
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await t?.cleanup();
  });

  function tools(ctx: TestContext): string {
    if (python === undefined) ctx.skip(`schemathesis unavailable: ${unavailable ?? 'not installed'}`);
    return python as string;
  }

  it('is valid OpenAPI 3.1 (openapi-spec-validator)', async (ctx) => {
    const py = tools(ctx);
    const res = await fetch(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
    const file = join(work, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));

    const run = await runPython(py, ['-m', 'openapi_spec_validator', file], { cwd: work, timeoutMs: 60_000 });

    expect(run.code, `openapi-spec-validator refused /openapi.json:\n${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('OK');
  });

  it('schemathesis finds no 5xx, undocumented status or response off its schema', async (ctx) => {
    const py = tools(ctx);
    const junit = join(work, 'junit.xml');
    const config = join(work, 'schemathesis.toml');
    writeFileSync(config, CONFIG);
    const began = performance.now();

    const run = await runPython(
      py,
      [
        '-m',
        'schemathesis.cli',
        '--config-file',
        config,
        'run',
        `${server.url}/openapi.json`,
        '--checks',
        CHECKS.join(','),
        // An SSE stream never ends: every case would wait out the request timeout, and its body
        // is not a document to check. test/api/sse.test.ts covers /events.
        '--exclude-path',
        '/events',
        '--seed',
        String(SEED),
        '--max-examples',
        String(MAX_EXAMPLES),
        // Two workers crashed inside Hypothesis (a KeyError in its shared lambda-source cache).
        '--workers',
        '1',
        '--request-timeout',
        '10',
        // Health checks judge the generator's speed on this machine, not the API: on a busy
        // 2-core CI box they would be flakes.
        '--suppress-health-check',
        'all',
        // Nothing written into the repository (.hypothesis/), nothing replayed from an earlier run.
        '--generation-database',
        'none',
        '--report',
        'junit',
        '--report-junit-path',
        junit,
        '--no-color',
      ],
      { cwd: work, timeoutMs: 200_000 },
    );

    const seconds = ((performance.now() - began) / 1000).toFixed(1);
    const cases = Number(/(\d+) generated/.exec(run.stdout)?.[1] ?? 0);
    console.log(`[fuzz] schemathesis: ${cases} cases in ${seconds}s, exit ${String(run.code)}`);
    const tail = `${run.stdout.slice(-6000)}\n${run.stderr.slice(-2000)}`;
    const findings = parseJunit(readFileSync(junit, 'utf8'));
    expect(
      findings,
      `schemathesis found ${findings.length} failing case(s); BASE is the server's URL:\n\n${formatFindings(findings, server.url)}`,
    ).toEqual([]);
    expect(run.code, `schemathesis exited ${String(run.code)} without a finding:\n${tail}`).toBe(0);
    expect(cases, `schemathesis ran too few cases to mean anything:\n${tail}`).toBeGreaterThanOrEqual(
      MIN_CASES,
    );
  }, 240_000);
});

/**
 * Real rows for the fuzzer to hit: ids 1 and 2 are the first values it tries for an id, so
 * /datasets/1, /policies/1 and a job exist. Dataset 1 has an open (queued; the mover is off)
 * migration, so DELETE /datasets/1 is refused and the dataset survives the whole run.
 */
async function seedData(url: string, t: TempCore): Promise<void> {
  const post = async (path: string, body: unknown): Promise<void> => {
    const res = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`seeding POST ${path}: ${res.status} ${await res.text()}`);
  };
  const archive = join(t.dir, 'archive');
  mkdirSync(archive);
  await post('/locations', {
    id: 'archive',
    uri: pathToFileURL(archive).href,
    tiers: { cold: { storage_class: 'archive', price_per_gb_month: 0.004 } },
  });
  writeTree(join(t.store, 'alpha'), { 'a.bin': 1000, 'nested/b.bin': 10 });
  writeTree(join(t.store, 'beta'), { 'c.bin': 5 });
  await post('/datasets', { name: 'alpha', path_uri: t.uri('alpha') });
  await post('/datasets', { name: 'beta', path_uri: t.uri('beta'), owner: 'team-b' });
  await post('/access-events', [
    { dataset_id: 1, op: 'read', size_bytes: 4096, client_lat_ms: 12.5 },
    { dataset_id: 2, op: 'write', size_bytes: 100 },
  ]);
  await post('/policies', { name: 'keep-alpha-hot', kind: 'pin', dataset_id: 1, params: { tier: 'hot' } });
  await post('/plan-migration', {
    dataset_id: 1,
    target_location: 'archive',
    storage_class: 'archive',
    job_key: 'fuzz-seed',
  });
}
