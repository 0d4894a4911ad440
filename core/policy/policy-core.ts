import type { Db } from '../db/database.ts';
import type { CoreConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { LocationService } from '../catalog/location-service.ts';
import { assertDatasetExists, type DatasetRow } from '../catalog/dataset-service.ts';
import { monthlyCost, selectable } from './enforcement.ts';
import type { JobStore } from '../migration/job-store.ts';
import type { JobService } from '../migration/job-service.ts';
import type { EstimateService } from '../migration/estimate-service.ts';
import type { Recommendation } from '../contracts/placement.ts';
import { AuditLog, PLAN_ACTIONS } from '../audit/audit-log.ts';
import { jobAuditHook } from '../audit/job-audit.ts';
import { PolicyDocumentService } from './policy-document-service.ts';
import { AutoApply } from './auto-apply.ts';
import { DatasetTags } from './dataset-tags.ts';
import { policyPlanGuard } from './plan-guard.ts';
import { PlacementConstraints } from './placement-constraints.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { ConstraintSource } from '../placement/recommendation-engine.ts';

export interface PolicyCoreDeps {
  db: Db;
  config: CoreConfig;
  logger: Logger;
  locations: LocationService;
  jobStore: JobStore;
  jobs: JobService;
  estimates: EstimateService;
  recommendations: () => Recommendation[];
  bus: EventBus;
  /** The placement engine, told what the document allows each dataset. */
  placement: { setConstraints(c: ConstraintSource | null): void };
  /** The clock of auto-apply's window and budget (tests pass a simulated one). */
  now?: () => number;
}

export interface PolicyCore {
  audit: AuditLog;
  policyDocs: PolicyDocumentService;
  autoApply: AutoApply;
}

/** The audit trail, policy documents and auto-apply, wired to the job lifecycle. */
export function createPolicyCore(d: PolicyCoreDeps): PolicyCore {
  const audit = new AuditLog(d.db);
  // Plans, switches and retirements are recorded in the transaction of their history row.
  d.jobStore.onEvent(jobAuditHook(d.db, audit));
  const tags = new DatasetTags(d.db);
  const now = d.now ?? Date.now;
  const latency = d.config.tierLatencyMs;
  const policyDocs = new PolicyDocumentService({
    db: d.db,
    audit,
    locations: d.locations,
    estimates: d.estimates,
    jobs: d.jobs,
    datasetExists: (id, field) => assertDatasetExists(d.db, id, field),
    tags,
    latency,
    now,
    onTagsChanged: (id) => constraints.touch(id),
  });
  // Recommendations stay inside what the document allows (tiers, residency), like plans do.
  const constraints = new PlacementConstraints({
    db: d.db,
    bus: d.bus,
    document: () => policyDocs.currentDocument(),
    tags,
    locations: () => d.locations.list(),
    latency,
  });
  d.placement.setConstraints(constraints);
  // Pins, residency, bytes per day and never-retire-source hold for every plan, whoever makes it.
  d.jobs.guards.push(
    policyPlanGuard({
      document: () => policyDocs.currentDocument(),
      tagsOf: (id) => tags.of(id),
      catalog: () => {
        const all = tags.all();
        const locations = new Map(d.locations.list().map((l) => [l.id, l]));
        const rows = d.db.prepare('SELECT * FROM datasets').all() as DatasetRow[];
        return rows.map((r) => ({
          ...selectable(r, all.get(r.id)),
          id: r.id,
          monthly_usd: monthlyCost(r, locations.get(r.location_id)),
        }));
      },
      plannedSince: (since, ids) => audit.bytesPlannedSince(PLAN_ACTIONS, since, ids),
      latency,
      now,
    }),
  );
  const autoApply = new AutoApply({
    db: d.db,
    audit,
    document: () => policyDocs.currentDocument(),
    recommendations: d.recommendations,
    locations: () => d.locations.list(),
    tags: () => tags.all(),
    estimates: d.estimates,
    jobs: d.jobs,
    latency,
    now,
  });
  return { audit, policyDocs, autoApply };
}
