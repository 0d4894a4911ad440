// What the policy document allows each dataset, in the form the placement engine consults
// while it decides: the tiers and the locations (residency) a recommendation may target.
// Kept per dataset and brought up to date at the start of each refresh: rebuilt when the
// document changes (in keyset pages that yield), recomputed for the datasets that changed.
import type { Db } from '../db/database.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { Location } from '../contracts/locations.ts';
import type { DatasetRow } from '../catalog/dataset-service.ts';
import type { PolicyDocument } from './document.ts';
import { constraintsFor, locationAllowed, type TierLatency } from './constraints.ts';
import { selectable } from './enforcement.ts';
import type { DatasetTags } from './dataset-tags.ts';
import type { ConstraintSource, PlacementConstraint } from '../placement/recommendation-engine.ts';

export interface PlacementConstraintDeps {
  db: Db;
  bus: EventBus;
  document: () => { version: number; doc: PolicyDocument };
  tags: DatasetTags;
  locations: () => Location[];
  latency: TierLatency;
}

const PAGE = 5_000;

export class PlacementConstraints implements ConstraintSource {
  private version = -1;
  private readonly byId = new Map<number, PlacementConstraint>();
  private readonly stale = new Set<number>();

  constructor(private readonly deps: PlacementConstraintDeps) {
    deps.bus.on('dataset.updated', (e) => this.touch(e.dataset.id));
    deps.bus.on('dataset.deleted', (e) => this.byId.delete(e.dataset_id));
  }

  /** A dataset whose name, owner, location, size or tags changed. */
  touch(id: number): void {
    if (this.version >= 0) this.stale.add(id);
  }

  forDataset(id: number): PlacementConstraint | undefined {
    return this.byId.get(id);
  }

  *update(): Generator<void, void, void> {
    const { version, doc } = this.deps.document();
    if (version !== this.version) {
      this.byId.clear();
      this.stale.clear();
      this.version = version;
      if (doc.policies.length === 0) return;
      const locations = this.deps.locations();
      const tags = this.deps.tags.all();
      const page = this.deps.db.prepare('SELECT * FROM datasets WHERE id > ? ORDER BY id LIMIT ?');
      for (let after = 0; ;) {
        const rows = page.all(after, PAGE) as DatasetRow[];
        for (const r of rows) this.compute(doc, r, tags.get(r.id), locations);
        if (rows.length < PAGE) break;
        after = (rows[rows.length - 1] as DatasetRow).id;
        yield;
      }
      return;
    }
    if (this.stale.size === 0 || doc.policies.length === 0) {
      this.stale.clear();
      return;
    }
    const locations = this.deps.locations();
    const one = this.deps.db.prepare('SELECT * FROM datasets WHERE id = ?');
    for (const id of this.stale) {
      const row = one.get(id) as DatasetRow | undefined;
      this.byId.delete(id);
      if (row) this.compute(doc, row, this.deps.tags.of(id), locations);
    }
    this.stale.clear();
  }

  private compute(
    doc: PolicyDocument,
    row: DatasetRow,
    tags: Record<string, string> | undefined,
    locations: Location[],
  ): void {
    const c = constraintsFor(doc, selectable(row, tags), this.deps.latency);
    if (!c) return;
    const residency = c.locations !== undefined || c.regions !== undefined;
    this.byId.set(row.id, {
      tiers: c.allowedTiers.length === 3 ? null : new Set(c.allowedTiers),
      locations: residency ? new Set(locations.filter((l) => locationAllowed(c, l)).map((l) => l.id)) : null,
      label: c.policies.map((p) => `policy "${p.id}" (line ${p.at.line})`).join(', '),
    });
  }
}
