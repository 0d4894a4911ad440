import { useCallback, useDeferredValue, useMemo, useState } from 'react';
import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
  type DragEndEvent,
  type DragStartEvent,
} from '@dnd-kit/core';
import { TIERS } from '../../../core/contracts/common.ts';
import { selectCells, selectLocationGroups, cellKey, offersTier, useApp } from '../../store/index.ts';
import { formatBytes, formatCount } from '../../ui/index.ts';
import { MapCell } from './MapCell.tsx';
import { MigrationDialog } from './MigrationDialog.tsx';
import { parseCardDragId, parseCellDropId, type MoveTarget } from './targets.ts';
import './map.css';

/** Locations as rows (grouped by where they are), tiers as columns, datasets as cards. */
export function MapView() {
  const locations = useApp((s) => s.locations);
  const datasets = useApp((s) => s.datasets);
  const load = useApp((s) => s.load);
  const groups = selectLocationGroups(locations);
  const cells = selectCells(datasets);
  const [filter, setFilter] = useState('');
  const deferred = useDeferredValue(filter.trim().toLowerCase());
  const [moving, setMoving] = useState<{ datasetId: number; target: MoveTarget } | null>(null);
  const [dragging, setDragging] = useState<number | null>(null);

  const visible = useMemo(() => {
    if (!deferred) return cells;
    const out = new Map<string, { ids: number[]; bytes: number }>();
    for (const [k, c] of cells) {
      const ids = c.ids.filter((id) => datasets[id]?.name.toLowerCase().includes(deferred));
      out.set(k, { ids, bytes: ids.reduce((a, id) => a + (datasets[id]?.size_bytes ?? 0), 0) });
    }
    return out;
  }, [cells, datasets, deferred]);

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 6 } }),
    useSensor(KeyboardSensor),
  );
  const onMove = useCallback((datasetId: number, target: MoveTarget) => setMoving({ datasetId, target }), []);
  const onDragStart = (e: DragStartEvent) => setDragging(parseCardDragId(e.active.id));
  const onDragEnd = (e: DragEndEvent) => {
    setDragging(null);
    const id = parseCardDragId(e.active.id);
    const target = e.over ? parseCellDropId(String(e.over.id)) : null;
    const d = id === null ? undefined : datasets[id];
    if (!d || !target || (target.location === d.location && target.tier === d.current_tier)) return;
    setMoving({ datasetId: d.id, target });
  };

  const total = Object.keys(datasets).length;
  const totalBytes = useMemo(() => Object.values(datasets).reduce((a, d) => a + d.size_bytes, 0), [datasets]);
  const dragged = dragging === null ? undefined : datasets[dragging];

  return (
    <section className="view map-view" data-testid="view-map" aria-labelledby="map-title">
      <div className="view-header">
        <h1 id="map-title">Placement map</h1>
        <span className="muted" data-testid="map-summary">
          {load.status === 'loading' && total === 0
            ? `loading… ${formatCount(load.datasetsLoaded)} datasets`
            : `${formatCount(total)} datasets · ${formatBytes(totalBytes)} · ${Object.keys(locations).length} locations`}
        </span>
        <label className="map-filter">
          <span className="visually-hidden">Filter datasets by name</span>
          <input
            type="search"
            placeholder="Filter by name"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            data-testid="map-filter"
            aria-label="Filter datasets by name"
          />
        </label>
      </div>
      <p className="muted map-help">
        Drag a card onto another cell to plan a move, or focus a card and press <kbd>M</kbd> for “Move to…”.
      </p>
      <DndContext
        sensors={sensors}
        onDragStart={onDragStart}
        onDragEnd={onDragEnd}
        onDragCancel={() => setDragging(null)}
      >
        <div
          className="map-grid"
          role="table"
          aria-label="Datasets by location and tier"
          data-testid="map-grid"
        >
          <div role="rowgroup">
            <div role="row" className="map-row map-head">
              <div role="columnheader" className="map-corner">
                Location
              </div>
              {TIERS.map((t) => (
                <div role="columnheader" key={t} className={`map-tier-head tier-head-${t}`}>
                  {t}
                </div>
              ))}
            </div>
          </div>
          {groups.map((g) => (
            <div role="rowgroup" key={g.key} data-testid={`map-group-${g.key}`}>
              <div role="row" className="map-row map-group-row">
                <div role="rowheader" className="map-group-label">
                  {g.label}
                </div>
              </div>
              {g.locations.map((l) => (
                <div role="row" className="map-row" key={l.id} data-testid={`map-row-${l.id}`}>
                  <div role="rowheader" className="map-location">
                    <span className="map-location-id">{l.id}</span>
                    <span className="map-location-uri path" title={l.uri}>
                      {l.uri}
                    </span>
                  </div>
                  {TIERS.map((t) => {
                    const c = visible.get(cellKey(l.id, t));
                    return (
                      <MapCell
                        key={t}
                        location={l.id}
                        tier={t}
                        offered={offersTier(l, t)}
                        storageClass={l.tiers[t]?.storage_class}
                        ids={c?.ids ?? EMPTY}
                        bytes={c?.bytes ?? 0}
                        onMove={onMove}
                      />
                    );
                  })}
                </div>
              ))}
            </div>
          ))}
        </div>
        <DragOverlay>
          {dragged && (
            <div className="card card-overlay">
              <div className="card-title">{dragged.name}</div>
              <div className="card-meta">{formatBytes(dragged.size_bytes)}</div>
            </div>
          )}
        </DragOverlay>
      </DndContext>
      {groups.length === 0 && load.status === 'ready' && (
        <p className="muted">No locations yet: start the server with --location, or add one in Settings.</p>
      )}
      {moving && (
        <MigrationDialog
          datasetId={moving.datasetId}
          initial={moving.target}
          onClose={() => setMoving(null)}
        />
      )}
    </section>
  );
}

const EMPTY: number[] = [];
