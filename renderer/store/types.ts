import type { Dataset } from '../../core/contracts/datasets.ts';
import type { Job } from '../../core/contracts/jobs.ts';
import type { Location } from '../../core/contracts/locations.ts';
import type { Policy, Recommendation } from '../../core/contracts/placement.ts';
import type { UsageBucket } from '../../core/contracts/telemetry.ts';
import type { ConnectionState } from '../../core/contracts/client.ts';

export interface UsageEntry {
  buckets: UsageBucket[];
  /** New access events arrived since it was read (telemetry.ingested). */
  stale: boolean;
  loading: boolean;
  fetchedAt: number;
}

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** The normalized data every view reads. Plain objects: the reducer is testable without a DOM. */
export interface StoreData {
  locations: Record<string, Location>;
  datasets: Record<number, Dataset>;
  jobs: Record<string, Job>;
  /** dataset id → the job_id of its open (queued..switching) job, for the map's progress rings. */
  openJobByDataset: Record<number, string>;
  /** The latest recommendation per dataset. */
  recommendations: Record<number, Recommendation>;
  /** Access sparklines, read lazily for the cards on screen. */
  usage: Record<number, UsageEntry>;
  policies: Record<number, Policy>;
  connection: ConnectionState;
  load: { status: LoadStatus; error: string | null; datasetsLoaded: number };
  /** The server answered 401: show the API-key prompt. */
  needsKey: boolean;
}

export const emptyData = (): StoreData => ({
  locations: {},
  datasets: {},
  jobs: {},
  openJobByDataset: {},
  recommendations: {},
  usage: {},
  policies: {},
  connection: 'connecting',
  load: { status: 'idle', error: null, datasetsLoaded: 0 },
  needsKey: false,
});
