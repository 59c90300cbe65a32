import type { FinishedStatus, MinuteFigures, RunFigures, RunKindFilter, RunSeries } from '../../protocol/index.js';
import type { RunStatsGroup } from '../../store/index.js';

const STATUSES: readonly FinishedStatus[] = ['completed', 'partial', 'failed', 'cancelled'];
const MINUTE = 60_000;

/** The store's groups as the page draws them: all runs and each kind, every minute of the window present. */
export function toRunSeries(groups: readonly RunStatsGroup[], since: number, until: number): Record<RunKindFilter, RunSeries> {
  const first = Math.floor(since / MINUTE) * MINUTE;
  const minutes: string[] = [];
  for (let at = first; at < until; at += MINUTE) minutes.push(new Date(at).toISOString());
  const series = (kind: RunKindFilter): RunSeries => {
    const kindOf = kind === 'all' ? null : kind;
    const figures = groups.filter((g) => g.kind === kindOf && g.status === null);
    const counts = kind === 'all' ? groups.filter((g) => g.minute !== null && g.kind !== null && g.status !== null) : groups.filter((g) => g.kind === kind && g.status !== null);
    const byMinute = new Map(figures.filter((g) => g.minute !== null).map((g) => [g.minute!, g]));
    return {
      total: toFigures(figures.find((g) => g.minute === null)),
      minutes: minutes.map((at): MinuteFigures => {
        const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<FinishedStatus, number>;
        for (const g of counts) if (g.minute === at && (STATUSES as readonly string[]).includes(g.status!)) byStatus[g.status as FinishedStatus] += g.runs;
        return { at, byStatus, ...toFigures(byMinute.get(at)) };
      }),
    };
  };
  return { all: series('all'), workflow: series('workflow'), chat: series('chat') };
}

/** A group's figures; a group that is not there (nothing finished) is zero runs with no figures. */
export function toFigures(group: RunStatsGroup | undefined): RunFigures {
  if (!group || group.runs === 0) return { runs: 0, failed: 0, failureRate: null, p50Ms: null, p95Ms: null, avgMs: null, speedup: null };
  return {
    runs: group.runs,
    failed: group.failed,
    failureRate: group.failed / group.runs,
    p50Ms: group.p50Ms,
    p95Ms: group.p95Ms,
    avgMs: group.avgMs,
    speedup: group.speedup,
  };
}
