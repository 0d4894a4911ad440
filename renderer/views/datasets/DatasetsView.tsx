import { useDeferredValue, useMemo, useState } from 'react';
import { useApp } from '../../store/index.ts';
import { href, useHashLocation } from '../../app/router.ts';
import { Badge, formatBytes, formatCount, formatTime } from '../../ui/index.ts';
import { DatasetDetailView } from './DatasetDetail.tsx';
import { pageOf, searchDatasets, sortDatasets, type SortDir, type SortKey } from './table.ts';
import '../shared.css';
import './datasets.css';

const COLUMNS: { key: SortKey; label: string; num?: boolean }[] = [
  { key: 'name', label: 'Name' },
  { key: 'location', label: 'Location' },
  { key: 'current_tier', label: 'Tier' },
  { key: 'size_bytes', label: 'Size', num: true },
  { key: 'object_count', label: 'Objects', num: true },
  { key: 'owner', label: 'Owner' },
  { key: 'last_access_ts', label: 'Last access' },
];

/** The list's search, sort and page survive a visit to a detail and back. */
let remembered = { query: '', sort: 'name' as SortKey, dir: 'asc' as SortDir, page: 0 };

/** `#/datasets`: every dataset (the store pages through the API's 1,000 cap); `?id=N` its detail. */
export function DatasetsView() {
  const { params } = useHashLocation();
  const id = Number(params.get('id'));
  if (Number.isInteger(id) && id > 0) return <DatasetDetailView id={id} />;
  return <DatasetList />;
}

function DatasetList() {
  const datasets = useApp((s) => s.datasets);
  const load = useApp((s) => s.load);
  const [state, setStateRaw] = useState(remembered);
  const setState = (next: typeof state) => {
    remembered = next;
    setStateRaw(next);
  };
  const query = useDeferredValue(state.query);
  const all = useMemo(() => Object.values(datasets), [datasets]);
  const found = useMemo(() => searchDatasets(all, query), [all, query]);
  const sorted = useMemo(() => sortDatasets(found, state.sort, state.dir), [found, state.sort, state.dir]);
  const page = pageOf(sorted, state.page);

  const sortBy = (key: SortKey) =>
    setState({
      ...state,
      sort: key,
      dir: state.sort === key && state.dir === 'asc' ? 'desc' : state.sort === key ? 'asc' : defaultDir(key),
      page: 0,
    });

  return (
    <section className="view datasets-view" data-testid="view-datasets" aria-labelledby="datasets-title">
      <div className="view-header">
        <h1 id="datasets-title">Datasets</h1>
        <span className="muted" data-testid="datasets-summary">
          {load.status === 'loading' && all.length === 0
            ? `loading… ${formatCount(load.datasetsLoaded)}`
            : query
              ? `${formatCount(found.length)} of ${formatCount(all.length)} match`
              : `${formatCount(all.length)} datasets`}
        </span>
        <label className="datasets-search">
          <span className="visually-hidden">Search datasets by name, owner or path</span>
          <input
            type="search"
            placeholder="Search name, owner, path"
            value={state.query}
            onChange={(e) => setState({ ...state, query: e.target.value, page: 0 })}
            data-testid="datasets-search"
          />
        </label>
      </div>
      {page.total === 0 ? (
        <p className="empty" data-testid="datasets-empty">
          {all.length === 0
            ? load.status === 'loading'
              ? 'Loading…'
              : 'No datasets yet: register one with POST /datasets (see the README quickstart).'
            : 'No dataset matches this search.'}
        </p>
      ) : (
        <table className="data datasets-table" data-testid="datasets-table">
          <caption className="visually-hidden">
            Datasets, sorted by {COLUMNS.find((c) => c.key === state.sort)?.label}{' '}
            {state.dir === 'asc' ? 'ascending' : 'descending'}
          </caption>
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  scope="col"
                  className={c.num ? 'num' : undefined}
                  aria-sort={
                    state.sort === c.key ? (state.dir === 'asc' ? 'ascending' : 'descending') : 'none'
                  }
                >
                  <button
                    type="button"
                    className="sort-button"
                    onClick={() => sortBy(c.key)}
                    data-testid={`datasets-sort-${c.key}`}
                  >
                    {c.label}
                    <span aria-hidden="true" className="sort-mark">
                      {state.sort === c.key ? (state.dir === 'asc' ? '▲' : '▼') : '↕'}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {page.rows.map((d) => (
              <tr key={d.id} data-testid={`datasets-row-${d.id}`}>
                <td>
                  <a href={href('datasets', { id: String(d.id) })} data-testid={`datasets-open-${d.id}`}>
                    {d.name}
                  </a>
                  <div className="path muted datasets-path" title={d.path_uri}>
                    {d.path_uri}
                  </div>
                </td>
                <td>{d.location}</td>
                <td>
                  <Badge tone={d.current_tier}>{d.current_tier}</Badge>
                </td>
                <td className="num">{formatBytes(d.size_bytes)}</td>
                <td className="num">{formatCount(d.object_count)}</td>
                <td>{d.owner ?? <span className="muted">—</span>}</td>
                <td>
                  {d.last_access_ts ? formatTime(d.last_access_ts) : <span className="muted">never</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page.pages > 1 && (
        <nav className="pager" aria-label="Dataset pages">
          <button
            type="button"
            onClick={() => setState({ ...state, page: 0 })}
            disabled={page.page === 0}
            data-testid="datasets-first"
          >
            First
          </button>
          <button
            type="button"
            onClick={() => setState({ ...state, page: page.page - 1 })}
            disabled={page.page === 0}
            data-testid="datasets-prev"
          >
            Previous
          </button>
          <span className="muted" data-testid="datasets-page" aria-live="polite">
            {formatCount(page.from)}–{formatCount(page.to)} of {formatCount(page.total)} · page{' '}
            {page.page + 1} of {page.pages}
          </span>
          <button
            type="button"
            onClick={() => setState({ ...state, page: page.page + 1 })}
            disabled={page.page >= page.pages - 1}
            data-testid="datasets-next"
          >
            Next
          </button>
          <button
            type="button"
            onClick={() => setState({ ...state, page: page.pages - 1 })}
            disabled={page.page >= page.pages - 1}
            data-testid="datasets-last"
          >
            Last
          </button>
        </nav>
      )}
    </section>
  );
}

/** Sizes, counts and recency read best largest / newest first. */
const defaultDir = (key: SortKey): SortDir =>
  key === 'size_bytes' || key === 'object_count' || key === 'last_access_ts' ? 'desc' : 'asc';
