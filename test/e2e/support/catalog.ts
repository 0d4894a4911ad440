// A small catalog that looks like an operator's: datasets on the fast disk and in the
// archive, with sizes (claimed, so costs are not all $0.00 — the folders hold a few bytes)
// and access history, so recommendations, costs and sparklines have something to say.
import type { Dataset } from '../../../core/contracts/datasets.ts';
import type { E2E } from './e2e-env.ts';

const GB = 1024 ** 3;
const MIN = 60_000;

export interface Catalog {
  clickstream: Dataset;
  features: Dataset;
  billing: Dataset;
  reports: Dataset;
  ledger: Dataset;
}

export async function seedCatalog(env: E2E): Promise<Catalog> {
  const sized = (size: number, objects: number) => ({ size_bytes: size, object_count: objects });
  const tiny = { 'part-0.bin': 4096 };
  const clickstream = await env.dataset('clickstream-2026', 'fast', tiny, sized(1200 * GB, 48_000));
  const features = await env.dataset('ml-features', 'fast', tiny, sized(420 * GB, 9_100));
  // Moved for real by a spec: its size is what its folder holds.
  const billing = await env.dataset('billing-archive', 'fast', {
    '2024.parquet': 96 * 1024,
    '2025.parquet': 64 * 1024,
  });
  const reports = await env.dataset('reports-2025', 'archive', tiny, {
    ...sized(80 * GB, 1_200),
    current_tier: 'warm',
  });
  const ledger = await env.dataset('ledger-2019', 'archive', tiny, {
    ...sized(900 * GB, 20_000),
    current_tier: 'cold',
  });

  // Reads over the last hours: clickstream is busy (read this minute, so it stays hot),
  // ml-features was last read 5 minutes ago (→ warm), reports-2025 30 s ago (→ hot).
  const now = Date.now();
  const reads = (id: number, ages: number[]) =>
    ages.map((ageMs) => ({
      dataset_id: id,
      op: 'read' as const,
      size_bytes: 65_536,
      client_lat_ms: 8,
      ts: now - ageMs,
    }));
  await env.api.call('POST', '/access-events', [
    ...reads(
      clickstream.id,
      Array.from({ length: 90 }, (_, i) => 20_000 + ((i * 37) % 360) * MIN),
    ),
    ...reads(
      features.id,
      Array.from({ length: 30 }, (_, i) => 5 * MIN + ((i * 13) % 300) * MIN),
    ),
    ...reads(reports.id, [30_000, 40 * MIN, 90 * MIN]),
  ]);
  return { clickstream, features, billing, reports, ledger };
}
