import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface LineSpec {
  key: string;
  name: string;
  colour: string;
  dashed?: boolean;
}

export interface LineFigureChartProps {
  rows: Record<string, unknown>[];
  lines: LineSpec[];
  unit?: string;
  /** A threshold drawn across the chart (an alert's, or speed-up 1 = sequential). */
  reference?: { value: number; label: string };
  /** Steps instead of slopes, for counts sampled now and then (queue depth). */
  step?: boolean;
}

/** One figure over time, a line per series; minutes without data are gaps, not zeros. */
export function LineFigureChart({ rows, lines, unit, reference, step = false }: LineFigureChartProps) {
  return (
    <ResponsiveContainer width="100%" height={200}>
      <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: -12 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" minTickGap={40} tick={{ fontSize: 11 }} />
        <YAxis tick={{ fontSize: 11 }} unit={unit} allowDecimals />
        <Tooltip formatter={(value) => (typeof value === 'number' ? `${Number(value.toFixed(2))}${unit ?? ''}` : String(value))} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {reference && (
          <ReferenceLine y={reference.value} stroke="#b91c1c" strokeDasharray="4 4" label={{ value: reference.label, position: 'insideTopRight', fontSize: 11, fill: '#b91c1c' }} />
        )}
        {lines.map((line) => (
          <Line
            key={line.key}
            dataKey={line.key}
            name={line.name}
            type={step ? 'stepAfter' : 'monotone'}
            stroke={line.colour}
            strokeWidth={2}
            strokeDasharray={line.dashed ? '5 3' : undefined}
            dot={{ r: 2 }}
            connectNulls={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}
