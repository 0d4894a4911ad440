import { memo, useMemo, useState, type KeyboardEvent } from 'react';
import { useDraggable } from '@dnd-kit/core';
import { useApp, useOpenJob, useUsage } from '../../store/index.ts';
import { USAGE_WINDOW_MS } from '../../store/store.ts';
import {
  Badge,
  ProgressRing,
  Sparkline,
  binUsage,
  formatBytes,
  formatCount,
  percent,
} from '../../ui/index.ts';
import { MoveMenu } from './MoveMenu.tsx';
import { cardDragId, type MoveTarget } from './targets.ts';

const SPARK_POINTS = 24;

/** A dataset on the map: drag it to another cell, or "Move to…" from the keyboard. */
export const DatasetCard = memo(function DatasetCard(props: {
  datasetId: number;
  onMove: (datasetId: number, target: MoveTarget) => void;
}) {
  const { datasetId, onMove } = props;
  const d = useApp((s) => s.datasets[datasetId]);
  const rec = useApp((s) => s.recommendations[datasetId]);
  const job = useOpenJob(datasetId);
  const usage = useUsage(datasetId);
  const [menuOpen, setMenuOpen] = useState(false);
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({
    id: cardDragId(datasetId),
    disabled: !!job,
  });
  const values = useMemo(() => {
    const to = usage?.fetchedAt || Date.now();
    return binUsage(usage?.buckets ?? [], to - USAGE_WINDOW_MS, to, SPARK_POINTS);
  }, [usage]);
  if (!d) return null;

  const moving = rec && rec.recommended_tier !== d.current_tier;
  const describe = `${d.name}, ${d.current_tier} on ${d.location}, ${formatBytes(d.size_bytes)}, ${formatCount(d.object_count)} objects${
    moving ? `, recommended ${rec.recommended_tier}` : ''
  }${job ? `, migration ${job.status} ${percent(job.progress.fraction)}` : ''}`;
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if ((e.key === 'm' || e.key === 'M' || e.key === 'Enter') && !job) {
      e.preventDefault();
      setMenuOpen(true);
      return;
    }
    listeners?.onKeyDown?.(e);
  };

  return (
    <div
      className={`card${isDragging ? ' card-dragging' : ''}${job ? ' card-busy' : ''}`}
      data-testid={`dataset-card-${datasetId}`}
      data-tier={d.current_tier}
    >
      <div
        ref={setNodeRef}
        className="card-drag"
        {...attributes}
        {...listeners}
        onKeyDown={onKeyDown}
        aria-roledescription="draggable dataset"
        aria-label={`${describe}. Press M or Enter for Move to…, Space to drag.`}
        data-testid={`dataset-drag-${datasetId}`}
      >
        <div className="card-title" title={d.path_uri}>
          {d.name}
        </div>
        <div className="card-meta">
          {formatBytes(d.size_bytes)} · {formatCount(d.object_count)} obj
        </div>
        <div className="card-foot">
          <Sparkline
            values={values}
            label={`${d.name} accesses, last 6 h`}
            testId={`sparkline-${datasetId}`}
            width={72}
            height={18}
          />
          {moving && (
            <Badge
              tone={rec.recommended_tier}
              title={rec.reasons.join('; ')}
              testId={`rec-badge-${datasetId}`}
            >
              → {rec.recommended_tier}
            </Badge>
          )}
          {job && (
            <span className="card-job" data-testid={`job-ring-${datasetId}`} data-status={job.status}>
              <ProgressRing fraction={job.progress.fraction} label={`${d.name} ${job.status}`} size={20} />
              <span className="card-job-status">{job.status}</span>
            </span>
          )}
        </div>
      </div>
      <button
        type="button"
        className="card-move"
        aria-haspopup="menu"
        aria-expanded={menuOpen}
        aria-label={`Move ${d.name} to…`}
        title={job ? 'A migration is in flight' : 'Move to…'}
        disabled={!!job}
        onClick={() => setMenuOpen((o) => !o)}
        data-testid={`move-to-${datasetId}`}
      >
        ⇄
      </button>
      {menuOpen && (
        <MoveMenu
          dataset={d}
          onClose={() => setMenuOpen(false)}
          onChoose={(target) => {
            setMenuOpen(false);
            onMove(datasetId, target);
          }}
        />
      )}
    </div>
  );
});
