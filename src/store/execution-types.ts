import type { ErrorInfo, TaskOutcome, WorkflowEvent, WorkflowStatus } from '../protocol/index.js';
import type { RunStats } from './run-stats.js';
import type { ChatApprovals } from './chat-approvals.js';

/** `pending` until the run's `workflow-start` is logged; the rest are the engine's own statuses. */
export type ExecutionStatus = 'pending' | WorkflowStatus;
export type ExecutionKind = 'workflow' | 'chat';

/** `waiting`: parked, nothing runs it until a decision on one of its tasks (or its wake time). */
export const TERMINAL_STATUSES: readonly ExecutionStatus[] = ['completed', 'partial', 'failed', 'cancelled'];

export function isTerminalStatus(status: ExecutionStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/**
 * What the log accepts: every `WorkflowEvent`, and any other event (a chat turn's) shaped the same way.
 * `type` and `taskId` are copied into their own columns; the whole event is the payload.
 */
export interface LoggableEvent {
  type: string;
  executionId: string;
  at?: string;
  taskId?: string;
}

/** One logged event with its position in the execution's log (1, 2, 3...). */
export interface StoredEvent<E = WorkflowEvent> {
  seq: number;
  event: E;
}

export interface NewExecution {
  id: string;
  workflowId: string;
  kind?: ExecutionKind;
  userId: string;
  input?: Record<string, unknown>;
  /** The compiled definition as it will run, so history can show the DAG. */
  definition?: unknown;
  /** The process that runs it, holding a lease of `leaseTtlMs` that it renews. */
  leaseOwner?: string;
  leaseTtlMs?: number;
  /** useChat's chat id, for a chat turn. */
  chatId?: string;
  /**
   * Cluster mode: the run waits on the queue, owned by nobody and out of the lease sweep's reach (its lease never
   * expires) until a worker claims it with `claimRun`.
   */
  queued?: boolean;
}

/** Who holds a live execution's lease, as the store has it. */
export interface LeaseInfo {
  owner: string | null;
  /** False when nobody runs it: queued, released, or its owner's lease ran out. */
  held: boolean;
  live: boolean;
}

/** A live execution taken over from a process that went away, to be resumed from its log. */
export interface ClaimedExecution extends ExecutionRecord {
  /** How many times it has been claimed so far, this claim included. */
  resumeCount: number;
  chatId: string | null;
}

export interface ExecutionSummary {
  id: string;
  workflowId: string;
  kind: ExecutionKind;
  userId: string;
  status: ExecutionStatus;
  startedAt: string | null;
  finishedAt: string | null;
  totalDurationMs: number | null;
  error: ErrorInfo | null;
  /** Events logged so far: the seq of the last one. */
  lastSeq: number;
  createdAt: string;
  updatedAt: string;
}

export interface ExecutionRecord extends ExecutionSummary {
  input: Record<string, unknown>;
  definition: unknown;
  /** Every task's state, kept current from the log; the final outcomes once finished. */
  tasks: Record<string, TaskOutcome>;
}

export interface ListExecutionsOptions {
  /** Page size, 1..100 (default 20). */
  limit?: number;
  /** `nextCursor` of the previous page (keyset pagination; stable while new runs arrive). */
  cursor?: string;
  /** Rows to skip instead of a cursor. */
  offset?: number;
  status?: ExecutionStatus;
  kind?: ExecutionKind;
}

export interface ExecutionPage {
  items: ExecutionSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface WorkflowDefinitionRecord {
  id: string;
  userId: string;
  workflowId: string;
  definition: unknown;
  createdAt: string;
  updatedAt: string;
}

/** A stored decision on a task that waited for approval. */
export interface TaskDecisionRecord {
  taskId: string;
  approved: boolean;
  /** The user who decided, or `timeout`. */
  by: string;
  reason?: string;
  at: string;
}

export interface AppendOptions {
  /** The lease holder the append is made as (fencing); none for a run nobody holds (ending a parked or queued run). */
  owner?: string;
}

export interface ReadEventsOptions {
  /** Only events after this seq (a follower's `Last-Event-ID`); default 0, the whole log. */
  afterSeq?: number;
  limit?: number;
}

/** The execution log, leases and run figures, and the chat approvals that refer to its turns (chat-approvals.ts). */
export interface ExecutionStore extends ChatApprovals {
  createExecution(execution: NewExecution): Promise<ExecutionRecord>;
  /**
   * Appends events to an execution's log in order, assigning the next seqs, and keeps the execution row current
   * (`workflow-start` -> running, `task-*` -> that task's state, `workflow-finish` -> final status, timings, tasks).
   * Trusted, server-side: the execution id comes from `createExecution`. Throws `unknown_execution` if there is none.
   * With `owner`, the append is fenced: it is made only while `owner` holds the run's lease (expired or not, as long
   * as nobody claimed it since), else nothing is written and it throws `lease_lost`.
   */
  appendEvents<E extends LoggableEvent>(executionId: string, events: readonly E[], options?: AppendOptions): Promise<StoredEvent<E>[]>;
  /** Null when there is no such execution or it is not the user's. */
  getExecution(id: string, userId: string): Promise<ExecutionRecord | null>;
  /** The user's executions, newest first. */
  listExecutions(userId: string, options?: ListExecutionsOptions): Promise<ExecutionPage>;
  /** The log after `afterSeq` (default 0), in seq order; empty when the execution is not the user's. */
  readEvents<E = WorkflowEvent>(executionId: string, userId: string, options?: ReadEventsOptions): Promise<StoredEvent<E>[]>;
  /**
   * Moves a live execution (pending/running) to `status`, e.g. `cancelled`; a finished one is left as it is.
   * Returns the execution as it now stands, or null when it is not the user's.
   */
  setStatus(id: string, userId: string, status: ExecutionStatus, error?: ErrorInfo): Promise<ExecutionRecord | null>;
  /** Creates or replaces the user's definition with this `workflowId`. */
  saveDefinition(userId: string, workflowId: string, definition: unknown): Promise<WorkflowDefinitionRecord>;
  getDefinition(userId: string, workflowId: string): Promise<WorkflowDefinitionRecord | null>;
  listDefinitions(userId: string): Promise<WorkflowDefinitionRecord[]>;
  deleteDefinition(userId: string, workflowId: string): Promise<boolean>;
  /** Extends `owner`'s leases on these live executions; returns the ids it still holds. */
  renewLeases(owner: string, ids: readonly string[], ttlMs: number): Promise<string[]>;
  /**
   * Atomically takes over live executions whose lease expired (or every live one, with `ignoreLeases`), oldest
   * first, but those in `exclude` (the caller's own): two callers never get the same execution.
   */
  claimOrphans(owner: string, ttlMs: number, options?: { limit?: number; ignoreLeases?: boolean; exclude?: readonly string[]; kinds?: readonly ExecutionKind[] }): Promise<ClaimedExecution[]>;
  /**
   * Atomically takes one live execution that nobody holds (queued, released, or its lease expired) for `owner`;
   * null when it is finished or a live process holds it. Taking it from a former owner counts as a resume.
   */
  claimRun(owner: string, id: string, ttlMs: number): Promise<ClaimedExecution | null>;
  /**
   * Gives back a run `owner` claimed off the queue but will not run (it is stopping): queued again, for the queue's
   * job to bring to another worker; false when `owner` does not hold it (any more).
   */
  unclaimRun(owner: string, id: string): Promise<boolean>;
  /** The lease of an execution, for any user's (the cancel path asks before it decides who stops the run). */
  leaseOf(id: string): Promise<LeaseInfo | null>;
  /** Lets these leases expire now (a process stopping on purpose), so another process resumes the runs at once. */
  releaseLeases(owner: string, ids: readonly string[]): Promise<void>;
  /** The user's chat turn still in progress for this useChat chat id, newest first; null when there is none. */
  findLiveChatTurn(userId: string, chatId: string): Promise<ExecutionSummary | null>;
  /**
   * Stores a person's decision on a waiting task of the user's run; false when the task was decided already (or the
   * run is not the user's). Once stored it is not lost: the run applies it live, or when it resumes.
   */
  recordDecision(executionId: string, userId: string, decision: Omit<TaskDecisionRecord, 'at'>): Promise<boolean>;
  /** Every stored decision of a run (a resume applies those its log does not have yet). */
  listDecisions(executionId: string): Promise<TaskDecisionRecord[]>;
  /**
   * A parked run made runnable again: `running`, held by nobody, its lease lapsed - the caller claims it (or queues
   * it) and should the caller die first, any sweep does. False when it was not parked.
   */
  wakeRun(executionId: string, userId: string): Promise<boolean>;
  /** Parked runs whose wake time (an approval_timeout) has come, made runnable as above; returns their ids. */
  wakeDueRuns(limit?: number): Promise<string[]>;
  /** The user's runs that finished in (since, until], counted and timed per minute, kind and status (run-stats.ts). */
  runStats(userId: string, window: { since: Date; until: Date }): Promise<RunStats>;
}
