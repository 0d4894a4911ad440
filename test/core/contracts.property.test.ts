import { mkdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../api/api-fixture.ts';
import {
  asJson,
  bothModes,
  count,
  extras,
  fill,
  hostileNumber,
  hostileText,
  hostileTier,
  hostileValue,
  jsonText,
  latency,
  lexicalPath,
  Obj,
  obj,
  parseOrUndefined,
  pick,
  Raw,
  safeText,
  spelled,
  stateSnapshot,
  tier,
  withExtras,
  zeroOrLatency,
  type Mode,
  type Wire,
} from '../helpers/property-kit.ts';

/**
 * Property-based tests of the REST contracts on a real core (temp dir, real SQLite file):
 * whatever a client sends, (a) the answer is a 2xx or a 4xx, (b) what is accepted reads back
 * exactly as sent, (c) what is refused names a field and changes neither the database nor the
 * disk, (d) the catalog stays readable afterwards. Bodies are written as JSON text by hand so
 * that spellings JSON.stringify cannot make (1e400, -0, 9007199254740993) reach the server.
 */

const SEED = 20_240_611;
const NOW = Date.now();

// ---------------------------------------------------------------------------------------------
// The checks every request shares

interface Reply {
  status: number;
  body: unknown;
  text: string;
}

/** Sends `text` as a JSON body; checks (a) and, for a refusal, (c). */
async function send(f: ApiFixture, method: 'POST' | 'PATCH', url: string, text: string): Promise<Reply> {
  const before = stateSnapshot(f);
  const res = await f.inject({ method, url, headers: { 'content-type': 'application/json' }, payload: text });
  const reply = { status: res.statusCode, text: res.body, body: JSON.parse(res.body) as unknown };
  const where = `${method} ${url} ${text.slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  const ok = reply.status >= 200 && reply.status < 300;
  expect(ok || (reply.status >= 400 && reply.status < 500), `neither 2xx nor 4xx: ${where}`).toBe(true);
  if (reply.status >= 400) {
    expect((reply.body as { field?: unknown }).field, where).toEqual(expect.stringMatching(/./));
    expect(stateSnapshot(f), `refused but changed the database or the disk: ${where}`).toBe(before);
  }
  return reply;
}

/** (d) The catalog stays readable after every request. */
async function expectReadable(f: ApiFixture, datasetIds: number[]): Promise<void> {
  const urls = ['/datasets', ...datasetIds.map((id) => `/datasets/${id}`), '/metrics', '/recommendations'];
  for (const url of [...urls, '/policies', '/locations']) {
    const res = await f.inject({ method: 'GET', url });
    expect(res.statusCode, `GET ${url} → ${res.body.slice(0, 300)}`).toBe(200);
  }
}

async function getJson<T>(f: ApiFixture, url: string): Promise<T> {
  const res = await f.inject({ method: 'GET', url });
  expect(res.statusCode, `GET ${url} → ${res.body.slice(0, 300)}`).toBe(200);
  return res.json<T>();
}

/** (b) Every field sent reads back identical (strings code unit for code unit, numbers equal). */
function expectFieldsBack(
  got: Record<string, unknown>,
  sent: Record<string, unknown>,
  skip: string[] = [],
): void {
  for (const [k, v] of Object.entries(sent)) {
    if (!skip.includes(k)) expect(got[k], `field ${k}`).toStrictEqual(asJson(v));
  }
}

interface Tally {
  accepted: number;
  refused: number;
}
/** Guards against a vacuous pass: both outcomes must have been exercised. */
const expectBothOutcomes = (t: Tally, runs: number) => {
  expect(t.accepted, 'accepted runs').toBeGreaterThanOrEqual(runs / 10);
  expect(t.refused, 'refused runs').toBeGreaterThanOrEqual(runs / 10);
};

type Detail = Record<string, unknown> & { id: number; path_uri: string; last_access_ts: string | null };

// ---------------------------------------------------------------------------------------------

describe('contracts: any value accepted reads back unchanged; any value refused changes nothing', () => {
  let f: ApiFixture;
  let anchor: number;
  let run: number;
  let tally: Tally;

  beforeEach(async () => {
    f = await apiFixture();
    mkdirSync(join(f.store, 'anchor'));
    anchor = (await f.core.datasets.create({ name: 'anchor', path_uri: f.uri('anchor') })).id;
    run = 0;
    tally = { accepted: 0, refused: 0 };
  });
  afterEach(() => f.close());

  const freshFolder = (prefix: string): string => {
    const dir = join(f.store, `${prefix}-${run}`);
    mkdirSync(dir);
    return pathToFileURL(realpathSync(dir)).href;
  };

  it('POST /datasets', async () => {
    const pathUri = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom('<FRESH>', '<FRESH>/', '<FRESH>/.', '<STORE>/x/../<FRESHNAME>'),
      },
      {
        weight: 1,
        // prettier-ignore
        arbitrary: fc.constantFrom(
          '<STORE>', '<STORE>/missing', '<STORE>/../outside', 'file:///etc', 's3://bucket/key', 'http://x/y',
          '<FRESH>?q=1', '<FRESH>#f', '<FRESH>%2f', '<FRESH>/%ff', '<FRESH>/%00', 'relative/path',
        ),
      },
      { weight: 1, arbitrary: hostileValue },
    );
    const body = (m: Mode) =>
      withExtras(
        m,
        fc
          .record(
            {
              name: pick(m, safeText(1, 200, '/\\'), hostileValue),
              path_uri: m === 'valid' ? fc.constant<Wire>('<FRESH>') : pathUri,
              size_bytes: pick(m, count, hostileNumber),
              object_count: pick(m, count, hostileNumber),
              current_tier: pick(m, tier, hostileTier),
              latency_slo_ms: pick(m, fc.oneof(latency, fc.constant(null)), hostileNumber),
              owner: pick(m, fc.oneof(safeText(0, 200), fc.constant(null)), hostileValue),
            },
            { requiredKeys: m === 'valid' ? ['name', 'path_uri'] : [] },
          )
          .map(obj),
        ['path_uri', 'name', 'location', 'created_at'],
      );

    await fc.assert(
      fc.asyncProperty(bothModes(body), async (payload) => {
        run++;
        const fresh = freshFolder('ds');
        const values = {
          FRESH: fresh,
          FRESHNAME: `ds-${run}`,
          STORE: pathToFileURL(f.store).href,
        };
        const text = fill(jsonText(payload), values);
        const reply = await send(f, 'POST', '/datasets', text);
        const ids = [anchor];
        if (reply.status < 300) {
          tally.accepted++;
          const sent = JSON.parse(text) as Record<string, unknown>;
          const created = reply.body as Detail;
          const got = await getJson<Detail>(f, `/datasets/${created.id}`);
          expect(got).toStrictEqual(created);
          expectFieldsBack(got, sent, ['path_uri']);
          // A path is stored canonical: the real folder it names, without "." or a trailing "/".
          const named = lexicalPath(sent.path_uri as string);
          expect(named && pathToFileURL(realpathSync(named)).href).toBe(got.path_uri);
          expect(got.path_uri).toBe(fresh);
          ids.push(created.id);
        } else tally.refused++;
        await expectReadable(f, ids);
      }),
      { numRuns: 400, seed: SEED },
    );
    expectBothOutcomes(tally, 400);
  });

  it('PATCH /datasets/{id}', async () => {
    // Path params as they appear in the URL: text is percent-encoded, lone surrogates as CESU-8 bytes.
    const encode = (s: string) =>
      [...s].map((c) => (/^[\ud800-\udfff]$/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
    const idText = fc.oneof(
      { weight: 8, arbitrary: fc.constant('<ANCHOR>') },
      {
        weight: 1,
        arbitrary: fc.oneof(
          fc
            .oneof(
              fc.constantFrom(
                '0',
                '-1',
                '-0',
                '0x1',
                '1e0',
                '01',
                ' 1',
                '1.0',
                '+1',
                '9007199254740991',
                '9007199254740992',
                '9007199254740993',
                '999999999999999999',
                '1000000',
                'abc',
                '1\u0000',
              ),
              fc.integer().map(String),
              hostileText.filter((s) => s !== ''),
            )
            .map(encode)
            // "." and ".." are dot segments: the URL is /datasets or /, another route.
            .filter((s) => s.length < 90 && s !== '.' && s !== '..'),
          fc.constantFrom('%ff', '1%ff', '%ED%A0%80', '1%20', '%31', '1%2F'),
        ),
      },
    );
    const body = (m: Mode) =>
      withExtras(
        m,
        fc
          .record(
            {
              name: pick(m, safeText(1, 200, '/\\'), hostileValue),
              current_tier: pick(m, tier, hostileTier),
              latency_slo_ms: pick(m, fc.oneof(latency, fc.constant(null)), hostileNumber),
              owner: pick(m, fc.oneof(safeText(0, 200), fc.constant(null)), hostileValue),
              size_bytes: pick(m, count, hostileNumber),
              object_count: pick(m, count, hostileNumber),
            },
            { requiredKeys: [] },
          )
          .map(obj),
        ['path_uri', 'location', 'updated_at', 'replicas'],
      );

    await fc.assert(
      fc.asyncProperty(idText, bothModes(body), async (id, payload) => {
        run++;
        const url = `/datasets/${fill(id, { ANCHOR: String(anchor) })}`;
        const text = jsonText(payload);
        const reply = await send(f, 'PATCH', url, text);
        if (reply.status < 300) {
          tally.accepted++;
          const got = await getJson<Detail>(f, `/datasets/${anchor}`);
          expect(got).toStrictEqual(reply.body);
          expectFieldsBack(got, JSON.parse(text) as Record<string, unknown>);
        } else tally.refused++;
        await expectReadable(f, [anchor]);
      }),
      { numRuns: 400, seed: SEED },
    );
    expectBothOutcomes(tally, 400);
  });

  it('POST /policies', async () => {
    const pin = fc.record({ tier: tier as fc.Arbitrary<Wire> }).map(obj);
    const slo = fc.record({ max_latency_ms: latency as fc.Arbitrary<Wire>, min_tier: tier }).map(obj);
    const hostileParams = fc.oneof(
      fc.record({ tier: hostileTier }).map(obj),
      fc.record({ max_latency_ms: hostileNumber, min_tier: fc.oneof(tier, hostileTier) }).map(obj),
      fc.record({ tier, max_latency_ms: latency, min_tier: tier }).map(obj),
      fc.tuple(fc.oneof(pin, slo), extras([])).map(([p, more]) => new Obj([...p.entries, ...more])),
      hostileValue,
    );
    const datasetId = fc.constantFrom<Wire>(new Raw('<ANCHOR>'), null);
    const valid = fc
      .oneof(fc.tuple(fc.constant('pin'), pin), fc.tuple(fc.constant('slo'), slo))
      .chain(([kind, params]) =>
        fc.record(
          {
            name: safeText(1, 200),
            kind: fc.constant(kind),
            params: fc.constant(params),
            dataset_id: datasetId,
            enabled: fc.boolean(),
          },
          { requiredKeys: ['name', 'kind', 'params'] },
        ),
      )
      .map(obj);
    const mixed = withExtras(
      'mixed',
      fc
        .record(
          {
            name: fc.oneof(safeText(1, 200), hostileValue),
            kind: fc.oneof(
              fc.constantFrom('pin', 'slo'),
              fc.constantFrom('cost', 'residency', 'PIN'),
              hostileValue,
            ),
            params: fc.oneof(pin, slo, hostileParams),
            dataset_id: fc.oneof(datasetId, fc.constant(new Raw('999999')), hostileNumber, hostileValue),
            enabled: fc.oneof(fc.boolean(), hostileValue),
          },
          { requiredKeys: [] },
        )
        .map(obj),
      ['name', 'kind', 'params'],
    );

    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 2, arbitrary: valid }, { weight: 3, arbitrary: mixed }),
        async (payload) => {
          run++;
          const text = fill(jsonText(payload), { ANCHOR: String(anchor) });
          const reply = await send(f, 'POST', '/policies', text);
          if (reply.status < 300) {
            tally.accepted++;
            const created = reply.body as { id: number };
            const got = (await getJson<{ id: number }[]>(f, '/policies')).find((p) => p.id === created.id);
            expect(got).toStrictEqual(created);
            expectFieldsBack(got as Record<string, unknown>, JSON.parse(text) as Record<string, unknown>);
          } else tally.refused++;
          await expectReadable(f, [anchor]);
        },
      ),
      { numRuns: 400, seed: SEED },
    );
    expectBothOutcomes(tally, 400);
  });

  it('POST /access-events', async () => {
    const epoch = (min: number, max: number) => fc.integer({ min, max });
    const isoVariants = (ms: number): string[] => {
      const iso = new Date(ms).toISOString();
      const shifted = new Date(ms + 330 * 60_000).toISOString();
      return [
        iso,
        iso.replace(/\.\d{3}Z$/, 'Z'),
        iso.replace('Z', '999Z'),
        shifted.replace('Z', '+05:30'),
        iso.replace('Z', '+00:00'),
      ];
    };
    const iso = (min: number, max: number) =>
      epoch(min, max).chain((ms) => fc.constantFrom(...isoVariants(ms)));
    const year0 = Date.parse('0000-01-01T00:00:00.000Z');
    const ts = fc.oneof(
      { weight: 4, arbitrary: epoch(0, NOW) as fc.Arbitrary<Wire> },
      { weight: 4, arbitrary: iso(0, NOW) },
      // Before 1970: once accepted and read back as 1970-01-01 (found here); either outcome is checked.
      { weight: 1, arbitrary: iso(year0, -1) },
    );
    const hostileTs = fc.oneof(
      // prettier-ignore
      fc.constantFrom<Wire>(
        '2016-12-31T23:59:60Z', '2021-02-29T00:00:00Z', '2020-01-01', 'now', '', ' 2020-01-01T00:00:00Z',
        '2020-01-01T00:00:00', '9999-12-31T23:59:59.999Z', '+002020-01-01T00:00:00Z', '2020-01-01t00:00:00z',
        NOW + 3_600_000, 253_402_300_799_999, 253_402_300_800_000, -1, 1.5,
      ),
      hostileNumber,
      hostileText,
    );
    const event = (m: Mode, i: number) =>
      fc
        .record(
          {
            dataset_id: pick(
              m,
              fc.constant(new Raw(`<DS${i}>`)),
              fc.oneof(fc.constant(new Raw('999999')), hostileValue),
            ),
            op: pick(
              m,
              fc.constantFrom('read', 'write'),
              fc.oneof(fc.constantFrom('READ', 'delete', ''), hostileValue),
            ),
            size_bytes: pick(m, count, hostileNumber),
            client_lat_ms: pick(m, zeroOrLatency, hostileNumber),
            ts: pick(m, ts, hostileTs),
          },
          { requiredKeys: m === 'valid' ? ['dataset_id', 'op'] : [] },
        )
        .map(obj);
    const payload = (m: Mode): fc.Arbitrary<Wire> => {
      const one = m === 'valid' ? event(m, 0) : withExtras(m, event(m, 0), ['dataset_id', 'op', 'ts']);
      const batch = fc
        .integer({ min: 1, max: 3 })
        .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => event(m, i))));
      const weird = fc.constantFrom<Wire>([], [[]], null, 'x', new Raw('1e400'), [new Raw('1e400')]);
      return m === 'valid'
        ? fc.oneof(one, batch)
        : fc.oneof(
            one,
            batch,
            batch.map((b) => [...b, new Obj([])]),
            weird,
          );
    };
    const bucketMs = f.core.config.bucketSeconds * 1000;

    await fc.assert(
      fc.asyncProperty(bothModes(payload), async (events) => {
        run++;
        // Arrange: one fresh dataset per event, so that its usage holds that event alone.
        const raw = jsonText(events);
        const values: Record<string, string> = {};
        for (const [, i] of raw.matchAll(/<DS(\d)>/g)) {
          const key = `DS${i}`;
          if (values[key]) continue;
          const name = `ev-${run}-${i}`;
          mkdirSync(join(f.store, name));
          values[key] = String((await f.core.datasets.create({ name, path_uri: f.uri(name) })).id);
        }
        const text = fill(raw, values);
        const before = Date.now();
        const reply = await send(f, 'POST', '/access-events', text);
        const after = Date.now();
        const ids = [anchor, ...Object.values(values).map(Number)];
        if (reply.status < 300) {
          tally.accepted++;
          const sent = JSON.parse(text) as unknown;
          const list = (Array.isArray(sent) ? sent : [sent]) as Record<string, unknown>[];
          expect(reply.body).toStrictEqual({
            accepted: list.length,
            datasets: new Set(list.map((e) => e.dataset_id)).size,
          });
          for (const e of list) {
            const id = e.dataset_id as number;
            // Only the fresh datasets hold nothing else; an event sent to 1 may land on the anchor.
            if (!ids.slice(1).includes(id) || list.filter((x) => x.dataset_id === id).length > 1) continue;
            const t =
              e.ts === undefined ? undefined : typeof e.ts === 'number' ? e.ts : Date.parse(e.ts as string);
            const ds = await getJson<Detail>(f, `/datasets/${id}`);
            const seen = Date.parse(ds.last_access_ts ?? 'null');
            if (t === undefined)
              expect(seen >= before && seen <= after, `last_access_ts ${ds.last_access_ts}`).toBe(true);
            else expect(ds.last_access_ts, 'last_access_ts = ts').toBe(new Date(t).toISOString());
            const usage = await getJson<Record<string, unknown>[]>(f, `/datasets/${id}/usage`);
            const size = (e.size_bytes as number | undefined) ?? 0;
            const lat = e.client_lat_ms === undefined ? null : (e.client_lat_ms as number);
            const start = Math.floor((t ?? seen) / bucketMs) * bucketMs;
            expect(usage, `usage of ${JSON.stringify(e)}`).toStrictEqual([
              asJson({
                bucket_start: new Date(start).toISOString(),
                read_count: e.op === 'read' ? 1 : 0,
                write_count: e.op === 'write' ? 1 : 0,
                bytes_read: e.op === 'read' ? size : 0,
                bytes_written: e.op === 'write' ? size : 0,
                avg_lat_ms: lat,
                max_lat_ms: lat,
              }),
            ]);
          }
        } else tally.refused++;
        await expectReadable(f, ids);
      }),
      { numRuns: 250, seed: SEED },
    );
    expectBothOutcomes(tally, 250);
  });

  it('POST /locations (file://, s3://, gs://)', async () => {
    const notFileUrl = (s: string) => {
      try {
        return new URL(s).protocol !== 'file:';
      } catch {
        return true;
      }
    };
    // prettier-ignore
    const segment = fc.constantFrom(
      'loc', 'a', '.', 'x/..', '%2e%2e/<RUN>', 'new dir', 'new%20dir', 'é', '%C3%A9', '😀', 'x'.repeat(300),
      '%2f', '%2F', '%00', '%ff', 'file.txt', '', '~', 'a?x=1', 'a#f',
    );
    const fileUnder = fc
      .tuple(
        fc.constantFrom('<R>', 'FILE://<RP>', 'file://localhost<RP>', 'file:<RP>'),
        fc.array(segment, { minLength: 1, maxLength: 3 }),
      )
      .map(([base, segs]) => `${base}/${segs.join('/')}`);
    // prettier-ignore
    const objectSegment = fc.constantFrom(
      'data', 'a', 'new dir', 'é', '😀', '%2e%2e', '%2F', 'x'.repeat(300), '.', '..', '', 'a?b', 'a#b', '\\', '~',
    );
    const objectUnder = fc
      .tuple(
        fc.constantFrom(
          's3://<BUCKET>',
          'gs://<BUCKET>',
          's3://<BUCKET>.example',
          'gs://<BUCKET>_x',
          'S3://<BUCKET>',
        ),
        fc.array(objectSegment, { maxLength: 3 }),
        fc.constantFrom('', '/', '//'),
      )
      .map(([base, segs, tail]) => `${base}${segs.map((x) => `/${x}`).join('')}${tail}`);
    // prettier-ignore
    const odd = fc.constantFrom(
      '<STORE>', '<STORE>/new', '<STORE>/..', 'http://example.com/x', 'file://host/x', 'file:///', 'file://', 'file:',
      '<R>/file.txt', '<R>/file.txt/x', 's3://', 'gs://', 's3://UPPER/x', 's3://ab', 'gs://b/x\u2028y', 's3://t/x',
    );
    const fileValid = fc.constantFrom('<R>/loc', '<R>/new%20dir', '<R>/%C3%A9/%F0%9F%98%80', '<R>/a/b/');
    const objectValid = fc
      .tuple(fc.constantFrom('s3', 'gs'), fc.constantFrom('', '/data', '/a/b c/é', '/data/'))
      .map(([kind, prefix]) => `${kind}://<BUCKET>${prefix}`);
    const tierSpec = fc
      .record({
        storage_class: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) as fc.Arbitrary<Wire>,
        price_per_gb_month: spelled(
          fc.oneof(fc.double({ min: 0, max: 1000, noNaN: true }), fc.constantFrom(0, -0, 1000)),
        ),
      })
      .map(obj);
    const tiers = fc
      .record({ hot: tierSpec, warm: tierSpec, cold: tierSpec }, { requiredKeys: ['hot'] })
      .map(obj);
    const hostileTiers = fc.oneof(
      fc.constant(new Obj([])),
      fc
        .record({
          hot: fc.oneof(
            hostileValue,
            fc.record({ storage_class: hostileValue, price_per_gb_month: hostileNumber }).map(obj),
          ),
        })
        .map(obj),
      fc.record({ lukewarm: tierSpec }).map(obj),
      hostileValue,
    );
    const endpoint = fc.constantFrom(
      'http://127.0.0.1:9000',
      'https://s3.example.com/',
      'http://[::1]:4443/api',
    );
    const hostileEndpoint = fc.oneof(
      fc.constantFrom('ftp://x', 'http://user:pw@h', 'http://h/?q', 'not a url', 'file:///etc', 'http://h#f'),
      hostileText,
    );
    const credentialsRef = fc.constantFrom('default', 'env:DM_TEST', 'profile:dev', 'file:/keys/key.json');
    const secretText = fc.stringMatching(/^[!-~]{1,40}$/);
    const credentials = fc.oneof(
      fc.record({ access_key_id: secretText, secret_access_key: secretText }).map(obj),
      fc
        .record({
          service_account: fc
            .record({
              type: fc.constant('service_account'),
              client_email: fc.constant('svc@p.iam.gserviceaccount.com'),
              private_key: secretText,
            })
            .map(obj),
        })
        .map(obj),
    );
    const objectOnly = { endpoint, project: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,20}$/) };
    const body = (m: Mode) =>
      withExtras(
        m,
        fc
          .oneof(
            fc.record(
              {
                id: pick(m, fc.constant('<ID>'), fc.constantFrom('t', 'T', '-a', 'a b', 'é', 'x'.repeat(65))),
                uri: m === 'valid' ? fileValid : fc.oneof(fileUnder, odd, hostileText.filter(notFileUrl)),
                region: pick(m, fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/), hostileValue),
                tiers: pick(m, tiers, hostileTiers),
                // Object-store settings on a file:// location are refused.
                ...(m === 'valid' ? {} : { ...objectOnly, credentials_ref: credentialsRef }),
              },
              { requiredKeys: m === 'valid' ? ['id', 'uri'] : [] },
            ),
            fc.record(
              {
                id: pick(m, fc.constant('<ID>'), hostileText),
                uri: m === 'valid' ? objectValid : fc.oneof(objectUnder, odd),
                endpoint: pick(m, endpoint, hostileEndpoint),
                region: pick(m, fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/), hostileValue),
                project: pick(m, objectOnly.project, hostileValue),
                credentials_ref: pick(m, credentialsRef, hostileValue),
                credentials: pick(
                  m,
                  credentials,
                  fc.oneof(
                    hostileValue,
                    credentials.map((c) => new Obj([...c.entries, ['x', 1]])),
                  ),
                ),
                tiers: pick(m, tiers, hostileTiers),
              },
              { requiredKeys: m === 'valid' ? ['id', 'uri'] : [] },
            ),
          )
          .map((r) => obj(r as Record<string, Wire | undefined>)),
        ['kind', 'created_at', 'uri', 'has_credentials'],
      );
    const dir = realpathSync(f.dir);
    const locs = join(dir, 'locs');
    const inside = (p: string, root: string) => p === root || p.startsWith(root + sep);

    await fc.assert(
      fc.asyncProperty(bothModes(body), async (payload) => {
        run++;
        const r = join(locs, `r${run}`);
        mkdirSync(join(r, 'a'), { recursive: true });
        writeFileSync(join(r, 'file.txt'), 'not a folder');
        const rUrl = pathToFileURL(r);
        const values = {
          R: rUrl.href,
          RP: rUrl.pathname,
          RUN: `r${run}`,
          STORE: pathToFileURL(f.store).href,
          ID: `l${run}`,
          BUCKET: `bkt-${run}`,
        };
        const text = fill(jsonText(payload), values);
        const sent = parseOrUndefined(text) ?? {};
        // Never let a generated URI make a folder outside this test's own directory.
        const target = typeof sent.uri === 'string' ? lexicalPath(sent.uri) : undefined;
        fc.pre(
          target === undefined ||
            target === sep ||
            inside(target, r) ||
            (inside(target, dir) && !inside(target, locs)),
        );
        const reply = await send(f, 'POST', '/locations', text);
        if (reply.status < 300) {
          tally.accepted++;
          const created = reply.body as { id: string; uri: string; kind: string; has_credentials: boolean };
          const got = (await getJson<{ id: string }[]>(f, '/locations')).find((l) => l.id === created.id);
          expect(got).toStrictEqual(created);
          expectFieldsBack(got as Record<string, unknown>, sent, ['uri', 'endpoint', 'credentials']);
          // Canonical forms: an endpoint without its trailing "/", a root without its trailing "/".
          if (typeof sent.endpoint === 'string')
            expect(created).toMatchObject({ endpoint: sent.endpoint.replace(/\/+$/, '') });
          // Secrets are write-only: has_credentials says they are kept, no answer repeats them.
          expect(created.has_credentials).toBe(sent.credentials !== undefined);
          for (const secret of JSON.stringify(sent.credentials ?? {}).match(/"[!-~]{8,}"/g) ?? [])
            expect(reply.text).not.toContain(secret.slice(1, -1));
          if (created.kind === 'file') {
            // The URI is stored canonical: the real folder the sent URI names, now existing.
            const root = fileURLToPath(created.uri);
            expect(target && realpathSync(target)).toBe(root);
            expect(statSync(root).isDirectory()).toBe(true);
            expect(inside(root, r)).toBe(true);
          } else expect(created.uri).toBe((sent.uri as string).replace(/\/+$/, ''));
        } else tally.refused++;
        await expectReadable(f, [anchor]);
      }),
      { numRuns: 250, seed: SEED },
    );
    expectBothOutcomes(tally, 250);
  });
});
