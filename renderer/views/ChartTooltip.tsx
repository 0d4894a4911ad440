/** The part of recharts' tooltip props this tooltip reads. */
export interface TooltipEntry {
  name?: string | number;
  value?: unknown;
  color?: string;
  dataKey?: unknown;
}

/** Recharts' tooltip in the theme's colours (its default is white in dark mode too). */
export function ChartTooltip(props: {
  active?: boolean;
  payload?: readonly TooltipEntry[];
  label?: unknown;
  formatValue: (v: number) => string;
  formatLabel?: (label: unknown) => string;
}) {
  if (!props.active || !props.payload?.length) return null;
  const label = props.formatLabel ? props.formatLabel(props.label) : String(props.label ?? '');
  return (
    <div className="chart-tooltip">
      <p>
        <strong>{label}</strong>
      </p>
      {props.payload.map((p) => (
        <p key={String(p.dataKey ?? p.name)}>
          <span className="chart-swatch" style={{ background: p.color }} aria-hidden="true" /> {p.name}:{' '}
          {props.formatValue(Number(p.value ?? 0))}
        </p>
      ))}
    </div>
  );
}
