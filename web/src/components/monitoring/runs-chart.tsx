import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MinuteRow } from './chart-rows.js';

/** Colours shared with the status badges; the legend and tooltip name each status, so none is told by colour alone. */
export const STATUS_COLOURS = { completed: '#15803d', partial: '#d97706', failed: '#b91c1c', cancelled: '#9ca3af' } as const;

/** Runs finished per minute, stacked by final status. */
export function RunsChart({ rows }: { rows: MinuteRow[] }) {
  return (
    <ResponsiveContainer width="100%" height={220}>
      <BarChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: -12 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" minTickGap={40} tick={{ fontSize: 11 }} />
        <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
        <Tooltip />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {(Object.keys(STATUS_COLOURS) as (keyof typeof STATUS_COLOURS)[]).map((status) => (
          <Bar key={status} dataKey={status} name={status} stackId="runs" fill={STATUS_COLOURS[status]} isAnimationActive={false} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}
