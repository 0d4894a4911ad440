import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartTooltip } from '../views/ChartTooltip.tsx';
import { formatCount } from './format.ts';

/** One area of a {@link TimeAreaChart}: `key` is the row field it plots. */
export interface TimeAreaSeries {
  key: string;
  name: string;
  color: string;
}

const hhmm = (t: unknown) =>
  new Date(Number(t)).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * Counts over a time window as areas (the Costs view's activity, a dataset's reads and
 * writes): x is `row.t` (epoch ms) over [from, to] with hh:mm ticks, y whole counts.
 * `legendOrder` 'series' keeps the legend in `series` order; 'default' lets recharts sort it.
 */
export function TimeAreaChart(props: {
  rows: { t: number }[];
  from: number;
  to: number;
  series: readonly TimeAreaSeries[];
  stacked?: boolean;
  legendOrder?: 'series' | 'default';
  'aria-label': string;
  'data-testid': string;
}) {
  return (
    <div className="chart" role="img" aria-label={props['aria-label']} data-testid={props['data-testid']}>
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart
          accessibilityLayer={false}
          data={props.rows}
          margin={{ top: 8, right: 8, bottom: 8, left: 8 }}
        >
          <CartesianGrid stroke="var(--grid)" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            domain={[props.from, props.to]}
            tickFormatter={hhmm}
            tick={{ fill: 'var(--text-muted)' }}
            stroke="var(--border)"
          />
          <YAxis
            allowDecimals={false}
            tick={{ fill: 'var(--text-muted)' }}
            stroke="var(--border)"
            width={48}
          />
          <Tooltip
            content={(p) => (
              <ChartTooltip
                active={p.active}
                payload={p.payload}
                label={p.label}
                formatLabel={hhmm}
                formatValue={(v) => formatCount(v)}
              />
            )}
          />
          {props.legendOrder === 'series' ? <Legend itemSorter={null} /> : <Legend />}
          {props.series.map((s) => (
            <Area
              key={s.key}
              dataKey={s.key}
              name={s.name}
              stackId={props.stacked ? 'stack' : undefined}
              type="monotone"
              stroke={s.color}
              fill={s.color}
              fillOpacity={0.35}
              isAnimationActive={false}
            />
          ))}
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
