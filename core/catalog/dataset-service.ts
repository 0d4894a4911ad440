import type { Db } from '../db/database.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { StorageRegistry } from '../storage/registry.ts';
import type { LocationService } from './location-service.ts';
import { DataMotionError, conflict, invalid, notFound } from '../errors.ts';
import { parse } from '../contracts/validate.ts';
import { guardPathAsync } from './path-errors.ts';
import {
  DatasetCreate,
  DatasetPatch,
  type Dataset,
  type DatasetDetail,
  type DatasetListQuery,
  type Replica,
} from '../contracts/datasets.ts';
import type { Tier } from '../contracts/common.ts';

export interface DatasetRow {
  id: number;
  name: string;
  path_uri: string;
  location_id: string;
  current_tier: Tier;
  storage_class: string | null;
  latency_slo_ms: number | null;
  size_bytes: number;
  object_count: number;
  owner: string | null;
  last_access_ts: number | null;
  created_at: number;
  updated_at: number;
}

interface ReplicaRow {
  id: number;
  location_id: string;
  uri: string;
  role: Replica['role'];
  storage_class: string | null;
  tier: Tier | null;
  updated_at: number;
}

/** Throws not_found naming `field` unless the dataset exists: the one check every service shares. */
export function assertDatasetExists(db: Db, id: number, field: string): void {
  if (!db.prepare('SELECT 1 FROM datasets WHERE id = ?').get(id)) throw notFound('dataset', id, field);
}

const iso = (ms: number | null): string | null => (ms == null ? null : new Date(ms).toISOString());

export const datasetToApi = (r: DatasetRow): Dataset => ({
  id: r.id,
  name: r.name,
  path_uri: r.path_uri,
  location: r.location_id,
  current_tier: r.current_tier,
  storage_class: r.storage_class,
  latency_slo_ms: r.latency_slo_ms,
  size_bytes: r.size_bytes,
  object_count: r.object_count,
  owner: r.owner,
  last_access_ts: iso(r.last_access_ts),
  created_at: new Date(r.created_at).toISOString(),
  updated_at: new Date(r.updated_at).toISOString(),
});

export class DatasetService {
  constructor(
    private readonly db: Db,
    private readonly locations: LocationService,
    private readonly storage: StorageRegistry,
    private readonly bus: EventBus,
  ) {}

  row(id: number, field = 'dataset_id'): DatasetRow {
    const row = this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
    if (!row) throw notFound('dataset', id, field);
    return row;
  }

  get(id: number): DatasetDetail {
    const replicas = (
      this.db.prepare('SELECT * FROM replicas WHERE dataset_id = ? ORDER BY id').all(id) as ReplicaRow[]
    ).map((r): Replica => ({
      id: r.id,
      location: r.location_id,
      uri: r.uri,
      role: r.role,
      storage_class: r.storage_class,
      tier: r.tier,
      updated_at: new Date(r.updated_at).toISOString(),
    }));
    return { ...datasetToApi(this.row(id, 'id')), replicas };
  }

  list(q: DatasetListQuery = {}): Dataset[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.location) {
      where.push('location_id = ?');
      args.push(q.location);
    }
    if (q.tier) {
      where.push('current_tier = ?');
      args.push(q.tier);
    }
    const sql = `SELECT * FROM datasets ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
                 ORDER BY id LIMIT ? OFFSET ?`;
    return (this.db.prepare(sql).all(...args, q.limit ?? 1000, q.offset ?? 0) as DatasetRow[]).map(
      datasetToApi,
    );
  }

  /** Registers a folder as a dataset; size and object count are scanned when not given. */
  async create(input: unknown): Promise<DatasetDetail> {
    const body = parse(DatasetCreate, input);
    const resolved = this.locations.resolve(body.path_uri, 'body.path_uri');
    const driver = this.storage.forUri(resolved.uri);
    const field = 'body.path_uri';
    if (!(await guardPathAsync(field, resolved.uri, () => driver.exists(resolved.uri)))) {
      throw invalid(field, `${resolved.uri} does not exist or is not a folder`);
    }
    this.assertNoOverlap(resolved.uri, field);
    let { size_bytes, object_count } = body;
    if (size_bytes === undefined || object_count === undefined) {
      const scanned = await guardPathAsync(field, resolved.uri, async () => {
        let size = 0;
        let count = 0;
        for await (const o of driver.list(resolved.uri)) {
          size += o.size;
          count++;
        }
        return { size, count };
      });
      size_bytes ??= scanned.size;
      object_count ??= scanned.count;
    }
    const tier = body.current_tier ?? this.locations.defaultTier(resolved.location);
    const storageClass = resolved.location.tiers[tier]?.storage_class ?? null;
    const now = Date.now();
    const id = this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(body.name)) {
        throw conflict(`a dataset named "${body.name}" already exists`, 'body.name');
      }
      this.assertNoOverlap(resolved.uri, 'body.path_uri');
      const res = this.db
        .prepare(
          `INSERT INTO datasets (name, path_uri, location_id, current_tier, storage_class, latency_slo_ms,
             size_bytes, object_count, owner, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          body.name,
          resolved.uri,
          resolved.location.id,
          tier,
          storageClass,
          body.latency_slo_ms ?? null,
          size_bytes,
          object_count,
          body.owner ?? null,
          now,
          now,
        );
      const datasetId = Number(res.lastInsertRowid);
      this.db
        .prepare(
          `INSERT INTO replicas (dataset_id, location_id, uri, role, storage_class, tier, created_at, updated_at)
           VALUES (?, ?, ?, 'primary', ?, ?, ?, ?)`,
        )
        .run(datasetId, resolved.location.id, resolved.uri, storageClass, tier, now, now);
      return datasetId;
    })();
    const detail = this.get(id);
    this.bus.publish({ type: 'dataset.updated', dataset: detail });
    return detail;
  }

  patch(id: number, input: unknown): DatasetDetail {
    if (input && typeof input === 'object' && 'path_uri' in input) {
      throw invalid(
        'body.path_uri',
        'cannot be changed directly; POST /plan-migration moves a dataset safely',
      );
    }
    const body = parse(DatasetPatch, input);
    this.row(id, 'id');
    const sets: string[] = [];
    const args: (string | number | null)[] = [];
    for (const [k, v] of Object.entries(body)) {
      sets.push(`${k} = ?`);
      args.push(v as string | number | null);
    }
    try {
      this.db
        .prepare(`UPDATE datasets SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`)
        .run(...args, Date.now(), id);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw conflict(`a dataset named "${body.name}" already exists`, 'body.name');
      }
      throw e;
    }
    const detail = this.get(id);
    this.bus.publish({ type: 'dataset.updated', dataset: detail });
    return detail;
  }

  /** Forgets a dataset (its files stay where they are). Refused while a migration is open. */
  delete(id: number): void {
    this.row(id, 'id');
    const open = this.db
      .prepare(
        `SELECT job_id FROM migration_jobs WHERE dataset_id = ? AND status IN ('queued','copying','verifying','switching')`,
      )
      .get(id) as { job_id: string } | undefined;
    if (open) throw conflict(`dataset ${id} has an open migration ${open.job_id}; cancel it first`, 'id');
    this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
    this.bus.publish({ type: 'dataset.deleted', dataset_id: id });
  }

  /**
   * Two datasets must never share files: a path equal to, inside, or containing another
   * dataset's primary or a live replica is refused (a migration or a retire would clobber it).
   */
  assertNoOverlap(uri: string, field: string, ignoreDatasetId?: number): void {
    const clash = this.db
      .prepare(
        `SELECT d.id, d.name, r.uri FROM replicas r JOIN datasets d ON d.id = r.dataset_id
         WHERE r.role != 'retired' AND (? IS NULL OR d.id != ?)
           AND (r.uri = ? OR substr(?, 1, length(r.uri) + 1) = r.uri || '/' OR substr(r.uri, 1, length(?) + 1) = ? || '/')
         LIMIT 1`,
      )
      .get(ignoreDatasetId ?? null, ignoreDatasetId ?? null, uri, uri, uri, uri) as
      { id: number; name: string; uri: string } | undefined;
    if (clash) {
      throw new DataMotionError(
        'conflict',
        `${field}: ${uri} overlaps dataset ${clash.id} "${clash.name}" at ${clash.uri}`,
        field,
      );
    }
  }
}
