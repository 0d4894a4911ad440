import type { Client } from '../../core/contracts/client.ts';
import type { CoreEvent } from '../../core/contracts/events.ts';

/** The Client over HTTP + SSE, for web mode and tests. */
export function httpClient(base = ''): Client {
  async function req<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const json = (await res.json()) as T & { message?: string };
    if (!res.ok) throw new Error(json.message ?? `${method} ${path}: HTTP ${res.status}`);
    return json;
  }
  return {
    listLocations: () => req('GET', '/locations'),
    listDatasets: () => req('GET', '/datasets'),
    getDataset: (id) => req('GET', `/datasets/${id}`),
    recommendations: (id) => req('GET', `/recommendations${id === undefined ? '' : `?dataset_id=${id}`}`),
    planMigration: (body) => req('POST', '/plan-migration', body),
    listJobs: () => req('GET', '/jobs'),
    getJob: (jobId) => req('GET', `/jobs/${jobId}`),
    cancelJob: (jobId) => req('POST', `/jobs/${jobId}/cancel`),
    retryJob: (jobId) => req('POST', `/jobs/retry/${jobId}`),
    subscribe(onEvent) {
      const source = new EventSource(`${base}/events`);
      const handler = (e: MessageEvent<string>) => onEvent(JSON.parse(e.data) as CoreEvent);
      const types: CoreEvent['type'][] = [
        'job.updated',
        'job.progress',
        'dataset.updated',
        'dataset.deleted',
        'recommendation.created',
        'telemetry.ingested',
      ];
      for (const t of types) source.addEventListener(t, handler);
      return () => source.close();
    },
  };
}

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser. */
    datamotion?: Client;
  }
}

/** Inside Electron the preload bridge, elsewhere HTTP against the page's own origin. */
export function defaultClient(): Client {
  return window.datamotion ?? httpClient();
}
