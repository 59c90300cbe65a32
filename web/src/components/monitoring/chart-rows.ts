import type { MinuteFigures, QueueSample } from '../../../../src/protocol/index.js';

/** One minute as the charts plot it: counts by status, the failure rate in %, durations in seconds. */
export interface MinuteRow {
  label: string;
  completed: number;
  partial: number;
  failed: number;
  cancelled: number;
  /** null where nothing finished that minute: the line has a gap rather than a misleading 0 %. */
  failureRatePct: number | null;
  p50S: number | null;
  p95S: number | null;
  speedup: number | null;
}

export const minuteLabel = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

export function toMinuteRows(minutes: readonly MinuteFigures[]): MinuteRow[] {
  return minutes.map((m) => ({
    label: minuteLabel(m.at),
    ...m.byStatus,
    failureRatePct: m.failureRate === null ? null : m.failureRate * 100,
    p50S: seconds(m.p50Ms),
    p95S: seconds(m.p95Ms),
    speedup: m.speedup,
  }));
}

/** Queue samples as rows `{ label, tool_calls, runs... }`, and the queues seen (`tool_calls` when none were). */
export function toQueueRows(samples: readonly QueueSample[]): { rows: Record<string, string | number>[]; queues: string[] } {
  const queues = [...new Set(samples.flatMap((s) => Object.keys(s.depths)))].sort();
  const rows = samples.map((s) => ({
    label: new Date(s.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
    ...s.depths,
  }));
  return { rows, queues: queues.length > 0 ? queues : ['tool_calls'] };
}

export const formatPercent = (rate: number | null) => (rate === null ? '–' : `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)} %`);
export const formatSpeedup = (speedup: number | null) => (speedup === null ? '–' : `${speedup.toFixed(2)}×`);
export const queueName = (queue: string) => (queue === 'tool_calls' ? 'Tool calls waiting' : queue === 'runs' ? 'Runs waiting' : queue);
