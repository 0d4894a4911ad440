import type { Dataset, DatasetDetail } from '../contracts/datasets.ts';
import type { Job, PlanResult } from '../contracts/jobs.ts';
import type { Location } from '../contracts/locations.ts';
import { paybackPhrase, type Recommendation } from '../contracts/placement.ts';
import type { Estimate } from '../contracts/estimate.ts';
import { CliError, type ApiClient } from './http.ts';
import { bytes, table } from './format.ts';
import { toUri } from './serve.ts';

/** What a client command prints: a table for people, or the server's JSON with --json. */
export interface Output {
  json: boolean;
  print(text: string): void;
}

const emit = (out: Output, data: unknown, text: () => string): void =>
  out.print(out.json ? JSON.stringify(data, null, 2) : text());

const usage = (message: string) => new CliError(message, 2);

function positiveInt(value: string | undefined, flag: string): number {
  if (value === undefined) throw usage(`${flag} is required`);
  if (!/^\d+$/.test(value) || Number(value) < 1) throw usage(`${flag}: "${value}" is not a positive integer`);
  return Number(value);
}

export async function datasets(api: ApiClient, rest: string[], out: Output): Promise<number> {
  const [verb = 'list', ...args] = rest;
  if (verb === 'list') {
    const rows = await api.get<Dataset[]>('/datasets');
    emit(out, rows, () =>
      rows.length === 0
        ? 'No datasets yet: datamotion datasets add NAME PATH_URI'
        : table(
            ['ID', 'NAME', 'TIER', 'SIZE', 'OBJECTS', 'LOCATION', 'PATH'],
            rows.map((d) => [
              String(d.id),
              d.name,
              d.current_tier,
              bytes(d.size_bytes),
              String(d.object_count),
              d.location,
              d.path_uri,
            ]),
          ),
    );
    return 0;
  }
  if (verb === 'add') {
    const [name, path] = args;
    if (!name || !path || args.length > 2) throw usage('usage: datamotion datasets add NAME PATH_URI');
    const d = await api.post<DatasetDetail>('/datasets', { name, path_uri: toUri(path) });
    emit(
      out,
      d,
      () =>
        `dataset ${d.id} "${d.name}": ${bytes(d.size_bytes)} in ${d.object_count} objects, ${d.current_tier} at ${d.location} (${d.path_uri})`,
    );
    return 0;
  }
  throw usage(`unknown datasets command "${verb}"; use: datasets [list] | datasets add NAME PATH_URI`);
}

export async function jobs(
  api: ApiClient,
  rest: string[],
  opts: { status?: string; dataset?: string },
  out: Output,
): Promise<number> {
  const [verb = 'list'] = rest;
  if (verb !== 'list' || rest.length > 1)
    throw usage(`unknown jobs command "${rest.join(' ')}"; use: jobs [list]`);
  const q = new URLSearchParams();
  if (opts.status) q.set('status', opts.status);
  if (opts.dataset) q.set('dataset_id', String(positiveInt(opts.dataset, '--dataset')));
  const rows = await api.get<Job[]>(`/jobs${q.size ? `?${q}` : ''}`);
  emit(out, rows, () =>
    rows.length === 0
      ? 'No jobs.'
      : table(
          ['JOB', 'DATASET', 'STATUS', 'PROGRESS', 'DESTINATION'],
          rows.map((j) => [
            j.job_id,
            String(j.dataset_id),
            j.status,
            `${Math.floor(j.progress.fraction * 100)}% of ${bytes(j.bytes_total)}`,
            `${j.dest_uri} (${j.dest_storage_class})`,
          ]),
        ),
  );
  return 0;
}

export interface PlanArgs {
  dataset?: string;
  target?: string;
  class?: string;
  tier?: string;
  key?: string;
  'retire-source'?: boolean;
  confirm?: boolean;
}

export async function plan(api: ApiClient, a: PlanArgs, out: Output): Promise<PlanResult> {
  const datasetId = positiveInt(a.dataset, '--dataset');
  if (!a.target) throw usage('--target is required (a URI inside a location, or a location id)');
  if (!a.class) throw usage('--class is required (a storage class the target location offers)');
  // A path is made a file:// URI; a bare word stays a location id.
  const target = /^[./~]/.test(a.target) ? toUri(a.target) : a.target;
  const job = await api.post<PlanResult>('/plan-migration', {
    dataset_id: datasetId,
    target_location: target,
    storage_class: a.class,
    ...(a.tier ? { tier: a.tier } : {}),
    ...(a.key ? { job_key: a.key } : {}),
    ...(a['retire-source'] ? { retire_source: true } : {}),
    ...(a.confirm ? { confirm: true } : {}),
  });
  emit(
    out,
    job,
    () =>
      `${job.created ? 'planned' : 'already planned'}: job ${job.job_id} (${job.status}) ` +
      `${job.source_uri} → ${job.dest_uri} [${job.dest_storage_class}, ${job.dest_tier}]\n` +
      `follow it with: datamotion watch ${job.job_id}`,
  );
  return job;
}

const usd = (n: number): string => `$${n.toFixed(2)}`;

/** `datamotion estimate`: what a move costs and takes, before planning it. */
export async function estimate(api: ApiClient, a: PlanArgs, out: Output): Promise<Estimate> {
  const datasetId = positiveInt(a.dataset, '--dataset');
  if (!a.target) throw usage('--target is required (a URI inside a location, or a location id)');
  if (!a.class) throw usage('--class is required (a storage class the target location offers)');
  const target = /^[./~]/.test(a.target) ? toUri(a.target) : a.target;
  const q = new URLSearchParams({
    dataset_id: String(datasetId),
    target_location: target,
    storage_class: a.class,
  });
  if (a['retire-source']) q.set('retire_source', 'true');
  const e = await api.get<Estimate>(`/estimate?${q.toString()}`);
  emit(out, e, () =>
    [
      `${e.source.uri} [${e.source.storage_class ?? '-'}] → ${e.target.uri} [${e.target.storage_class ?? '-'}]`,
      `${e.objects} objects, ${bytes(e.bytes)}, about ${Math.ceil(e.duration_s)} s (${e.duration_basis})`,
      `monthly: ${usd(e.monthly_before_usd)} now → ${usd(e.monthly_after_usd)} after`,
      ...e.one_time.map((l) => `one-time ${l.kind}: ${usd(l.amount_usd)} (${l.basis})`),
      `one-time total: ${usd(e.one_time_total_usd)}${e.payback_months === null ? '' : `, ${paybackPhrase(e.payback_months, e.one_time_total_usd)}`}`,
      ...e.warnings.map((w) => `warning: ${w}`),
      e.needs_confirm ? 'planning this move needs --confirm' : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
  return e;
}

export async function recommendations(
  api: ApiClient,
  dataset: string | undefined,
  out: Output,
): Promise<number> {
  const q = dataset === undefined ? '' : `?dataset_id=${positiveInt(dataset, '--dataset')}`;
  const rows = await api.get<Recommendation[]>(`/recommendations${q}`);
  emit(out, rows, () =>
    rows.length === 0
      ? 'No datasets to recommend for.'
      : table(
          ['DATASET', 'CURRENT', 'RECOMMENDED', 'MODEL', 'REASONS'],
          rows.map((r) => [
            String(r.dataset_id),
            r.current_tier,
            r.recommended_tier === r.current_tier ? r.recommended_tier : `${r.recommended_tier} ←`,
            r.model_version,
            r.reasons.join('; '),
          ]),
        ),
  );
  return 0;
}

export async function locations(api: ApiClient, out: Output): Promise<number> {
  const rows = await api.get<Location[]>('/locations');
  emit(out, rows, () =>
    table(
      ['ID', 'KIND', 'URI', 'TIERS'],
      rows.map((l) => [
        l.id,
        l.kind,
        l.uri,
        Object.entries(l.tiers)
          .map(([t, s]) => `${t}=${s.storage_class} ($${s.price_per_gb_month}/GB·mo)`)
          .join(', '),
      ]),
    ),
  );
  return 0;
}
