import { RECORD_COLUMNS, toRecord, type ExecutionRow } from './execution-rows.js';
import type { ClaimedExecution, ExecutionStore } from './execution-types.js';
import type { Queryable } from './queryable.js';
import { guardStore } from './store-error.js';

const LIVE = `status IN ('pending', 'running')`;

type ClaimedRow = ExecutionRow & { resume_count: number; chat_id: string | null };
const toClaimed = (row: ClaimedRow): ClaimedExecution => ({ ...toRecord(row), resumeCount: Number(row.resume_count), chatId: row.chat_id });

/**
 * Who runs each live execution. One statement claims: the inner SELECT locks the orphans it picks (SKIP LOCKED, so
 * two processes sweeping at once take disjoint sets) and the UPDATE moves them to the new owner, so a run is never
 * resumed twice. `ignoreLeases` is for the embedded store at start-up: one process owns it, so every live run is an orphan.
 * `exclude` names the runs the caller is running itself: a lease it failed to renew (database down) is still its own.
 */
export function createExecutionLeases(db: Queryable): Pick<ExecutionStore, 'renewLeases' | 'claimOrphans' | 'releaseLeases' | 'claimRun' | 'unclaimRun' | 'leaseOf'> {
  return {
    renewLeases: (owner, ids, ttlMs) =>
      guardStore('renew run leases', async () => {
        if (ids.length === 0) return [];
        const { rows } = await db.query<{ id: string }>(
          `UPDATE workflow_executions SET lease_expires_at = now() + make_interval(secs => $3::double precision / 1000)
           WHERE lease_owner = $1 AND id = ANY($2::text[]) AND ${LIVE}
           RETURNING id`,
          [owner, ids, ttlMs],
        );
        return rows.map((r) => r.id);
      }),

    claimOrphans: (owner, ttlMs, { limit = 50, ignoreLeases = false, exclude = [], kinds = ['workflow', 'chat'] } = {}) =>
      guardStore('claim orphaned runs', async () => {
        const { rows } = await db.query<ClaimedRow>(
          `UPDATE workflow_executions x SET
             lease_owner = $1,
             lease_expires_at = now() + make_interval(secs => $2::double precision / 1000),
             resume_count = x.resume_count + 1
           WHERE x.id IN (
             SELECT o.id FROM workflow_executions o
             WHERE o.${LIVE} AND ($4::boolean OR o.lease_expires_at IS NULL OR o.lease_expires_at < now())
               AND NOT (o.id = ANY($5::text[])) AND o.kind = ANY($6::text[])
             ORDER BY o.created_at
             LIMIT $3::int
             FOR UPDATE SKIP LOCKED)
           RETURNING ${RECORD_COLUMNS}, resume_count, chat_id`,
          [owner, ttlMs, limit, ignoreLeases, exclude, kinds],
        );
        return rows.map(toClaimed);
      }),

    claimRun: (owner, id, ttlMs) =>
      guardStore('claim the run', async () => {
        // one statement: the row lock makes a second claimer re-read the row after the first, and find it held
        const { rows } = await db.query<ClaimedRow>(
          `UPDATE workflow_executions x SET
             lease_owner = $1,
             lease_expires_at = now() + make_interval(secs => $3::double precision / 1000),
             resume_count = x.resume_count + CASE WHEN x.lease_owner IS NULL THEN 0 ELSE 1 END
           WHERE x.id = $2 AND x.${LIVE} AND (x.lease_owner IS NULL OR x.lease_expires_at < now())
           RETURNING ${RECORD_COLUMNS}, resume_count, chat_id`,
          [owner, id, ttlMs],
        );
        return rows[0] ? toClaimed(rows[0]) : null;
      }),

    unclaimRun: (owner, id) =>
      guardStore('put the run back on the queue', async () => {
        // queued again, as createExecution({ queued: true }) leaves a run: held by nobody, never an orphan to sweep
        const { rows } = await db.query<{ id: string }>(
          `UPDATE workflow_executions SET lease_owner = NULL, lease_expires_at = 'infinity'
           WHERE id = $2 AND lease_owner = $1 AND ${LIVE} RETURNING id`,
          [owner, id],
        );
        return rows.length > 0;
      }),

    leaseOf: (id) =>
      guardStore('read the run lease', async () => {
        const { rows } = await db.query<{ lease_owner: string | null; held: boolean; live: boolean }>(
          `SELECT lease_owner, (lease_owner IS NOT NULL AND lease_expires_at >= now()) AS held, ${LIVE} AS live
           FROM workflow_executions WHERE id = $1`,
          [id],
        );
        const row = rows[0];
        return row ? { owner: row.lease_owner, held: row.held, live: row.live } : null;
      }),

    releaseLeases: (owner, ids) =>
      guardStore('release run leases', async () => {
        if (ids.length === 0) return;
        // expired at once: the next process to sweep resumes the run without waiting out the lease
        await db.query(
          `UPDATE workflow_executions SET lease_expires_at = now() - interval '1 second'
           WHERE lease_owner = $1 AND id = ANY($2::text[]) AND ${LIVE}`,
          [owner, ids],
        );
      }),
  };
}
