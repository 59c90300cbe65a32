import { SapflowError } from '../errors/index.js';
import type { ErrorInfo } from '../protocol/index.js';
import {
  DEFINITION_COLUMNS,
  RECORD_COLUMNS,
  SUMMARY_COLUMNS,
  toDefinition,
  toJsonb,
  toRecord,
  toSummary,
  type DefinitionRow,
  type ExecutionRow,
} from './execution-rows.js';
import {
  isTerminalStatus,
  TERMINAL_STATUSES,
  type ExecutionRecord,
  type ExecutionStatus,
  type ExecutionStore,
  type LoggableEvent,
  type ReadEventsOptions,
  type StoredEvent,
} from './execution-types.js';
import { createChatApprovals } from './chat-approvals.js';
import { createExecutionLeases } from './execution-leases.js';
import { createExecutionApprovals } from './execution-approvals.js';
import { foldExecutionPatch } from './fold-execution-patch.js';
import type { Queryable } from './queryable.js';
import { createRunStats } from './run-stats.js';
import { guardStore } from './store-error.js';

const MAX_PAGE = 100;
const TERMINAL_SQL = TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');
const TASK_EVENT_SQL = ['task-start', 'task-retry', 'task-complete', 'task-failed', 'task-skipped', 'task-approval-request', 'task-approval'].map((t) => `'${t}'`).join(', ');

// One statement claims the next seqs by bumping last_seq (the row lock serialises concurrent appenders),
// folds the batch into the row and stores the batch as one log row; no execution row, no log row.
// The row's task map is set only by a batch that starts the run (every task pending) or finishes it (the finish's
// map), taken from that event inside the batch ($8 its index) rather than sent twice; a live run's task states in
// between are folded from the log when read (withLiveTasks).
const APPEND_EVENTS = `
WITH batch AS (
  SELECT $2::jsonb AS events
), execution AS (
  UPDATE workflow_executions x SET
    last_seq = x.last_seq + $3::int,
    status = CASE
      WHEN $4::text IS NOT NULL THEN $4::text
      WHEN $5::timestamptz IS NOT NULL AND x.status = 'pending' THEN 'running'
      ELSE x.status END,
    started_at = COALESCE(x.started_at, $5::timestamptz),
    finished_at = COALESCE($6::timestamptz, x.finished_at),
    total_duration_ms = COALESCE($7::double precision, x.total_duration_ms),
    tasks = CASE batch.events -> $8::int ->> 'type'
      WHEN 'workflow-finish' THEN batch.events -> $8::int -> 'tasks'
      WHEN 'workflow-start' THEN (
        SELECT COALESCE(jsonb_object_agg(t ->> 'id', '{"status": "pending", "attempts": 0}'::jsonb), '{}'::jsonb)
        FROM jsonb_array_elements(batch.events -> $8::int -> 'tasks') AS t)
      ELSE x.tasks END,
    error = COALESCE($9::jsonb, x.error),
    -- a run that parks lets go of its lease (nobody runs it) until a decision or its wake time
    lease_owner = CASE WHEN $4::text = 'waiting' THEN NULL ELSE x.lease_owner END,
    lease_expires_at = CASE WHEN $4::text = 'waiting' THEN NULL ELSE x.lease_expires_at END,
    wake_at = CASE WHEN $4::text = 'waiting' THEN $10::timestamptz ELSE x.wake_at END,
    open_approvals = GREATEST(0, x.open_approvals + $11::int)
  FROM batch
  -- fencing: with an owner ($12) only while it holds the lease, so a process that lost the run cannot add to its log
  WHERE x.id = $1 AND ($12::text IS NULL OR x.lease_owner = $12::text)
  RETURNING x.last_seq, batch.events
)
INSERT INTO workflow_log_batches (execution_id, first_seq, last_seq, events)
SELECT $1, execution.last_seq - $3::int + 1, execution.last_seq, execution.events
FROM execution
RETURNING first_seq`;

// The log's events one by one, numbered, from the batch rows that hold any after $2 (the primary key finds them).
const LOG_EVENTS = `
SELECT b.first_seq + e.ord::int - 1 AS seq, e.value AS payload
FROM workflow_log_batches b CROSS JOIN LATERAL jsonb_array_elements(b.events) WITH ORDINALITY AS e(value, ord)
WHERE b.execution_id = $1 AND b.last_seq > $2::int AND b.first_seq + e.ord::int - 1 > $2::int`;

/** The execution log and definitions over either adapter. Every read and change is scoped to the user's rows. */
export function createExecutionStore(db: Queryable): ExecutionStore {
  // A live run's task states are folded from its log when read: keeping them in the row would rewrite the row's
  // whole task map with every batch, which made each logged event cost in proportion to the run's size.
  const withLiveTasks = async (record: ExecutionRecord): Promise<ExecutionRecord> => {
    if (isTerminalStatus(record.status)) return record;
    const { rows } = await db.query<{ payload: LoggableEvent }>(
      `SELECT l.payload FROM (${LOG_EVENTS}) l WHERE l.payload ->> 'type' IN (${TASK_EVENT_SQL}) ORDER BY l.seq`,
      [record.id, 0],
    );
    const { tasks } = foldExecutionPatch(rows.map((r) => r.payload));
    return tasks ? { ...record, tasks: { ...record.tasks, ...tasks } } : record;
  };

  const getExecution = (id: string, userId: string) =>
    guardStore('read the execution', async () => {
      const { rows } = await db.query<ExecutionRow>(
        `SELECT ${RECORD_COLUMNS} FROM workflow_executions WHERE id = $1 AND user_id = $2`,
        [id, userId],
      );
      return rows[0] ? withLiveTasks(toRecord(rows[0])) : null;
    });

  return {
    createExecution: ({ id, workflowId, kind = 'workflow', userId, input = {}, definition, leaseOwner, leaseTtlMs = 6_000, chatId, queued = false }) =>
      guardStore('create the execution', async () => {
        try {
          const { rows } = await db.query<ExecutionRow>(
            `INSERT INTO workflow_executions (id, workflow_id, kind, user_id, input, definition, lease_owner, lease_expires_at, chat_id)
             VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::text,
               CASE WHEN $10::boolean THEN 'infinity'::timestamptz
                    WHEN $7::text IS NULL THEN NULL ELSE now() + make_interval(secs => $8::double precision / 1000) END, $9::text)
             RETURNING ${RECORD_COLUMNS}`,
            [id, workflowId, kind, userId, toJsonb(input), toJsonb(definition), leaseOwner ?? null, leaseTtlMs, chatId ?? null, queued],
          );
          return toRecord(rows[0]!);
        } catch (error) {
          if ((error as { code?: string }).code === '23505') {
            throw new SapflowError('conflict', `execution ${id} already exists`, { cause: error });
          }
          throw error;
        }
      }),

    appendEvents: (executionId, events, { owner } = {}) =>
      guardStore('write the execution log', async () => {
        if (events.length === 0) return [];
        const patch = foldExecutionPatch(events);
        const { rows } = await db.query<{ first_seq: number }>(APPEND_EVENTS, [
          executionId,
          toJsonb(events),
          events.length,
          patch.finishStatus,
          patch.startedAt,
          patch.finishedAt,
          patch.durationMs,
          patch.replaceTasks ? lastIndexOfRunEdge(events) : null,
          toJsonb(patch.error ?? undefined),
          patch.wakeAt,
          patch.openApprovals,
          owner ?? null,
        ]);
        if (rows.length === 0) {
          const { rows: held } = await db.query<{ lease_owner: string | null }>('SELECT lease_owner FROM workflow_executions WHERE id = $1', [executionId]);
          if (owner !== undefined && held[0]) {
            throw new SapflowError('lease_lost', `run ${executionId} is held by ${held[0].lease_owner ?? 'nobody'} now, not by ${owner}; nothing was logged`);
          }
          throw new SapflowError('unknown_execution', `no execution ${executionId}`);
        }
        const first = Number(rows[0]!.first_seq);
        return events.map((event, i) => ({ seq: first + i, event }));
      }),

    getExecution,

    listExecutions: (userId, { limit = 20, cursor, offset = 0, status, kind } = {}) =>
      guardStore('list executions', async () => {
        const size = Math.min(Math.max(Math.trunc(limit), 1), MAX_PAGE);
        const { rows } = await db.query<ExecutionRow>(
          `SELECT ${SUMMARY_COLUMNS} FROM workflow_executions x
           WHERE x.user_id = $1
             AND ($2::text IS NULL OR x.status = $2::text
               -- waiting for someone: parked, or live with a task that waits for a decision
               OR ($2::text = 'waiting' AND x.status IN ('pending', 'running') AND x.open_approvals > 0))
             AND ($3::text IS NULL OR x.kind = $3::text)
             AND ($4::text IS NULL OR (x.created_at, x.id) < (
               SELECT c.created_at, c.id FROM workflow_executions c WHERE c.id = $4::text AND c.user_id = $1))
           ORDER BY x.created_at DESC, x.id DESC
           LIMIT $5::int OFFSET $6::int`,
          [userId, status ?? null, kind ?? null, cursor ? decodeCursor(cursor) : null, size + 1, Math.max(offset, 0)],
        );
        const items = rows.slice(0, size).map(toSummary);
        const last = items.at(-1);
        return { items, nextCursor: rows.length > size && last ? encodeCursor(last.id) : null };
      }),

    readEvents: <E>(executionId: string, userId: string, { afterSeq = 0, limit }: ReadEventsOptions = {}) =>
      guardStore('read the execution log', async () => {
        const { rows } = await db.query<{ seq: number; payload: E }>(
          `SELECT l.seq, l.payload FROM (${LOG_EVENTS}) l
           WHERE EXISTS (SELECT 1 FROM workflow_executions x WHERE x.id = $1 AND x.user_id = $3)
           ORDER BY l.seq
           LIMIT $4::int`,
          [executionId, afterSeq, userId, limit ?? null],
        );
        return rows.map((r): StoredEvent<E> => ({ seq: Number(r.seq), event: r.payload }));
      }),

    setStatus: (id: string, userId: string, status: ExecutionStatus, error?: ErrorInfo) =>
      guardStore('update the execution', async () => {
        // a run ended without its own finish (cancelled from outside, given up) keeps the task states its log shows
        const live = await getExecution(id, userId);
        const tasks = live && !isTerminalStatus(live.status) && isTerminalStatus(status) ? live.tasks : undefined;
        const { rows } = await db.query<ExecutionRow>(
          `UPDATE workflow_executions SET
             tasks = COALESCE($5::jsonb, tasks),
             status = $3::text,
             started_at = CASE WHEN $3::text = 'running' THEN COALESCE(started_at, now()) ELSE started_at END,
             finished_at = CASE WHEN $3::text IN (${TERMINAL_SQL}) THEN COALESCE(finished_at, now()) ELSE finished_at END,
             error = COALESCE($4::jsonb, error)
           WHERE id = $1 AND user_id = $2 AND status IN ('pending', 'running', 'waiting')
           RETURNING ${RECORD_COLUMNS}`,
          [id, userId, status, toJsonb(error), toJsonb(tasks)],
        );
        return rows[0] ? withLiveTasks(toRecord(rows[0])) : getExecution(id, userId);
      }),

    saveDefinition: (userId, workflowId, definition) =>
      guardStore('save the definition', async () => {
        const { rows } = await db.query<DefinitionRow>(
          `INSERT INTO workflow_definitions (user_id, workflow_id, definition) VALUES ($1, $2, $3::jsonb)
           ON CONFLICT (user_id, workflow_id) DO UPDATE SET definition = EXCLUDED.definition
           RETURNING ${DEFINITION_COLUMNS}`,
          [userId, workflowId, toJsonb(definition)],
        );
        return toDefinition(rows[0]!);
      }),

    getDefinition: (userId, workflowId) =>
      guardStore('read the definition', async () => {
        const { rows } = await db.query<DefinitionRow>(
          `SELECT ${DEFINITION_COLUMNS} FROM workflow_definitions WHERE user_id = $1 AND workflow_id = $2`,
          [userId, workflowId],
        );
        return rows[0] ? toDefinition(rows[0]) : null;
      }),

    listDefinitions: (userId) =>
      guardStore('list definitions', async () => {
        const { rows } = await db.query<DefinitionRow>(
          `SELECT ${DEFINITION_COLUMNS} FROM workflow_definitions WHERE user_id = $1 ORDER BY workflow_id`,
          [userId],
        );
        return rows.map(toDefinition);
      }),

    findLiveChatTurn: (userId, chatId) =>
      guardStore('find the chat turn', async () => {
        const { rows } = await db.query<ExecutionRow>(
          `SELECT ${SUMMARY_COLUMNS} FROM workflow_executions
           WHERE user_id = $1 AND chat_id = $2 AND status IN ('pending', 'running')
           ORDER BY created_at DESC LIMIT 1`,
          [userId, chatId],
        );
        return rows[0] ? toSummary(rows[0]) : null;
      }),

    ...createExecutionLeases(db),

    ...createExecutionApprovals(db),

    ...createRunStats(db),

    ...createChatApprovals(db),

    deleteDefinition: (userId, workflowId) =>
      guardStore('delete the definition', async () => {
        const { rows } = await db.query(
          'DELETE FROM workflow_definitions WHERE user_id = $1 AND workflow_id = $2 RETURNING id',
          [userId, workflowId],
        );
        return rows.length > 0;
      }),
  };
}

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!id || encodeCursor(id) !== cursor) throw new SapflowError('bad_request', 'invalid pagination cursor');
  return id;
}

/** The index of the batch's last `workflow-finish`, or else its last `workflow-start`: the event that sets the row's tasks. */
function lastIndexOfRunEdge(events: readonly LoggableEvent[]): number | null {
  let start: number | null = null;
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i]!.type === 'workflow-finish') return i;
    if (start === null && events[i]!.type === 'workflow-start') start = i;
  }
  return start;
}
