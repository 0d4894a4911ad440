import { memo, useRef, useState } from 'react';
import { useDroppable } from '@dnd-kit/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Tier } from '../../../core/contracts/common.ts';
import { formatBytes, formatCount } from '../../ui/index.ts';
import { DatasetCard } from './DatasetCard.tsx';
import { cellDropId, type MoveTarget } from './targets.ts';

/** More cards than this in one cell and it shows a group card (count, bytes) that expands. */
export const CROWDED = 12;
const CARD_HEIGHT = 84;

export const MapCell = memo(function MapCell(props: {
  location: string;
  tier: Tier;
  offered: boolean;
  storageClass: string | undefined;
  ids: number[];
  bytes: number;
  onMove: (datasetId: number, target: MoveTarget) => void;
}) {
  const { location, tier, offered, ids, onMove } = props;
  const { setNodeRef, isOver, active } = useDroppable({ id: cellDropId(location, tier), disabled: !offered });
  const [expanded, setExpanded] = useState(false);
  const crowded = ids.length > CROWDED;
  const label = `${location} ${tier}`;

  const className = [
    'map-cell',
    `map-cell-${tier}`,
    offered ? '' : 'map-cell-off',
    active && offered ? 'map-cell-droppable' : '',
    isOver && offered ? 'map-cell-over' : '',
  ]
    .filter(Boolean)
    .join(' ');

  return (
    <div
      ref={setNodeRef}
      role="cell"
      className={className}
      aria-label={offered ? `${label}: ${ids.length} datasets` : `${label}: tier not offered`}
      data-testid={`cell-${location}-${tier}`}
      data-offered={offered}
      data-count={ids.length}
    >
      {!offered && <span className="map-cell-note">not offered</span>}
      {offered && props.storageClass && ids.length === 0 && (
        <span className="map-cell-note">{props.storageClass}</span>
      )}
      {!crowded && ids.map((id) => <DatasetCard key={id} datasetId={id} onMove={onMove} />)}
      {crowded && (
        <button
          type="button"
          className="group-card"
          aria-expanded={expanded}
          onClick={() => setExpanded((e) => !e)}
          data-testid={`group-${location}-${tier}`}
        >
          <span className="group-count">{formatCount(ids.length)} datasets</span>
          <span className="group-bytes">{formatBytes(props.bytes)}</span>
          <span className="group-action">{expanded ? 'Collapse' : 'Expand'}</span>
        </button>
      )}
      {crowded && expanded && <VirtualCards ids={ids} onMove={onMove} label={label} />}
    </div>
  );
});

/** The cards of an expanded crowded cell: only those scrolled into view are mounted. */
function VirtualCards(props: { ids: number[]; onMove: (id: number, t: MoveTarget) => void; label: string }) {
  const parent = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: props.ids.length,
    getScrollElement: () => parent.current,
    estimateSize: () => CARD_HEIGHT,
    overscan: 4,
  });
  return (
    <div ref={parent} className="virtual-cards" tabIndex={-1} aria-label={`${props.label} datasets`}>
      <div className="virtual-inner" style={{ height: v.getTotalSize() }}>
        {v.getVirtualItems().map((item) => (
          <div key={item.key} className="virtual-item" style={{ transform: `translateY(${item.start}px)` }}>
            <DatasetCard datasetId={props.ids[item.index] as number} onMove={props.onMove} />
          </div>
        ))}
      </div>
    </div>
  );
}
