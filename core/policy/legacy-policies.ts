import type { Policy } from '../contracts/placement.ts';
import type { PlacementService } from '../placement/placement-service.ts';
import type { AuditLog } from '../audit/audit-log.ts';

/**
 * The one-by-one pin and SLO policies of /policies (kept for their clients), with each
 * change on the audit trail like a policy document's.
 */
export class LegacyPolicies {
  constructor(
    private readonly placement: Pick<PlacementService, 'createPolicy' | 'deletePolicy' | 'listPolicies'>,
    private readonly audit: AuditLog,
  ) {}

  create(input: unknown): Policy {
    const p = this.placement.createPolicy(input);
    this.audit.record({
      action: 'policy.update',
      datasetId: p.dataset_id,
      policy: `policies/${p.id}`,
      reason: `${p.kind} policy "${p.name}" created`,
      details: { id: p.id, name: p.name, kind: p.kind, params: p.params, enabled: p.enabled },
    });
    return p;
  }

  delete(id: number): void {
    const before = this.placement.listPolicies().find((p) => p.id === id);
    this.placement.deletePolicy(id);
    this.audit.record({
      action: 'policy.update',
      datasetId: before?.dataset_id ?? null,
      policy: `policies/${id}`,
      reason: `${before?.kind ?? ''} policy "${before?.name ?? id}" deleted`,
      details: { id, deleted: true },
    });
  }
}
