// The preload exposes named, typed functions only, never ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron';
import type { Client, IpcChannel } from '../core/contracts/client.ts';
import type { CoreEvent } from '../core/contracts/events.ts';

const EVENT_CHANNEL = 'core/event';

async function call<T>(channel: IpcChannel, arg?: unknown): Promise<T> {
  const res = (await ipcRenderer.invoke(channel, arg)) as
    { ok: true; value: T } | { ok: false; error: { message: string } };
  if (!res.ok) throw new Error(res.error.message);
  return res.value;
}

const client: Client = {
  listLocations: () => call('locations/list'),
  listDatasets: () => call('datasets/list'),
  getDataset: (id) => call('datasets/get', id),
  recommendations: (datasetId) => call('recommendations/list', datasetId ?? null),
  planMigration: (body) => call('jobs/plan', body),
  listJobs: () => call('jobs/list'),
  getJob: (jobId) => call('jobs/get', jobId),
  cancelJob: (jobId) => call('jobs/cancel', jobId),
  retryJob: (jobId) => call('jobs/retry', jobId),
  subscribe(onEvent) {
    const listener = (_e: unknown, event: CoreEvent) => onEvent(event);
    ipcRenderer.on(EVENT_CHANNEL, listener);
    return () => ipcRenderer.off(EVENT_CHANNEL, listener);
  },
};

contextBridge.exposeInMainWorld('datamotion', client);
