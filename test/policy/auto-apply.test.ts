import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Tier } from '../../core/contracts/common.ts';
import type { Core } from '../../core/create-core.ts';
import { parsePolicyDocument } from '../../core/policy/parse-document.ts';
import { constraintsFor, locationAllowed } from '../../core/policy/constraints.ts';
import { utcDayStart } from '../../core/policy/units.ts';
import { GiB, policyCore } from './policy-kit.ts';

/** A simulated clock the core's auto-apply reads. */
class Clock {
  constructor(public ms: number) {}
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
  readonly now = (): number => this.ms;
}

/** Stores a recommendation as the engine would (the engine itself is tested elsewhere). */
function recommend(
  core: Core,
  datasetId: number,
  to: Tier,
  target?: { location: string; storageClass: string },
): number {
  const ds = core.datasets.get(datasetId);
  const res = core.db
    .prepare(
      `INSERT INTO recommendations (dataset_id, current_tier, recommended_tier, reasons_json, model_version,
         created_at, target_location_id, target_storage_class, details_json)
       VALUES (?, ?, ?, ?, 'test', ?, ?, ?, ?)`,
    )
    .run(
      datasetId,
      ds.current_tier,
      to,
      JSON.stringify([`idle for days: ${to} is cheaper`]),
      Date.now(),
      target?.location ?? null,
      target?.storageClass ?? null,
      JSON.stringify({ monthly_cost_now_usd: 1, monthly_cost_after_usd: 0.5 }),
    );
  return Number(res.lastInsertRowid);
}

const put = (core: Core, source: string) => core.policyDocs.put({ source });
const autoJobs = (core: Core) =>
  core.jobs.list().filter((j) => core.audit.planOf(j.job_id)?.actor === 'auto_apply');

describe('auto-apply', () => {
  let t: ReturnType<typeof policyCore> | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('is off by default: without a document, and with one that does not switch it on', async () => {
    const clock = new Clock(Date.parse('2026-01-10T02:00:00Z'));
    t = policyCore({ now: clock.now });
    const id = await t.addDataset({ name: 'idle', location: 'fast', tier: 'hot', gib: 1 });
    recommend(t.core, id, 'warm', { location: 'archive', storageClass: 'standard' });
    expect(t.core.autoApply.tick()).toMatchObject({
      idle: 'auto_apply is off in the policy document',
      planned: [],
    });
    put(t.core, 'policies:\n  - id: p\n    rules: { replicas: 2 }\n');
    expect(t.core.autoApply.tick().idle).toMatch(/off/);
    put(t.core, 'auto_apply:\n  enabled: false\n  daily_bytes: 1TiB\n');
    expect(t.core.autoApply.tick().idle).toMatch(/off/);
    expect(t.core.jobs.list()).toEqual([]);
    expect(t.core.audit.list({ action: 'auto_apply.plan' }).items).toEqual([]);
  });

  it('plans only inside its maintenance window, and records why, on whose recommendation and under which policy', async () => {
    const clock = new Clock(Date.parse('2026-01-10T12:00:00Z'));
    t = policyCore({ now: clock.now });
    const id = await t.addDataset({ name: 'idle', location: 'fast', tier: 'hot', gib: 1 });
    const rec = recommend(t.core, id, 'warm', { location: 'archive', storageClass: 'standard' });
    put(t.core, 'auto_apply:\n  enabled: true\n  window: "01:00-05:00"\n  daily_bytes: 100GiB\n');
    expect(t.core.autoApply.tick()).toMatchObject({ idle: 'outside the maintenance window', planned: [] });
    clock.set('2026-01-10T05:00:00Z'); // the end is exclusive
    expect(t.core.autoApply.tick().idle).toBe('outside the maintenance window');
    expect(t.core.jobs.list()).toEqual([]);

    clock.set('2026-01-11T01:30:00Z');
    const out = t.core.autoApply.tick();
    expect(out.idle).toBeNull();
    expect(out.planned).toEqual([
      expect.objectContaining({ dataset_id: id, recommendation_id: rec, bytes: GiB }),
    ]);
    const [job] = t.core.jobs.list();
    expect(job).toMatchObject({
      dataset_id: id,
      dest_location: 'archive',
      dest_tier: 'warm',
      retire_source: false,
    });
    const [entry] = t.core.audit.list({ action: 'auto_apply.plan' }).items;
    expect(entry).toMatchObject({
      actor: 'auto_apply',
      dataset_id: id,
      job_id: job?.job_id,
      recommendation_id: rec,
      policy: 'v1',
      at: '2026-01-11T01:30:00.000Z',
    });
    expect(entry?.reason).toMatch(
      new RegExp(`recommendation ${rec}: hot → warm.*allowed by auto_apply \\(line 1\\)`),
    );
  });

  it('a window across midnight', async () => {
    const clock = new Clock(Date.parse('2026-01-10T23:30:00Z'));
    t = policyCore({ now: clock.now });
    const id = await t.addDataset({ name: 'idle', location: 'fast', tier: 'hot', gib: 1 });
    recommend(t.core, id, 'warm', { location: 'archive', storageClass: 'standard' });
    put(t.core, 'auto_apply:\n  enabled: true\n  window: "22:00-02:00"\n  daily_bytes: 1TiB\n');
    expect(t.core.autoApply.tick().planned).toHaveLength(1);
  });

  it('stays inside its daily byte budget; the next UTC day has a new one', async () => {
    const clock = new Clock(Date.parse('2026-01-10T01:00:00Z'));
    t = policyCore({ now: clock.now });
    const ids = [];
    for (const name of ['a', 'b', 'c']) {
      const id = await t.addDataset({ name, location: 'fast', tier: 'hot', gib: 4 });
      recommend(t.core, id, 'warm', { location: 'archive', storageClass: 'standard' });
      ids.push(id);
    }
    put(t.core, 'auto_apply:\n  enabled: true\n  window: "00:00-06:00"\n  daily_bytes: 10GiB\n');
    const first = t.core.autoApply.tick();
    expect(first.planned.map((p) => p.dataset_id)).toEqual([ids[0], ids[1]]);
    expect(t.core.autoApply.status()).toMatchObject({
      enabled: true,
      window: '00:00-06:00',
      in_window: true,
      daily_bytes: 10 * GiB,
      planned_today_bytes: 8 * GiB,
      last_run: { at: '2026-01-10T01:00:00.000Z', idle: null, planned: 2, skipped: [{ dataset_id: ids[2] }] },
    });
    expect(first.skipped).toEqual([
      expect.objectContaining({
        dataset_id: ids[2],
        reason: expect.stringMatching(/daily budget.*2147483648 left/),
      }),
    ]);
    clock.set('2026-01-10T05:59:00Z');
    expect(t.core.autoApply.tick().planned).toEqual([]);
    clock.set('2026-01-11T00:00:00Z');
    expect(t.core.autoApply.tick().planned.map((p) => p.dataset_id)).toEqual([ids[2]]);
    expect(autoJobs(t.core)).toHaveLength(3);
  });

  it('never plans against a pin, an allowed tier, residency, or a move class it was not given', async () => {
    const clock = new Clock(Date.parse('2026-01-10T01:00:00Z'));
    t = policyCore({ now: clock.now });
    const pinned = await t.addDataset({
      name: 'pinned-db',
      location: 'archive',
      tier: 'warm',
      gib: 1,
      owner: 'ops',
    });
    const eu = await t.addDataset({
      name: 'eu-ledger',
      location: 'archive',
      tier: 'warm',
      gib: 1,
      owner: 'finance',
    });
    const slo = await t.addDataset({ name: 'fast-api', location: 'fast', tier: 'hot', gib: 1, owner: 'web' });
    const up = await t.addDataset({ name: 'revived', location: 'archive', tier: 'cold', gib: 1 });
    const free = await t.addDataset({ name: 'free', location: 'archive', tier: 'warm', gib: 1 });
    recommend(t.core, pinned, 'cold', { location: 'archive', storageClass: 'archive' });
    recommend(t.core, eu, 'cold', { location: 'us', storageClass: 'archive' });
    recommend(t.core, slo, 'warm', { location: 'archive', storageClass: 'standard' });
    recommend(t.core, up, 'warm', { location: 'archive', storageClass: 'standard' });
    recommend(t.core, free, 'cold', { location: 'archive', storageClass: 'archive' });
    put(
      t.core,
      `auto_apply:
  enabled: true
  daily_bytes: 1TiB
  allow: [demote]
policies:
  - id: keep-warm
    select: { name: "pinned-*", owner: ops }
    rules: { pin: warm }
  - id: finance-eu
    select: { owner: finance }
    rules:
      residency: { regions: [eu-west-1] }
  - id: web-slo
    select: { owner: web }
    rules: { latency_slo_ms: 20 }
`,
    );
    const out = t.core.autoApply.tick();
    expect(out.planned.map((p) => p.dataset_id)).toEqual([free]);
    const why = Object.fromEntries(out.skipped.map((s) => [s.dataset_id, s.reason]));
    expect(why[pinned]).toMatch(/pinned to warm by "keep-warm" \(line 6\)/);
    expect(why[eu]).toMatch(/us is outside the residency of "finance-eu"/);
    expect(why[slo]).toMatch(/warm is not allowed by "web-slo"/);
    expect(why[up]).toMatch(/cold->warm is not a move auto_apply.allow permits/);
  });

  it('never retires a source a never_retire_source rule keeps (and retires others when told to)', async () => {
    const clock = new Clock(Date.parse('2026-01-10T01:00:00Z'));
    t = policyCore({ now: clock.now });
    const kept = await t.addDataset({ name: 'kept', location: 'fast', tier: 'hot', gib: 1, owner: 'legal' });
    const other = await t.addDataset({ name: 'other', location: 'fast', tier: 'hot', gib: 1 });
    for (const id of [kept, other])
      recommend(t.core, id, 'warm', { location: 'archive', storageClass: 'standard' });
    put(
      t.core,
      'auto_apply:\n  enabled: true\n  daily_bytes: 1TiB\n  retire_source: true\n' +
        'policies:\n  - id: legal-hold\n    select: { owner: legal }\n    rules: { never_retire_source: true }\n',
    );
    expect(t.core.autoApply.tick().planned).toHaveLength(2);
    const jobs = Object.fromEntries(t.core.jobs.list().map((j) => [j.dataset_id, j]));
    expect(jobs[kept]?.retire_source).toBe(false);
    expect(jobs[other]?.retire_source).toBe(true);
  });

  it('over generated catalogues, documents and days: inside the window and budget, never against a rule', async () => {
    const tiers: Tier[] = ['hot', 'warm', 'cold'];
    const spot = { hot: ['fast'], warm: ['archive', 'us'], cold: ['archive', 'us'] } as const;
    const scenario = fc.record({
      datasets: fc.array(
        fc.record({
          tier: fc.constantFrom(...tiers),
          gib: fc.integer({ min: 1, max: 6 }),
          owner: fc.constantFrom('finance', 'legal', 'web'),
          to: fc.constantFrom(...tiers),
          pick: fc.nat(),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      budgetGib: fc.integer({ min: 1, max: 20 }),
      window: fc.constantFrom('01:00-05:00', '22:00-03:00', null),
      pin: fc.constantFrom<Tier>('hot', 'warm', 'cold'),
      times: fc.array(fc.integer({ min: 0, max: 3 * 24 * 60 - 1 }), { minLength: 1, maxLength: 8 }),
    });
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const clock = new Clock(Date.parse('2026-03-01T00:00:00Z'));
        const p = policyCore({ now: clock.now });
        try {
          for (const [i, d] of s.datasets.entries()) {
            const loc = spot[d.tier][d.pick % spot[d.tier].length]!;
            const id = await p.addDataset({
              name: `d${i}`,
              location: loc,
              tier: d.tier,
              gib: d.gib,
              owner: d.owner,
            });
            const targets = spot[d.to];
            const target = targets[(d.pick >> 1) % targets.length]!;
            if (d.to !== d.tier) {
              const storageClass = d.to === 'cold' ? 'archive' : 'standard';
              recommend(p.core, id, d.to, { location: target, storageClass });
            }
          }
          const source = `auto_apply:
  enabled: true
  ${s.window ? `window: "${s.window}"` : ''}
  daily_bytes: ${s.budgetGib}GiB
  allow: [demote, promote]
  retire_source: true
policies:
  - id: pin-finance
    select: { owner: finance }
    rules: { pin: ${s.pin} }
  - id: legal
    select: { owner: legal }
    rules:
      residency: { regions: [eu-west-1] }
      never_retire_source: true
`;
          put(p.core, source);
          const parsed = parsePolicyDocument(source);
          if (!parsed.ok) throw new Error('scenario document must parse');
          const doc = parsed.doc;
          for (const minute of [...s.times].sort((a, b) => a - b)) {
            clock.ms = Date.parse('2026-03-01T00:00:00Z') + minute * 60_000;
            p.core.autoApply.tick();
          }
          const entries = p.core.audit.list({ action: 'auto_apply.plan', limit: 1000 }).items;
          const perDay = new Map<number, number>();
          const locations = new Map(p.core.locations.list().map((l) => [l.id, l]));
          for (const e of entries) {
            const at = Date.parse(e.at);
            // Inside the window.
            const minute = Math.floor((at - utcDayStart(at)) / 60_000);
            if (s.window === '01:00-05:00') expect(minute >= 60 && minute < 300).toBe(true);
            if (s.window === '22:00-03:00') expect(minute >= 1320 || minute < 180).toBe(true);
            const day = utcDayStart(at);
            perDay.set(day, (perDay.get(day) ?? 0) + (e.details.bytes as number));
            // Never against a rule of the policies selecting the dataset.
            const ds = p.core.datasets.get(e.dataset_id!);
            const job = p.core.jobs.get(e.job_id!);
            const c = constraintsFor(
              doc,
              { name: ds.name, owner: ds.owner, location: ds.location, tags: {}, size_bytes: ds.size_bytes },
              p.core.config.tierLatencyMs,
            );
            if (c?.pin) expect(job.dest_tier).toBe(c.pin);
            if (c) expect(locationAllowed(c, locations.get(job.dest_location)!)).toBe(true);
            if (c?.neverRetireSource) expect(job.retire_source).toBe(false);
            checked++;
          }
          for (const bytes of perDay.values()) expect(bytes).toBeLessThanOrEqual(s.budgetGib * GiB);
        } finally {
          await p.cleanup();
        }
      }),
      { numRuns: 40 },
    );
    // Not vacuous: auto-apply did plan in these scenarios, and each plan was checked.
    expect(checked).toBeGreaterThan(0);
  }, 120_000);
});
