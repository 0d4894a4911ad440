import { createHash } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { parse } from '../contracts/validate.ts';
import { AuditQuery, type AuditAction, type AuditEntry, type AuditPage } from '../contracts/audit.ts';
import { invalid } from '../errors.ts';
import { currentActor, type Actor } from './actor.ts';

export interface AuditRecord {
  action: AuditAction;
  /** Default: the actor of the running request or call (see actor.ts). */
  actor?: Actor;
  datasetId?: number | null;
  jobId?: string | null;
  /** The policy it came from or changed, e.g. "v3/eu-residency" or "v3". */
  policy?: string | null;
  recommendationId?: number | null;
  reason: string;
  details?: Record<string, unknown>;
  at?: number;
}

interface Row {
  id: number;
  at: number;
  action: string;
  actor: string;
  dataset_id: number | null;
  job_id: string | null;
  policy: string | null;
  recommendation_id: number | null;
  reason: string;
  details_json: string;
  prev_hash: string;
  hash: string;
}

/** Every action that plans a move. */
export const PLAN_ACTIONS: readonly AuditAction[] = ['plan', 'auto_apply.plan', 'policy.apply'];

const GENESIS = '0'.repeat(64);
const ACTOR_KINDS = new Set(['operator', 'api_key', 'api', 'auto_apply', 'policy', 'system']);

function rowHash(prev: string, r: Omit<Row, 'id' | 'prev_hash' | 'hash'>): string {
  const fields = [
    prev,
    r.at,
    r.action,
    r.actor,
    r.dataset_id,
    r.job_id,
    r.policy,
    r.recommendation_id,
    r.reason,
    r.details_json,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

const toApi = (r: Row): AuditEntry => ({
  id: r.id,
  at: new Date(r.at).toISOString(),
  action: r.action,
  actor: r.actor,
  dataset_id: r.dataset_id,
  job_id: r.job_id,
  policy: r.policy,
  recommendation_id: r.recommendation_id,
  reason: r.reason,
  details: JSON.parse(r.details_json) as Record<string, unknown>,
});

/**
 * The one writer of the audit trail. The table refuses UPDATE and DELETE (019's triggers),
 * and each row chains the hash of the previous one, so verify() notices a row written
 * around this module. Call record() inside the transaction of the change it reports.
 */
export class AuditLog {
  constructor(private readonly db: Db) {}

  record(e: AuditRecord): AuditEntry {
    const prev =
      (this.db.prepare('SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1').pluck().get() as
        string | undefined) ?? GENESIS;
    const row = {
      at: e.at ?? Date.now(),
      action: e.action,
      actor: e.actor ?? currentActor(),
      dataset_id: e.datasetId ?? null,
      job_id: e.jobId ?? null,
      policy: e.policy ?? null,
      recommendation_id: e.recommendationId ?? null,
      reason: e.reason,
      details_json: JSON.stringify(e.details ?? {}),
    };
    const hash = rowHash(prev, row);
    const res = this.db
      .prepare(
        `INSERT INTO audit_events (at, action, actor, dataset_id, job_id, policy, recommendation_id, reason,
           details_json, prev_hash, hash)
         VALUES (@at, @action, @actor, @dataset_id, @job_id, @policy, @recommendation_id, @reason,
           @details_json, @prev_hash, @hash)`,
      )
      .run({ ...row, prev_hash: prev, hash });
    return toApi({ ...row, id: Number(res.lastInsertRowid), prev_hash: prev, hash });
  }

  /** GET /audit: newest first, filtered, one page; next_cursor continues below the last id. */
  list(input: unknown = {}): AuditPage {
    const q = parse(AuditQuery, input, 'query');
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.dataset_id !== undefined) {
      where.push('dataset_id = ?');
      args.push(q.dataset_id);
    }
    if (q.actor !== undefined) {
      if (q.actor.includes(':') || !ACTOR_KINDS.has(q.actor)) {
        where.push('actor = ?');
        args.push(q.actor);
      } else {
        where.push("(actor = ? OR substr(actor, 1, length(?) + 1) = ? || ':')");
        args.push(q.actor, q.actor, q.actor);
      }
    }
    if (q.action !== undefined) {
      where.push('action = ?');
      args.push(q.action);
    }
    const since = q.since === undefined ? undefined : Date.parse(q.since);
    const until = q.until === undefined ? undefined : Date.parse(q.until);
    if (since !== undefined && until !== undefined && until < since) {
      throw invalid('query.until', `${q.until} is before since (${q.since})`);
    }
    if (since !== undefined) {
      where.push('at >= ?');
      args.push(since);
    }
    if (until !== undefined) {
      where.push('at < ?');
      args.push(until);
    }
    if (q.cursor !== undefined) {
      where.push('id < ?');
      args.push(Number(q.cursor));
    }
    const limit = q.limit ?? 100;
    const rows = this.db
      .prepare(
        `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY id DESC LIMIT ?`,
      )
      .all(...args, limit + 1) as Row[];
    const page = rows.slice(0, limit);
    const more = rows.length > limit;
    return { items: page.map(toApi), next_cursor: more ? String(page[page.length - 1]!.id) : null };
  }

  /** The plan entry of a job: switch and retirement entries inherit its actor and recommendation. */
  planOf(jobId: string): AuditEntry | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM audit_events WHERE job_id = ? AND action IN ('plan', 'auto_apply.plan', 'policy.apply')
         ORDER BY id LIMIT 1`,
      )
      .get(jobId) as Row | undefined;
    return row && toApi(row);
  }

  /** Bytes planned by entries of these actions since `since` (daily budgets), optionally of some datasets. */
  bytesPlannedSince(actions: readonly AuditAction[], since: number, datasetIds?: Set<number>): number {
    const rows = this.db
      .prepare(
        `SELECT dataset_id, details_json FROM audit_events
         WHERE action IN (${actions.map(() => '?').join(',')}) AND at >= ?`,
      )
      .all(...actions, since) as Pick<Row, 'dataset_id' | 'details_json'>[];
    let sum = 0;
    for (const r of rows) {
      if (datasetIds && (r.dataset_id === null || !datasetIds.has(r.dataset_id))) continue;
      const bytes = (JSON.parse(r.details_json) as { bytes?: unknown }).bytes;
      if (typeof bytes === 'number') sum += bytes;
    }
    return sum;
  }

  /** Re-computes the hash chain; the id of the first row that does not fit, or null. */
  verify(): number | null {
    let prev = GENESIS;
    for (const r of this.db.prepare('SELECT * FROM audit_events ORDER BY id').iterate() as Iterable<Row>) {
      if (r.prev_hash !== prev || rowHash(prev, r) !== r.hash) return r.id;
      prev = r.hash;
    }
    return null;
  }
}
