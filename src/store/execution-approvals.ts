import type { ExecutionStore, TaskDecisionRecord } from './execution-types.js';
import type { Queryable } from './queryable.js';
import { guardStore } from './store-error.js';

// runnable again and held by nobody: the caller claims it (or queues it), and should it die first, any sweep does
const RUNNABLE = `status = 'running', wake_at = NULL, lease_owner = NULL, lease_expires_at = now() - interval '1 second'`;

/** Decisions on waiting tasks, and waking parked runs: by a decision, or when an approval_timeout ran out. */
export function createExecutionApprovals(db: Queryable): Pick<ExecutionStore, 'recordDecision' | 'listDecisions' | 'wakeRun' | 'wakeDueRuns'> {
  return {
    recordDecision: (executionId, userId, decision) =>
      guardStore('record the decision', async () => {
        const { rows } = await db.query(
          `INSERT INTO task_decisions (execution_id, task_id, approved, decided_by, reason)
           SELECT x.id, $3, $4, $5, $6 FROM workflow_executions x WHERE x.id = $1 AND x.user_id = $2
           ON CONFLICT (execution_id, task_id) DO NOTHING
           RETURNING task_id`,
          [executionId, userId, decision.taskId, decision.approved, decision.by, decision.reason ?? null],
        );
        return rows.length > 0;
      }),

    listDecisions: (executionId) =>
      guardStore('read the decisions', async () => {
        const { rows } = await db.query<{ task_id: string; approved: boolean; decided_by: string; reason: string | null; decided_at: Date | string }>(
          'SELECT task_id, approved, decided_by, reason, decided_at FROM task_decisions WHERE execution_id = $1 ORDER BY decided_at',
          [executionId],
        );
        return rows.map((r): TaskDecisionRecord => ({
          taskId: r.task_id, approved: r.approved, by: r.decided_by, ...(r.reason === null ? {} : { reason: r.reason }),
          at: new Date(r.decided_at).toISOString(),
        }));
      }),

    wakeRun: (executionId, userId) =>
      guardStore('wake the run', async () => {
        const { rows } = await db.query(
          `UPDATE workflow_executions SET ${RUNNABLE} WHERE id = $1 AND user_id = $2 AND status = 'waiting' RETURNING id`,
          [executionId, userId],
        );
        return rows.length > 0;
      }),

    wakeDueRuns: (limit = 50) =>
      guardStore('wake waiting runs', async () => {
        const { rows } = await db.query<{ id: string }>(
          `UPDATE workflow_executions x SET ${RUNNABLE}
           WHERE x.id IN (
             SELECT w.id FROM workflow_executions w WHERE w.status = 'waiting' AND w.wake_at <= now()
             ORDER BY w.wake_at LIMIT $1::int FOR UPDATE SKIP LOCKED)
           RETURNING x.id`,
          [limit],
        );
        return rows.map((r) => r.id);
      }),
  };
}
