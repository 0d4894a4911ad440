import { useMemo, useState } from 'react';
import { selectJobsNewestFirst, useApp } from '../../store/index.ts';
import { navigate, useHashLocation } from '../../app/router.ts';
import { FILTERS, type QueueFilter } from './job-actions.ts';
import { JobDrawer } from './JobDrawer.tsx';
import { JobRow } from './JobRow.tsx';
import './queue.css';

/** Every migration, live: stage, progress, cancel and retry; details in a drawer (`#/queue?job=<id>`). */
export function QueueView() {
  const jobs = useApp((s) => s.jobs);
  const { params } = useHashLocation();
  const open = params.get('job');
  const [filter, setFilter] = useState<QueueFilter>('all');
  const sorted = selectJobsNewestFirst(jobs);
  const counts = useMemo(
    () =>
      Object.fromEntries(
        FILTERS.map((f) => [
          f.id,
          f.statuses ? sorted.filter((j) => f.statuses?.includes(j.status)).length : sorted.length,
        ]),
      ),
    [sorted],
  );
  const statuses = FILTERS.find((f) => f.id === filter)?.statuses;
  const shown = statuses ? sorted.filter((j) => statuses.includes(j.status)) : sorted;

  return (
    <section className="view queue-view" data-testid="view-queue" aria-labelledby="queue-title">
      <div className="view-header">
        <h1 id="queue-title">Migration queue</h1>
        <div className="tabs" role="group" aria-label="Show jobs">
          {FILTERS.map((f) => (
            <button
              key={f.id}
              type="button"
              aria-pressed={filter === f.id}
              onClick={() => setFilter(f.id)}
              data-testid={`queue-filter-${f.id}`}
            >
              {f.label} <span className="tab-count">{counts[f.id]}</span>
            </button>
          ))}
        </div>
      </div>
      {shown.length === 0 ? (
        <p className="muted" data-testid="queue-empty">
          No migrations {filter === 'all' ? 'yet: drag a dataset to another cell on the Map' : 'here'}.
        </p>
      ) : (
        <ul className="job-list" data-testid="job-list">
          {shown.map((j) => (
            <JobRow key={j.job_id} jobId={j.job_id} onOpen={(id) => navigate('queue', { job: id })} />
          ))}
        </ul>
      )}
      {open && <JobDrawer jobId={open} onClose={() => navigate('queue')} />}
    </section>
  );
}
