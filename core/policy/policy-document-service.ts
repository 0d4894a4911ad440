import type { Db } from '../db/database.ts';
import type { Location } from '../contracts/locations.ts';
import type { PlanResult } from '../contracts/jobs.ts';
import { parse } from '../contracts/validate.ts';
import {
  DatasetTagsBody,
  PolicyDocumentDryRunBody,
  PolicyDocumentPut,
  PolicyDocumentVersionsQuery,
  type DatasetTags as DatasetTagsResult,
  type DryRunResult,
  type PolicyDocumentPutResult,
  type PolicyDocumentVersion,
  type PolicyFormat,
  type PolicyProblem,
} from '../contracts/policy-document.ts';
import { DataMotionError, notFound } from '../errors.ts';
import type { EstimateService } from '../migration/estimate-service.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { currentActor, policyActor, runAs } from '../audit/actor.ts';
import { EMPTY_DOCUMENT, type PolicyDocument } from './document.ts';
import { detectFormat, parsePolicyDocument } from './parse-document.ts';
import { findConflicts, type TierLatency } from './constraints.ts';
import { enforcementPlan, type EnforcementDeps } from './enforcement.ts';
import type { DatasetTags } from './dataset-tags.ts';

export interface PolicyDocumentDeps {
  db: Db;
  audit: AuditLog;
  locations: { list(): Location[] };
  estimates: Pick<EstimateService, 'estimate'>;
  jobs: { plan(input: unknown): PlanResult };
  datasetExists: (id: number, field: string) => void;
  tags: DatasetTags;
  latency: TierLatency;
  now?: () => number;
  /** Told when a dataset's tags change (what its policies select may change with them). */
  onTagsChanged?: (datasetId: number) => void;
}

interface Row {
  version: number;
  format: PolicyFormat;
  source: string;
  author: string;
  comment: string | null;
  policy_ids_json: string;
  auto_apply: number;
  created_at: number;
}

const toApi = (r: Row): PolicyDocumentVersion => ({
  version: r.version,
  format: r.format,
  source: r.source,
  author: r.author,
  comment: r.comment,
  created_at: new Date(r.created_at).toISOString(),
  policy_ids: JSON.parse(r.policy_ids_json) as string[],
  auto_apply: r.auto_apply === 1,
});

const NONE: PolicyDocumentVersion = {
  version: 0,
  format: 'yaml',
  source: '',
  author: 'system',
  comment: null,
  created_at: null,
  policy_ids: [],
  auto_apply: false,
};

/**
 * Policies as code: validates documents (every problem at its line and field, conflicts
 * with both places), keeps every saved version, answers dry runs and applies documents.
 */
export class PolicyDocumentService {
  private cached: { version: number; doc: PolicyDocument } | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: PolicyDocumentDeps) {
    this.now = deps.now ?? Date.now;
  }

  current(): PolicyDocumentVersion {
    const row = this.deps.db.prepare('SELECT * FROM policy_documents ORDER BY version DESC LIMIT 1').get() as
      Row | undefined;
    return row ? toApi(row) : NONE;
  }

  /** The document in force, parsed (the empty document before the first PUT). */
  currentDocument(): { version: number; doc: PolicyDocument } {
    const cur = this.current();
    if (cur.version === 0) return { version: 0, doc: EMPTY_DOCUMENT };
    if (this.cached?.version !== cur.version) {
      const parsed = parsePolicyDocument(cur.source, cur.format);
      // Stored versions were valid when saved; the parser only ever grows.
      if (!parsed.ok)
        throw new Error(
          `stored policy document v${cur.version} no longer parses: ${parsed.problems[0]?.message}`,
        );
      this.cached = { version: cur.version, doc: parsed.doc };
    }
    return this.cached;
  }

  versions(input: unknown = {}): PolicyDocumentVersion[] {
    const q = parse(PolicyDocumentVersionsQuery, input, 'query');
    const rows = this.deps.db
      .prepare('SELECT * FROM policy_documents ORDER BY version DESC LIMIT ?')
      .all(q.limit ?? 20) as Row[];
    return rows.map(toApi);
  }

  version(version: number): PolicyDocumentVersion {
    const row = this.deps.db.prepare('SELECT * FROM policy_documents WHERE version = ?').get(version) as
      Row | undefined;
    if (!row) throw notFound('policy document version', version, 'version');
    return toApi(row);
  }

  /** Parses and checks a document; a 400 listing every problem (line, column, field) otherwise. */
  validate(source: string, format?: PolicyFormat): PolicyDocument {
    const parsed = parsePolicyDocument(source, format ?? detectFormat(source));
    const problems = parsed.ok ? findConflicts(parsed.doc, this.deps.latency) : parsed.problems;
    if (!parsed.ok || problems.length) {
      const first = problems[0]!;
      throw new DataMotionError(
        'invalid_input',
        `body.source: ${problems.length} problem${problems.length > 1 ? 's' : ''} in the policy document; ` +
          `first: ${first.message}`,
        'body.source',
        { problems },
      );
    }
    return parsed.doc;
  }

  /** POST /policy-document/dry-run: what applying this document would plan, and its cost. */
  dryRun(input: unknown): DryRunResult {
    const body = parse(PolicyDocumentDryRunBody, input, 'body');
    const doc = this.validate(body.source, body.format);
    const { result } = enforcementPlan(doc, this.enforcementDeps(), { confirm: false });
    return { ...result, warnings: this.warnings(doc) };
  }

  /** PUT /policy-document: a new version; with apply, the moves its dry run lists are planned. */
  put(input: unknown): PolicyDocumentPutResult {
    const body = parse(PolicyDocumentPut, input, 'body');
    const format = body.format ?? detectFormat(body.source);
    const doc = this.validate(body.source, format);
    const plan = body.apply
      ? enforcementPlan(doc, this.enforcementDeps(), { confirm: body.confirm ?? false })
      : null;
    const author = currentActor();
    const { db, audit } = this.deps;
    const ids = doc.policies.map((p) => p.id);
    const version = db
      .transaction((): number => {
        const prev = this.current().version;
        const v = prev + 1;
        db.prepare(
          `INSERT INTO policy_documents (version, format, source, author, comment, policy_ids_json, auto_apply, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          v,
          format,
          body.source,
          author,
          body.comment ?? null,
          JSON.stringify(ids),
          doc.autoApply.enabled ? 1 : 0,
          this.now(),
        );
        audit.record({
          action: 'policy.update',
          policy: `v${v}`,
          reason:
            body.comment ||
            `policy document v${v} saved: ${ids.length} polic${ids.length === 1 ? 'y' : 'ies'}`,
          details: {
            version: v,
            previous_version: prev,
            policy_ids: ids,
            auto_apply: doc.autoApply.enabled,
            apply: !!body.apply,
          },
        });
        return v;
      })
      .immediate();
    if (!plan) return { document: this.version(version), applied: null };
    for (const move of plan.moves) {
      const { item } = move;
      const note = {
        action: 'policy.apply' as const,
        policy: `v${version}/${item.policies.join(',')}`,
        reason: item.reasons.join('; '),
        details: { requested_by: author, policy_version: version },
      };
      try {
        const job = runAs(policyActor(item.policies[0]!), () => this.deps.jobs.plan(move.plan), note);
        item.job_id = job.job_id;
      } catch (e) {
        // Checked by the dry run a moment ago: only a race (a job planned meanwhile) gets here.
        item.action = 'failed';
        item.reasons.push(e instanceof Error ? e.message : String(e));
      }
    }
    return { document: this.version(version), applied: { ...plan.result, warnings: this.warnings(doc) } };
  }

  tags(datasetId: number): DatasetTagsResult {
    this.deps.datasetExists(datasetId, 'id');
    return { dataset_id: datasetId, tags: this.deps.tags.of(datasetId) };
  }

  setTags(datasetId: number, input: unknown): DatasetTagsResult {
    const body = parse(DatasetTagsBody, input, 'body');
    this.deps.datasetExists(datasetId, 'id');
    const tags = this.deps.tags.replace(datasetId, body.tags);
    this.deps.onTagsChanged?.(datasetId);
    return { dataset_id: datasetId, tags };
  }

  /** The moves the document in force requires now (what auto-apply and the UI may show). */
  enforcementDeps(): EnforcementDeps {
    return {
      db: this.deps.db,
      audit: this.deps.audit,
      locations: () => this.deps.locations.list(),
      estimates: this.deps.estimates,
      tags: () => this.deps.tags.all(),
      latency: this.deps.latency,
      now: this.now,
    };
  }

  /** Location ids the document names that do not exist (yet): allowed, but worth a look. */
  private warnings(doc: PolicyDocument): PolicyProblem[] {
    const known = new Set(this.deps.locations.list().map((l) => l.id));
    const out: PolicyProblem[] = [];
    for (const p of doc.policies) {
      const named = [
        ...(p.select.location ?? []).map((id) => ({
          id,
          at: { ...p.at, field: `${p.at.field}.select.location` },
        })),
        ...(p.rules.residency?.locations ?? []).map((id) => ({ id, at: p.ruleAt.residency ?? p.at })),
      ];
      for (const { id, at } of named) {
        if (!known.has(id))
          out.push({ ...at, message: `line ${at.line}, ${at.field}: there is no location "${id}" (yet)` });
      }
    }
    return out;
  }
}
