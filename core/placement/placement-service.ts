import type { Db } from '../db/database.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { Metrics } from '../metrics.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import { parse } from '../contracts/validate.ts';
import { PolicyCreate, type Policy, type Recommendation, type TrainResult } from '../contracts/placement.ts';
import type { Tier } from '../contracts/common.ts';
import { RecommendationEngine, type EngineSettings } from './recommendation-engine.ts';
import { ForecastService } from './forecast/forecast-service.ts';
import { RollupService } from '../telemetry/rollup-service.ts';
import type { Logger } from '../logger.ts';
import { assertDatasetExists } from '../catalog/dataset-service.ts';

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

/** A stored recommendation row (details_json: the cost engine's fields). */
interface StoredRow {
  id: number;
  dataset_id: number;
  current_tier: Tier;
  recommended_tier: Tier;
  reasons_json: string;
  model_version: string;
  created_at: number;
  target_location_id: string | null;
  target_storage_class: string | null;
  details_json: string | null;
}

export class PlacementService {
  readonly engine: RecommendationEngine;
  readonly forecasts: ForecastService;
  readonly rollups: RollupService;
  private timers: NodeJS.Timeout[] = [];
  private background: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    bus: EventBus,
    private readonly config: EngineSettings,
    private readonly metrics: Metrics,
    private readonly logger?: Logger,
  ) {
    this.forecasts = new ForecastService(db);
    this.engine = new RecommendationEngine(db, bus, metrics, config, this.forecasts);
    this.rollups = new RollupService(db, config.placement);
  }

  /**
   * POST /train: fits every dataset's forecast, backtests it against the recency heuristic,
   * stores the models; the engine uses a forecast where it won. Then a refresh.
   */
  async train(now = Date.now()): Promise<TrainResult> {
    const result = await this.forecasts.train(now);
    this.metrics.inc('datamotion_forecasts_trained_total', 'Datasets fitted by training', result.trained);
    await this.engine.refresh({ now });
    return result;
  }

  /** Background work: refresh every refresh interval, rollups and drift hourly, retraining on its own. */
  start(): void {
    const p = this.config.placement;
    const every = (ms: number, job: () => Promise<unknown>) => {
      if (ms <= 0) return;
      const t = setInterval(() => {
        this.background = this.background
          .then(job)
          .catch((e: unknown) => this.logger?.warn({ err: e }, 'placement background job failed'));
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(p.refreshIntervalMs, () => this.engine.refresh());
    // Rollups and the drift check do not need the refresh's pace: hourly.
    every(p.refreshIntervalMs > 0 ? Math.max(p.refreshIntervalMs, 3_600_000) : 0, async () => {
      await this.rollups.run();
      await this.forecasts.checkDriftAsync();
    });
    every(p.retrainIntervalMs, () => this.train());
  }

  /** Stops the timers and waits for a job in flight (before the database closes). */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.background;
  }

  get modelVersion(): string {
    return this.engine.modelVersion;
  }

  /**
   * Brings the engine up to date synchronously (only what changed since its last pass) and
   * returns the stored recommendations: for one dataset, tests and small catalogues. The
   * REST route uses refresh(), which yields to the event loop.
   */
  recommend(opts: { datasetId?: number; now?: number } = {}): Recommendation[] {
    if (opts.datasetId !== undefined) assertDatasetExists(this.db, opts.datasetId, 'query.dataset_id');
    this.engine.refreshSync({ now: opts.now, datasetId: opts.datasetId });
    return this.latest(opts.datasetId);
  }

  /** The incremental refresh, sliced so the event loop keeps serving; then the stored recommendations. */
  async refresh(opts: { datasetId?: number; now?: number } = {}): Promise<Recommendation[]> {
    if (opts.datasetId !== undefined) assertDatasetExists(this.db, opts.datasetId, 'query.dataset_id');
    await this.engine.refresh({ now: opts.now, datasetId: opts.datasetId });
    return this.latest(opts.datasetId);
  }

  /** The latest stored recommendation per dataset: what the engine computed. */
  latest(datasetId?: number): Recommendation[] {
    const where = datasetId === undefined ? '' : 'WHERE dataset_id = ?';
    const rows = this.db
      .prepare(
        `SELECT * FROM recommendations WHERE id IN
           (SELECT max(id) FROM recommendations ${where} GROUP BY dataset_id) ORDER BY dataset_id`,
      )
      .all(...(datasetId === undefined ? [] : [datasetId])) as StoredRow[];
    return rows.map(toApi);
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
}

function toApi(r: StoredRow): Recommendation {
  const base: Recommendation = {
    id: r.id,
    dataset_id: r.dataset_id,
    current_tier: r.current_tier,
    recommended_tier: r.recommended_tier,
    reasons: JSON.parse(r.reasons_json) as string[],
    model_version: r.model_version,
    ts: new Date(r.created_at).toISOString(),
  };
  if (r.target_location_id && r.target_storage_class) {
    base.target = {
      location_id: r.target_location_id,
      storage_class: r.target_storage_class,
      tier: r.recommended_tier,
    };
  }
  return r.details_json ? { ...base, ...(JSON.parse(r.details_json) as Partial<Recommendation>) } : base;
}
