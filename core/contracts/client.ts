import type { Dataset, DatasetDetail } from './datasets.ts';
import type { Job, JobDetail, PlanMigration, PlanResult } from './jobs.ts';
import type { Location } from './locations.ts';
import type { Recommendation } from './placement.ts';
import type { CoreEvent } from './events.ts';

/**
 * What the renderer knows of the engine. Inside Electron it is the preload bridge
 * (IPC); in a browser and in tests it is HTTP + SSE. Same methods, same shapes.
 */
export interface Client {
  listLocations(): Promise<Location[]>;
  listDatasets(): Promise<Dataset[]>;
  getDataset(id: number): Promise<DatasetDetail>;
  recommendations(datasetId?: number): Promise<Recommendation[]>;
  planMigration(body: PlanMigration): Promise<PlanResult>;
  listJobs(): Promise<Job[]>;
  getJob(jobId: string): Promise<JobDetail>;
  cancelJob(jobId: string): Promise<Job>;
  retryJob(jobId: string): Promise<Job>;
  /** Live events; returns an unsubscribe function. */
  subscribe(onEvent: (event: CoreEvent) => void): () => void;
}

/** IPC channel names, `domain/verb` (one flat map in electron/ipc.ts). */
export const IPC_CHANNELS = [
  'locations/list',
  'datasets/list',
  'datasets/get',
  'recommendations/list',
  'jobs/plan',
  'jobs/list',
  'jobs/get',
  'jobs/cancel',
  'jobs/retry',
] as const;
export type IpcChannel = (typeof IPC_CHANNELS)[number];
export const IPC_EVENT_CHANNEL = 'core/event';
