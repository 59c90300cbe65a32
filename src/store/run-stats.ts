import type { ExecutionKind, ExecutionStatus } from './execution-types.js';
import type { Queryable } from './queryable.js';
import { guardStore } from './store-error.js';

/**
 * One group of a user's finished runs. `minute`, `kind` and `status` are null where the group spans all of them:
 * (minute, kind, status) counts, (minute, kind) and (minute) figures per minute, (kind) and () over the window.
 */
export interface RunStatsGroup {
  minute: string | null;
  kind: ExecutionKind | null;
  status: ExecutionStatus | null;
  runs: number;
  failed: number;
  p50Ms: number | null;
  p95Ms: number | null;
  avgMs: number | null;
  speedup: number | null;
}

export interface RunStats {
  groups: RunStatsGroup[];
  /** The user's runs not finished yet, by kind. */
  active: Record<ExecutionKind, number>;
}

// A run is counted in the minute it finished (as a Prometheus counter counts it when it ends). Its wall time is the
// finish event's durationMs, or finish minus start for a run ended from outside (cancelled, given up). Its speed-up
// is the sum of its tasks' durationMs (completed and failed tasks carry one; a reused result's is 0) over its wall
// time: 1 is sequential, 3 means three tasks' worth of work in the time of one. Runs with no timed task have none.
const RUN_STATS = `
WITH finished AS (
  SELECT x.kind, x.status, date_trunc('minute', x.finished_at) AS minute, d.ms,
    (SELECT sum((t.value ->> 'durationMs')::double precision) FROM jsonb_each(COALESCE(x.tasks, '{}'::jsonb)) t
      WHERE jsonb_typeof(t.value -> 'durationMs') = 'number') / NULLIF(d.ms, 0) AS speedup
  FROM workflow_executions x
  CROSS JOIN LATERAL (SELECT COALESCE(x.total_duration_ms,
    EXTRACT(EPOCH FROM x.finished_at - COALESCE(x.started_at, x.created_at)) * 1000)::double precision AS ms) d
  WHERE x.user_id = $1 AND x.finished_at > $2::timestamptz AND x.finished_at <= $3::timestamptz
    AND x.status IN ('completed', 'partial', 'failed', 'cancelled')
)
SELECT to_char(minute AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:00.000"Z"') AS minute, kind, status,
  count(*)::int AS runs,
  (count(*) FILTER (WHERE status = 'failed'))::int AS failed,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
  avg(ms) AS avg_ms,
  avg(speedup) FILTER (WHERE speedup > 0) AS speedup
FROM finished
GROUP BY GROUPING SETS ((minute, kind, status), (minute, kind), (minute), (kind), ())`;

const ACTIVE = `
SELECT kind, count(*)::int AS runs FROM workflow_executions
WHERE user_id = $1 AND status IN ('pending', 'running') GROUP BY kind`;

interface Row {
  minute: string | null;
  kind: ExecutionKind | null;
  status: ExecutionStatus | null;
  runs: number;
  failed: number;
  p50: number | null;
  p95: number | null;
  avg_ms: number | null;
  speedup: number | null;
}

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** `runStats`: the figures behind the Monitoring page, computed in SQL so a busy hour is a few dozen rows, not thousands. */
export function createRunStats(db: Queryable) {
  return {
    runStats: (userId: string, { since, until }: { since: Date; until: Date }): Promise<RunStats> =>
      guardStore('compute run statistics', async () => {
        const [{ rows }, active] = await Promise.all([
          db.query<Row>(RUN_STATS, [userId, since.toISOString(), until.toISOString()]),
          db.query<{ kind: ExecutionKind; runs: number }>(ACTIVE, [userId]),
        ]);
        return {
          groups: rows.map((r) => ({
            minute: r.minute,
            kind: r.kind,
            status: r.status,
            runs: Number(r.runs),
            failed: Number(r.failed),
            p50Ms: num(r.p50),
            p95Ms: num(r.p95),
            avgMs: num(r.avg_ms),
            speedup: num(r.speedup),
          })),
          active: {
            chat: Number(active.rows.find((r) => r.kind === 'chat')?.runs ?? 0),
            workflow: Number(active.rows.find((r) => r.kind === 'workflow')?.runs ?? 0),
          },
        };
      }),
  };
}
