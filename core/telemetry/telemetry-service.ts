// Filled in by the telemetry work; the shape below is the contract the API relies on.
import type { Db } from '../db/database.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { Metrics } from '../metrics.ts';
import type { IngestResult, UsageBucket } from '../contracts/telemetry.ts';

export class TelemetryService {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly metrics: Metrics,
    private readonly bucketSeconds: number,
  ) {}

  /** Validates one event or an array, then folds them into time-bucketed aggregates. */
  async ingest(_input: unknown): Promise<IngestResult> {
    throw new Error('TODO');
  }

  usage(_datasetId: number, _sinceMs?: number): UsageBucket[] {
    throw new Error('TODO');
  }
}
