import type { Db } from '../db/database.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { CoreConfig } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import { DataMotionError, conflict, invalid, notFound } from '../errors.ts';
import { parse } from '../contracts/validate.ts';
import { PolicyCreate, type Policy, type Recommendation } from '../contracts/placement.ts';
import type { Tier } from '../contracts/common.ts';
import { decide, type PinPolicy, type PlacementInput, type SloPolicy } from './rules.ts';
import { assertDatasetExists } from '../catalog/dataset-service.ts';

interface StoredRow {
  id: number;
  dataset_id: number;
  current_tier: Tier;
  recommended_tier: Tier;
  reasons_json: string;
  model_version: string;
  created_at: number;
}

interface DatasetWithLatest {
  id: number;
  current_tier: Tier;
  last_access_ts: number | null;
  latency_slo_ms: number | null;
  rec_id: number | null;
  rec_tier: Tier | null;
  rec_current: Tier | null;
  rec_model: string | null;
  rec_at: number | null;
}

type RawRow = [
  number,
  Tier,
  number | null,
  number | null,
  number | null,
  Tier | null,
  Tier | null,
  string | null,
  number | null,
];
const toDatasetWithLatest = (r: unknown): DatasetWithLatest => {
  const [id, current_tier, last_access_ts, latency_slo_ms, rec_id, rec_tier, rec_current, rec_model, rec_at] =
    r as RawRow;
  return {
    id,
    current_tier,
    last_access_ts,
    latency_slo_ms,
    rec_id,
    rec_tier,
    rec_current,
    rec_model,
    rec_at,
  };
};

interface PolicyRow {
  id: number;
  name: string;
  kind: 'slo' | 'pin' | 'cost' | 'residency';
  dataset_id: number | null;
  params_json: string;
  enabled: number;
  created_at: number;
}

const policyToApi = (r: PolicyRow): Policy => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  dataset_id: r.dataset_id,
  params: JSON.parse(r.params_json) as Record<string, unknown>,
  enabled: r.enabled === 1,
  created_at: new Date(r.created_at).toISOString(),
});

/** At most this many recommendation events per call reach the bus (a full refresh can make 100k). */
const MAX_EVENTS = 1000;

export class PlacementService {
  readonly modelVersion: string;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly config: Pick<CoreConfig, 'recency' | 'tierLatencyMs'>,
    private readonly metrics: Metrics,
  ) {
    const r = config.recency;
    this.modelVersion = `recency-v1(${r.hot_max_age_s}s/${r.warm_max_age_s}s)`;
  }

  /**
   * Computes fresh recommendations (one dataset, or all), stores those that changed
   * (tier, current tier or model), and returns them all with today's reasons.
   */
  recommend(opts: { datasetId?: number; now?: number } = {}): Recommendation[] {
    const now = opts.now ?? Date.now();
    const one = opts.datasetId;
    if (one !== undefined) assertDatasetExists(this.db, one, 'query.dataset_id');
    const filter = one === undefined ? '' : 'WHERE d.id = ?';
    const args = one === undefined ? [] : [one];
    // One pass: each dataset with its latest stored decision (an index seek per dataset).
    const datasets = this.db
      .prepare(
        `SELECT d.id, d.current_tier, d.last_access_ts, d.latency_slo_ms,
                r.id AS rec_id, r.recommended_tier AS rec_tier, r.current_tier AS rec_current,
                r.model_version AS rec_model, r.created_at AS rec_at
         FROM datasets d
         LEFT JOIN recommendations r ON r.id = (SELECT max(id) FROM recommendations WHERE dataset_id = d.id)
         ${filter} ORDER BY d.id`,
      )
      // Arrays, not objects: a 100k refresh builds 100k rows, and objects cost twice the time.
      .raw()
      .all(...args)
      .map(toDatasetWithLatest);

    const windowStart = Math.floor((now - this.config.recency.warm_max_age_s * 1000) / 1000);
    const recent = new Map<number, { r: number; w: number }>();
    for (const row of this.db
      .prepare(
        `SELECT dataset_id, total(read_count) AS r, total(write_count) AS w FROM access_aggregates
         WHERE bucket_start >= ? ${one === undefined ? '' : 'AND dataset_id = ?'} GROUP BY dataset_id`,
      )
      .all(windowStart, ...args) as { dataset_id: number; r: number; w: number }[]) {
      recent.set(row.dataset_id, row);
    }

    const { pins, slos } = this.activePolicies();
    const ctx = { now, recency: this.config.recency, tierLatencyMs: this.config.tierLatencyMs, pins, slos };

    const nowIso = new Date(now).toISOString();
    const isoOf = new Map<number, string>();
    const iso = (ms: number): string => {
      let v = isoOf.get(ms);
      if (v === undefined) isoOf.set(ms, (v = new Date(ms).toISOString()));
      return v;
    };
    const created: Recommendation[] = [];
    const toStore: Recommendation[] = [];
    const out = datasets.map((d): Recommendation => {
      const rec = recent.get(d.id);
      const input: PlacementInput = {
        dataset_id: d.id,
        current_tier: d.current_tier,
        last_access_ts: d.last_access_ts,
        latency_slo_ms: d.latency_slo_ms,
        reads_recent: rec?.r ?? 0,
        writes_recent: rec?.w ?? 0,
      };
      const { tier, reasons } = decide(input, ctx);
      const unchanged =
        d.rec_id !== null &&
        d.rec_tier === tier &&
        d.rec_current === d.current_tier &&
        d.rec_model === this.modelVersion;
      const out: Recommendation = {
        id: unchanged ? (d.rec_id as number) : 0,
        dataset_id: d.id,
        current_tier: d.current_tier,
        recommended_tier: tier,
        reasons,
        model_version: this.modelVersion,
        ts: unchanged ? iso(d.rec_at as number) : nowIso,
      };
      if (!unchanged) toStore.push(out);
      return out;
    });
    this.db.transaction(() => this.insertMany(toStore, now))();
    created.push(...toStore);
    this.metrics.inc(
      'datamotion_recommendations_total',
      'Recommendations stored (changed decisions)',
      created.length,
    );
    for (const recommendation of created.slice(0, MAX_EVENTS)) {
      this.bus.publish({ type: 'recommendation.created', recommendation });
    }
    return out;
  }

  /**
   * Multi-row INSERTs (a 100k refresh is 200 statements, not 100k). Inside one statement
   * AUTOINCREMENT hands out consecutive ids, so each row's id follows from the last one.
   */
  private insertMany(recs: Recommendation[], now: number): void {
    const BATCH = 500;
    const sql = (n: number) =>
      `INSERT INTO recommendations (dataset_id, current_tier, recommended_tier, reasons_json, model_version, created_at)
       VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`;
    const full = this.db.prepare(sql(BATCH));
    for (let i = 0; i < recs.length; i += BATCH) {
      const part = recs.slice(i, i + BATCH);
      const stmt = part.length === BATCH ? full : this.db.prepare(sql(part.length));
      const args: (string | number)[] = [];
      for (const r of part) {
        args.push(
          r.dataset_id,
          r.current_tier,
          r.recommended_tier,
          JSON.stringify(r.reasons),
          r.model_version,
          now,
        );
      }
      const last = Number(stmt.run(...args).lastInsertRowid);
      part.forEach((r, j) => (r.id = last - part.length + 1 + j));
    }
  }

  /** The latest stored recommendation per dataset, with the reasons it was stored with. */
  latest(datasetId?: number): Recommendation[] {
    return this.latestRows(datasetId).map((r) => this.toApi(r));
  }

  private latestRows(datasetId?: number): StoredRow[] {
    const where = datasetId === undefined ? '' : 'WHERE dataset_id = ?';
    return this.db
      .prepare(
        `SELECT * FROM recommendations WHERE id IN
           (SELECT max(id) FROM recommendations ${where} GROUP BY dataset_id) ORDER BY dataset_id`,
      )
      .all(...(datasetId === undefined ? [] : [datasetId])) as StoredRow[];
  }

  private toApi(r: StoredRow): Recommendation {
    return {
      id: r.id,
      dataset_id: r.dataset_id,
      current_tier: r.current_tier,
      recommended_tier: r.recommended_tier,
      reasons: JSON.parse(r.reasons_json) as string[],
      model_version: r.model_version,
      ts: new Date(r.created_at).toISOString(),
    };
  }

  private activePolicies(): { pins: PinPolicy[]; slos: SloPolicy[] } {
    const rows = this.db
      .prepare(`SELECT * FROM policies WHERE enabled = 1 AND kind IN ('pin', 'slo') ORDER BY id`)
      .all() as PolicyRow[];
    const pins: PinPolicy[] = [];
    const slos: SloPolicy[] = [];
    for (const r of rows) {
      const p = JSON.parse(r.params_json) as Record<string, unknown>;
      if (r.kind === 'pin') pins.push({ name: r.name, dataset_id: r.dataset_id, tier: p.tier as Tier });
      else
        slos.push({
          name: r.name,
          dataset_id: r.dataset_id,
          max_latency_ms: p.max_latency_ms as number,
          min_tier: p.min_tier as Tier,
        });
    }
    return { pins, slos };
  }

  listPolicies(): Policy[] {
    return (this.db.prepare('SELECT * FROM policies ORDER BY id').all() as PolicyRow[]).map(policyToApi);
  }

  createPolicy(input: unknown): Policy {
    const body = parse(PolicyCreate, input);
    const params = body.params as Record<string, unknown>;
    if (body.kind === 'pin' && !('tier' in params))
      throw invalid('body.params.tier', 'a pin policy needs a tier');
    if (body.kind === 'slo' && !('max_latency_ms' in params)) {
      throw invalid('body.params.max_latency_ms', 'an slo policy needs max_latency_ms and min_tier');
    }
    if (body.dataset_id != null) assertDatasetExists(this.db, body.dataset_id, 'body.dataset_id');
    if (this.db.prepare('SELECT 1 FROM policies WHERE name = ?').get(body.name)) {
      throw conflict(`a policy named "${body.name}" already exists`, 'body.name');
    }
    const res = this.db
      .prepare(
        `INSERT INTO policies (name, kind, dataset_id, params_json, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        body.name,
        body.kind,
        body.dataset_id ?? null,
        JSON.stringify(params),
        body.enabled === false ? 0 : 1,
        Date.now(),
      );
    return policyToApi(
      this.db.prepare('SELECT * FROM policies WHERE id = ?').get(res.lastInsertRowid) as PolicyRow,
    );
  }

  deletePolicy(id: number): void {
    if (this.db.prepare('DELETE FROM policies WHERE id = ?').run(id).changes === 0)
      throw notFound('policy', id, 'id');
  }

  /** POST /train: 501 until the placement-intelligence issue brings a trained model. */
  train(): never {
    throw new DataMotionError(
      'not_implemented',
      `model training is not available yet; recommendations come from the rule model ${this.modelVersion} (see GET /recommendations)`,
    );
  }
}
