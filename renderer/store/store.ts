import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Client } from '../../core/contracts/client.ts';
import type { CoreEvent } from '../../core/contracts/events.ts';
import type { Dataset } from '../../core/contracts/datasets.ts';
import type { Estimate, EstimateQuery } from '../../core/contracts/estimate.ts';
import type {
  Job,
  JobDetail,
  JobObjectsPage,
  JobObjectsQuery,
  PlanMigration,
  PlanResult,
} from '../../core/contracts/jobs.ts';
import { ApiError } from '../../core/contracts/api-error.ts';
import { applyEvent, toDataset, withJob } from './reducer.ts';
import { emptyData, type StoreData, type UsageEntry } from './types.ts';

/** Datasets are read in pages of this many until a short page. */
export const DATASET_PAGE = 1000;
/** Dataset pages requested at once while loading. */
const PAGES_IN_FLIGHT = 4;
/** The sparkline window. */
export const USAGE_WINDOW_MS = 6 * 3600_000;
/** Stale sparklines on screen are read again at most this often. */
export const USAGE_REFRESH_MS = 5000;
const USAGE_CONCURRENCY = 4;

export interface StoreActions {
  /** Starts the event stream; every (re)connect reloads the lists to catch up. Returns stop. */
  start(): () => void;
  /** Reads locations, every dataset (paged), jobs, stored recommendations and policies. */
  load(): Promise<void>;
  /** Recomputes recommendations on the server (GET /recommendations). */
  refreshRecommendations(): Promise<void>;
  reloadPolicies(): Promise<void>;
  reloadLocations(): Promise<void>;
  /** A card on screen wants its sparkline: read it if missing or stale. Returns "no longer wanted". */
  watchUsage(datasetId: number): () => void;
  estimate(q: EstimateQuery): Promise<Estimate>;
  plan(body: PlanMigration): Promise<PlanResult>;
  cancelJob(jobId: string): Promise<Job>;
  retryJob(jobId: string): Promise<Job>;
  jobDetail(jobId: string): Promise<JobDetail>;
  jobObjects(jobId: string, q?: JobObjectsQuery): Promise<JobObjectsPage>;
  /** Applies one bus event (exposed for tests and the e2e harness). */
  apply(event: CoreEvent): void;
  /** The API-key prompt's answer. */
  setApiKey(key: string): void;
}

/** `client`: every operation of the channel map, for what the store does not keep (creates, tests, patches). */
export type AppState = StoreData & { actions: StoreActions; client: Client };
export type AppStore = StoreApi<AppState>;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function createAppStore(
  client: Client,
  opts: { setKey?: (key: string) => void; now?: () => number } = {},
): AppStore {
  const now = opts.now ?? Date.now;
  const watchers = new Map<number, number>();
  const usageQueue = new Set<number>();
  let usageInFlight = 0;
  let usageTimer: ReturnType<typeof setTimeout> | undefined;
  let loading: Promise<void> | undefined;

  const store = createStore<AppState>()((set, get) => {
    function unauthorized(e: unknown): boolean {
      if (e instanceof ApiError && e.code === 'unauthorized') {
        set({ needsKey: true });
        return true;
      }
      return false;
    }

    function pumpUsage() {
      while (usageInFlight < USAGE_CONCURRENCY && usageQueue.size) {
        const id = usageQueue.values().next().value as number;
        usageQueue.delete(id);
        usageInFlight++;
        const since = new Date(now() - USAGE_WINDOW_MS).toISOString();
        setUsage(id, (e) => ({ ...e, loading: true }));
        client['datasets/usage'](id, { since })
          .then(
            (buckets) => setUsage(id, () => ({ buckets, stale: false, loading: false, fetchedAt: now() })),
            (e: unknown) => {
              unauthorized(e);
              setUsage(id, (entry) => ({ ...entry, loading: false, fetchedAt: now() }));
            },
          )
          .finally(() => {
            usageInFlight--;
            pumpUsage();
          });
      }
    }

    function setUsage(id: number, f: (e: UsageEntry) => UsageEntry) {
      if (!(id in get().datasets)) return;
      const prev = get().usage[id] ?? { buckets: [], stale: true, loading: false, fetchedAt: 0 };
      set({ usage: { ...get().usage, [id]: f(prev) } });
    }

    function scheduleStaleUsage() {
      usageTimer ??= setTimeout(() => {
        usageTimer = undefined;
        const usage = get().usage;
        for (const id of watchers.keys()) if (usage[id]?.stale && !usage[id]?.loading) usageQueue.add(id);
        pumpUsage();
      }, USAGE_REFRESH_MS);
    }

    async function loadDatasets(): Promise<Record<number, Dataset>> {
      const all: Record<number, Dataset> = {};
      let count = 0;
      // A few pages at a time: 10,000 datasets are 10 requests, and one after another they
      // were most of the map's first-render time (bench:ui).
      for (let offset = 0; ; offset += DATASET_PAGE * PAGES_IN_FLIGHT) {
        const pages = await Promise.all(
          Array.from({ length: PAGES_IN_FLIGHT }, (_, i) =>
            client['datasets/list']({ limit: DATASET_PAGE, offset: offset + i * DATASET_PAGE }),
          ),
        );
        for (const page of pages) {
          for (const d of page) all[d.id] = toDataset(d);
          count += page.length;
        }
        set({ load: { ...get().load, datasetsLoaded: count } });
        if (pages.some((p) => p.length < DATASET_PAGE)) return all;
      }
    }

    async function doLoad() {
      set({ load: { ...get().load, status: 'loading', error: null } });
      try {
        const [locations, datasets, jobs, recs, policies] = await Promise.all([
          client['locations/list'](),
          loadDatasets(),
          client['jobs/list']({ limit: 500 }),
          client['recommendations/list']({ refresh: false }),
          client['policies/list'](),
        ]);
        let slices = { jobs: {} as StoreData['jobs'], openJobByDataset: {} as StoreData['openJobByDataset'] };
        // Oldest first, so the index ends on each dataset's newest open job.
        for (const j of [...jobs].reverse()) slices = { ...slices, ...withJob(slices, j) };
        // Jobs the list no longer includes (older than its limit) but the stream told us about stay.
        const keep = get().jobs;
        const usage: StoreData['usage'] = {};
        for (const [id, u] of Object.entries(get().usage))
          if (Number(id) in datasets) usage[Number(id)] = { ...u, stale: true };
        set({
          locations: Object.fromEntries(locations.map((l) => [l.id, l])),
          datasets,
          jobs: { ...keep, ...slices.jobs },
          openJobByDataset: slices.openJobByDataset,
          recommendations: Object.fromEntries(recs.map((r) => [r.dataset_id, r])),
          policies: Object.fromEntries(policies.map((p) => [p.id, p])),
          usage,
          needsKey: false,
          load: { status: 'ready', error: null, datasetsLoaded: Object.keys(datasets).length },
        });
        scheduleStaleUsage();
      } catch (e) {
        if (!unauthorized(e)) set({ load: { ...get().load, status: 'error', error: message(e) } });
      }
    }

    const applyJob = (job: Job) => set(withJob(get(), job));

    const actions: StoreActions = {
      start() {
        return client.subscribe(
          (event) => actions.apply(event),
          (connection) => {
            set({ connection, ...(connection === 'unauthorized' ? { needsKey: true } : {}) });
            // Catch up on what happened while the stream was down (and the first load).
            if (connection === 'live') void actions.load();
          },
        );
      },
      load() {
        loading ??= doLoad().finally(() => {
          loading = undefined;
        });
        return loading;
      },
      async refreshRecommendations() {
        const recs = await client['recommendations/list']({ refresh: true });
        const recommendations = { ...get().recommendations };
        for (const r of recs) recommendations[r.dataset_id] = r;
        set({ recommendations });
      },
      async reloadPolicies() {
        const policies = await client['policies/list']();
        set({ policies: Object.fromEntries(policies.map((p) => [p.id, p])) });
      },
      async reloadLocations() {
        const locations = await client['locations/list']();
        set({ locations: Object.fromEntries(locations.map((l) => [l.id, l])) });
      },
      watchUsage(id) {
        watchers.set(id, (watchers.get(id) ?? 0) + 1);
        const entry = get().usage[id];
        if (!entry || (entry.stale && !entry.loading)) {
          usageQueue.add(id);
          pumpUsage();
        }
        return () => {
          const n = (watchers.get(id) ?? 1) - 1;
          if (n <= 0) {
            watchers.delete(id);
            usageQueue.delete(id);
          } else watchers.set(id, n);
        };
      },
      estimate: (q) => client['migrations/estimate'](q),
      async plan(body) {
        const result = await client['jobs/plan'](body);
        const { created: _created, ...job } = result;
        applyJob(job);
        return result;
      },
      async cancelJob(jobId) {
        const job = await client['jobs/cancel'](jobId);
        applyJob(job);
        return job;
      },
      async retryJob(jobId) {
        const job = await client['jobs/retry'](jobId);
        applyJob(job);
        return job;
      },
      async jobDetail(jobId) {
        const detail = await client['jobs/get'](jobId);
        const { history: _history, ...job } = detail;
        applyJob(job);
        return detail;
      },
      jobObjects: (jobId, q) => client['jobs/objects'](jobId, q),
      apply(event) {
        const patch = applyEvent(get(), event);
        if (Object.keys(patch).length) set(patch);
        if (event.type === 'telemetry.ingested') scheduleStaleUsage();
      },
      setApiKey(key) {
        opts.setKey?.(key);
        set({ needsKey: false });
        void actions.load();
      },
    };
    return { ...emptyData(), actions, client };
  });
  return store;
}
