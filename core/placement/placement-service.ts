// Filled in by the placement work; the shape below is the contract the API relies on.
import type { Db } from '../db/database.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { RecencyThresholds } from '../config.ts';
import type { Policy, Recommendation } from '../contracts/placement.ts';

export class PlacementService {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly recency: RecencyThresholds,
  ) {}

  /** Computes, stores and returns fresh recommendations (one dataset, or all). */
  recommend(_opts: { datasetId?: number; now?: number } = {}): Recommendation[] {
    throw new Error('TODO');
  }

  /** The latest stored recommendation per dataset. */
  latest(_datasetId?: number): Recommendation[] {
    throw new Error('TODO');
  }

  listPolicies(): Policy[] {
    throw new Error('TODO');
  }

  createPolicy(_input: unknown): Policy {
    throw new Error('TODO');
  }

  deletePolicy(_id: number): void {
    throw new Error('TODO');
  }

  /** POST /train: 501 until the placement-intelligence issue lands. */
  train(): never {
    throw new Error('TODO');
  }
}
