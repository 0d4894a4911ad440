import { useEffect, useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { TIERS } from '../../../core/contracts/common.ts';
import { useActions, useApp } from '../../store/index.ts';
import { USAGE_WINDOW_MS } from '../../store/store.ts';
import { TimeAreaChart, formatBytes, formatCount, formatUsd } from '../../ui/index.ts';
import { ChartTooltip } from '../ChartTooltip.tsx';
import { useDismissed } from '../recommendations/dismissed.ts';
import { openRecommendations } from '../recommendations/rec-target.ts';
import { activityRows, topByRecentAccess } from './activity.ts';
import { chartRows, monthlyCosts, niceCeil, placementAfter, type CostSummary } from './cost-model.ts';
import '../shared.css';
import './costs.css';

const TOP = 6;
const POINTS = 36;
const TIER_FILL = { hot: 'var(--hot)', warm: 'var(--warm)', cold: 'var(--cold)' } as const;
const usdTick = (v: number) => (v >= 1000 ? `$${(v / 1000).toFixed(1)}k` : `$${v.toFixed(v < 10 ? 2 : 0)}`);

/** Monthly storage by location and tier, today and after the open recommendations; access over time. */
export function CostsView() {
  const datasets = useApp((s) => s.datasets);
  const locations = useApp((s) => s.locations);
  const recs = useApp((s) => s.recommendations);
  const load = useApp((s) => s.load);
  const dismissed = useDismissed();

  const { today, after, moves } = useMemo(() => {
    const list = Object.values(datasets);
    const open = openRecommendations(recs, datasets, dismissed);
    return {
      today: monthlyCosts(list, locations),
      after: monthlyCosts(list, locations, placementAfter(open, datasets, locations)),
      moves: open.length,
    };
  }, [datasets, locations, recs, dismissed]);
  const delta = after.totalUsd - today.totalUsd;
  const yMax = niceCeil(Math.max(...today.rows.map((r) => r.total), ...after.rows.map((r) => r.total)));
  const hasData = Object.keys(datasets).length > 0 && today.rows.length > 0;

  return (
    <section className="view costs-view" data-testid="view-costs" aria-labelledby="costs-title">
      <div className="view-header">
        <h1 id="costs-title">Costs</h1>
        <span className="muted">a month of storage, from each location’s tier prices</span>
      </div>
      {!hasData ? (
        <p className="empty" data-testid="costs-empty">
          {load.status === 'loading'
            ? 'Loading…'
            : Object.keys(locations).length === 0
              ? 'No locations yet: add one in Settings.'
              : 'No datasets yet: register one (POST /datasets) and its cost shows here.'}
        </p>
      ) : (
        <>
          <dl className="facts section" data-testid="costs-summary">
            <div>
              <dt>Today</dt>
              <dd data-testid="costs-total-today">{formatUsd(today.totalUsd)}/mo</dd>
            </div>
            <div>
              <dt>After {formatCount(moves)} open recommendations</dt>
              <dd data-testid="costs-total-after">{formatUsd(after.totalUsd)}/mo</dd>
            </div>
            <div>
              <dt>Change</dt>
              <dd data-testid="costs-delta" className={delta > 0 ? 'cost-up' : delta < 0 ? 'cost-down' : ''}>
                {delta > 0 ? '+' : delta < 0 ? '−' : ''}
                {formatUsd(Math.abs(delta))}/mo
              </dd>
            </div>
            <div>
              <dt>Stored</dt>
              <dd>
                {formatBytes(today.totalBytes)} in {formatCount(Object.keys(datasets).length)} datasets
              </dd>
            </div>
            {today.unpriced.count > 0 && (
              <div>
                <dt>Without a price</dt>
                <dd data-testid="costs-unpriced" title="The location has no price for the dataset's tier">
                  {formatCount(today.unpriced.count)} datasets · {formatBytes(today.unpriced.bytes)}
                </dd>
              </div>
            )}
          </dl>
          <div className="costs-charts">
            <CostChart title="Today" summary={today} yMax={yMax} testId="costs-chart-today" />
            <CostChart
              title="After the open recommendations"
              summary={after}
              yMax={yMax}
              testId="costs-chart-after"
            />
          </div>
          <p className="muted small">
            “After” moves each dataset with an open (not dismissed) recommendation to the place Apply would
            choose, with its source retired. Per-move figures, with minimum billable object sizes and one-time
            charges, are in each move’s estimate.
          </p>
          <CostTable today={today} after={after} />
        </>
      )}
      <Activity />
    </section>
  );
}

function CostChart(props: { title: string; summary: CostSummary; yMax: number; testId: string }) {
  const rows = chartRows(props.summary);
  const described = rows.map((r) => `${r.location} ${formatUsd(r.total)}`).join(', ');
  return (
    <figure className="section cost-figure" data-testid={props.testId}>
      <figcaption>
        <h2>{props.title}</h2>
        <span className="muted">{formatUsd(props.summary.totalUsd)}/mo</span>
      </figcaption>
      <div className="chart" role="img" aria-label={`${props.title}, monthly cost by location: ${described}`}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart accessibilityLayer={false} data={rows} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
            <CartesianGrid stroke="var(--grid)" vertical={false} />
            <XAxis dataKey="location" tick={{ fill: 'var(--text-muted)' }} stroke="var(--border)" />
            <YAxis
              domain={[0, props.yMax]}
              tickFormatter={usdTick}
              tick={{ fill: 'var(--text-muted)' }}
              stroke="var(--border)"
              width={56}
            />
            <Tooltip
              cursor={{ fill: 'var(--surface-2)' }}
              content={(p) => (
                <ChartTooltip
                  active={p.active}
                  payload={p.payload}
                  label={p.label}
                  formatValue={(v) => `${formatUsd(v)}/mo`}
                />
              )}
            />
            <Legend itemSorter={null} />
            {TIERS.map((t) => (
              <Bar
                key={t}
                dataKey={t}
                name={t}
                stackId="tier"
                fill={TIER_FILL[t]}
                isAnimationActive={false}
              />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function CostTable({ today, after }: { today: CostSummary; after: CostSummary }) {
  const afterBy = new Map(after.rows.map((r) => [r.location, r]));
  return (
    <table className="data section" data-testid="costs-table">
      <caption className="costs-caption">Monthly cost by location and tier</caption>
      <thead>
        <tr>
          <th scope="col">Location</th>
          {TIERS.map((t) => (
            <th scope="col" className="num" key={t}>
              {t} today
            </th>
          ))}
          <th scope="col" className="num">
            Today
          </th>
          <th scope="col" className="num">
            After
          </th>
          <th scope="col" className="num">
            Change
          </th>
        </tr>
      </thead>
      <tbody>
        {today.rows.map((r) => {
          const a = afterBy.get(r.location)?.total ?? 0;
          return (
            <tr key={r.location} data-testid={`costs-row-${r.location}`}>
              <th scope="row">{r.location}</th>
              {TIERS.map((t) => (
                <td className="num" key={t} title={formatBytes(r.bytes[t])}>
                  {r.bytes[t] ? formatUsd(r.usd[t]) : '—'}
                </td>
              ))}
              <td className="num">{formatUsd(r.total)}</td>
              <td className="num">{formatUsd(a)}</td>
              <td className="num">{signedUsd(a - r.total)}</td>
            </tr>
          );
        })}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">Total</th>
          <td colSpan={3} />
          <td className="num">{formatUsd(today.totalUsd)}</td>
          <td className="num">{formatUsd(after.totalUsd)}</td>
          <td className="num">{signedUsd(after.totalUsd - today.totalUsd)}</td>
        </tr>
      </tfoot>
    </table>
  );
}

const signedUsd = (v: number) =>
  Math.abs(v) < 0.005 ? '—' : `${v > 0 ? '+' : '−'}${formatUsd(Math.abs(v))}`;

/** Accesses of the most recently read datasets over the sparkline window, stacked. */
function Activity() {
  const datasets = useApp((s) => s.datasets);
  const usage = useApp((s) => s.usage);
  const { watchUsage } = useActions();
  const top = useMemo(() => topByRecentAccess(Object.values(datasets), TOP), [datasets]);
  const ids = top.map((d) => d.id).join(',');
  useEffect(() => {
    const stops = ids ? ids.split(',').map((id) => watchUsage(Number(id))) : [];
    return () => stops.forEach((stop) => stop());
  }, [ids, watchUsage]);

  const to = Math.max(0, ...top.map((d) => usage[d.id]?.fetchedAt ?? 0)) || Date.now();
  const from = to - USAGE_WINDOW_MS;
  const series = top.map((d, i) => ({ key: `s${i}`, name: d.name, buckets: usage[d.id]?.buckets ?? [] }));
  const rows = activityRows(series, from, to, POINTS);
  const totals = series.map((s) => ({
    name: s.name,
    total: s.buckets.reduce((a, b) => a + b.read_count + b.write_count, 0),
  }));
  const any = totals.some((t) => t.total > 0);
  const loading = top.some((d) => !usage[d.id] || usage[d.id]?.loading);

  return (
    <section className="section" aria-labelledby="activity-title" data-testid="costs-activity">
      <div className="section-head">
        <h2 id="activity-title">Access activity</h2>
        <span className="muted">
          reads + writes of the {top.length || TOP} most recently accessed datasets, last 6 hours
        </span>
      </div>
      {!any ? (
        <p className="empty" data-testid="activity-empty">
          {loading && top.length ? 'Loading…' : 'No access events in the last 6 hours.'}
        </p>
      ) : (
        <TimeAreaChart
          rows={rows}
          from={from}
          to={to}
          series={series.map((s, i) => ({ key: s.key, name: s.name, color: `var(--series-${i + 1})` }))}
          stacked
          legendOrder="series"
          aria-label={`Accesses in the last 6 hours: ${totals.map((t) => `${t.name} ${formatCount(t.total)}`).join(', ')}`}
          data-testid="activity-chart"
        />
      )}
    </section>
  );
}
