import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from './api-fixture.ts';

/** The REST contract outside clients rely on: every route, by method and OpenAPI path. */
const ROUTES = [
  ['get', '/health'],
  ['post', '/datasets'],
  ['get', '/datasets'],
  ['get', '/datasets/{id}'],
  ['patch', '/datasets/{id}'],
  ['delete', '/datasets/{id}'],
  ['get', '/datasets/{id}/usage'],
  ['post', '/access-events'],
  ['get', '/recommendations'],
  ['post', '/train'],
  ['post', '/plan-migration'],
  ['get', '/estimate'],
  ['get', '/jobs'],
  ['get', '/jobs/{job_id}'],
  ['post', '/jobs/retry/{id}'],
  ['post', '/jobs/{job_id}/cancel'],
  ['get', '/jobs/{job_id}/objects'],
  ['get', '/locations'],
  ['post', '/locations'],
  ['patch', '/locations/{id}'],
  ['post', '/locations/{id}/test'],
  ['get', '/policies'],
  ['post', '/policies'],
  ['delete', '/policies/{id}'],
  ['get', '/events'],
  ['get', '/metrics'],
  ['get', '/policy-document'],
  ['put', '/policy-document'],
  ['get', '/policy-document/versions'],
  ['get', '/policy-document/versions/{version}'],
  ['post', '/policy-document/dry-run'],
  ['get', '/datasets/{id}/tags'],
  ['put', '/datasets/{id}/tags'],
  ['get', '/audit'],
  ['get', '/auto-apply'],
] as const;

type Operation = {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  responses: Record<string, unknown>;
};

describe('OpenAPI and metrics', () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await apiFixture();
  });
  afterAll(() => f.close());

  it('/openapi.json documents every route with the schemas that validate it', async () => {
    const res = await f.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, Operation>> }>();
    expect(doc.openapi).toMatch(/^3\./);
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m} ${p}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map(([m, p]) => `${m} ${p}`).sort());

    const body = (m: string, p: string) =>
      doc.paths[p]?.[m]?.requestBody?.content['application/json']?.schema.properties ?? {};
    expect(Object.keys(body('post', '/datasets'))).toEqual(
      expect.arrayContaining(['name', 'path_uri', 'size_bytes']),
    );
    expect(Object.keys(body('post', '/plan-migration'))).toEqual(
      expect.arrayContaining(['dataset_id', 'target_location', 'storage_class', 'job_key']),
    );
    const jobsQuery = doc.paths['/jobs']?.get?.parameters?.map((p) => `${p.in}:${p.name}`);
    expect(jobsQuery).toEqual(expect.arrayContaining(['query:status', 'query:dataset_id', 'query:limit']));
    expect(doc.paths['/plan-migration']?.post?.responses).toHaveProperty('201');
    expect(doc.paths['/plan-migration']?.post?.responses).toHaveProperty('4XX');
    expect(doc.paths['/datasets/{id}']?.get?.parameters).toEqual([
      expect.objectContaining({ in: 'path', name: 'id' }),
    ]);
  });

  it('/metrics is Prometheus text with HTTP, SSE and database-derived series', async () => {
    await f.inject({ method: 'GET', url: '/datasets' });
    await f.inject({ method: 'GET', url: '/datasets/77' });
    const res = await f.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);

    const types = new Map<string, string>();
    const samples: { name: string; labels: string; value: number }[] = [];
    for (const line of res.body.trimEnd().split('\n')) {
      const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
      if (meta) {
        if (meta[1] === 'TYPE') types.set(meta[2] as string, meta[3] as string);
        continue;
      }
      const m =
        /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$/.exec(line);
      expect(m, `not a Prometheus sample: ${line}`).not.toBeNull();
      const name = (m as RegExpExecArray)[1] as string;
      const base = name.replace(/_(bucket|sum|count)$/, '');
      expect(types.has(name) || types.get(base) === 'histogram', `no TYPE for ${name}`).toBe(true);
      samples.push({ name, labels: m?.[2] ?? '', value: Number(m?.[3]) });
      expect(Number.isNaN(Number(m?.[3]))).toBe(false);
    }
    const find = (name: string, labels: string) =>
      samples.find((s) => s.name === name && s.labels.includes(labels))?.value;
    expect(find('datamotion_http_requests_total', 'route="/datasets/:id",status="404"')).toBe(1);
    expect(types.get('datamotion_http_request_duration_seconds')).toBe('histogram');
    expect(find('datamotion_sse_clients', '')).toBe(0);
    expect(find('datamotion_jobs', 'status="queued"')).toBe(0);
    expect(find('datamotion_datasets', 'tier="hot"')).toBe(0);
  });
});
