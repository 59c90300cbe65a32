/**
 * Run events (workflows and chat turns' tool calls): camelCase JSON with a kebab-case `type`, each with `executionId` and an ISO `at`.
 * This is the machine interface (CLI `--json`, SSE, the store's log, the UI reducer): keep it stable.
 */
export interface ErrorInfo {
  code: string;
  message: string;
  /** HTTP status, for `http_error`. */
  status?: number;
}

/** `waiting`: held for a person's approval (`approval: required`, or a tool that needs approval). */
export type TaskStatus = 'pending' | 'running' | 'waiting' | 'completed' | 'failed' | 'skipped';
/** `waiting`: parked - nothing runs until someone decides on a waiting task. */
export type WorkflowStatus = 'running' | 'waiting' | 'completed' | 'partial' | 'failed' | 'cancelled';
export type BreakerState = 'closed' | 'open' | 'half-open';

interface Base {
  executionId: string;
  at: string;
}

export interface TaskInfo {
  id: string;
  name: string;
  function: string;
  dependencies: string[];
  parallelGroup?: string;
  critical: boolean;
  /** Runs only after a person approves it. */
  approval?: boolean;
}

export interface WorkflowStartEvent extends Base {
  type: 'workflow-start';
  workflowId: string;
  name: string;
  input: Record<string, unknown>;
  tasks: TaskInfo[];
}
export interface TaskStartEvent extends Base {
  type: 'task-start';
  taskId: string;
  function: string;
  attempt: number;
  /** The resolved arguments the tool is called with. */
  input?: unknown;
}
export interface TaskRetryEvent extends Base {
  type: 'task-retry';
  taskId: string;
  attempt: number;
  error: ErrorInfo;
  delayMs: number;
}
export interface TaskProgressEvent extends Base {
  type: 'task-progress';
  taskId: string;
  data: unknown;
}
export interface TaskCompleteEvent extends Base {
  type: 'task-complete';
  taskId: string;
  result: unknown;
  durationMs: number;
  attempts: number;
  /** Set when the result was reused from an earlier run (retry of a failed run). */
  reused?: boolean;
}
export interface TaskFailedEvent extends Base {
  type: 'task-failed';
  taskId: string;
  error: ErrorInfo;
  durationMs: number;
  attempts: number;
}
export interface TaskSkippedEvent extends Base {
  type: 'task-skipped';
  taskId: string;
  reason: string;
}
/** A task is held until its run's owner approves or denies it (POST /api/executions/:id/tasks/:taskId/approval). */
export interface TaskApprovalRequestEvent extends Base {
  type: 'task-approval-request';
  taskId: string;
  function: string;
  /** The resolved arguments the task will run with once approved. */
  input: unknown;
  /** ISO time at which it is denied if nobody decided (`approval_timeout`). */
  expiresAt?: string;
}
/** The decision on a waiting task: approved, it runs; denied, it fails with `denied`. */
export interface TaskApprovalEvent extends Base {
  type: 'task-approval';
  taskId: string;
  approved: boolean;
  /** Who decided: the user id, or `timeout` when `approval_timeout` ran out. */
  by: string;
  reason?: string;
}
export interface CircuitBreakerEvent extends Base {
  type: 'circuit-breaker';
  tool: string;
  state: BreakerState;
}
export interface WorkflowProgressEvent extends Base {
  type: 'workflow-progress';
  currentTasks: string[];
  completedTasks: string[];
  pendingTasks: string[];
  failedTasks: string[];
  skippedTasks: string[];
  /** Tasks waiting for approval (absent in logs written before approvals existed). */
  waitingTasks?: string[];
  progressPercentage: number;
  estimatedTimeRemainingMs: number | null;
}
export interface TaskOutcome {
  status: TaskStatus;
  result?: unknown;
  error?: ErrorInfo;
  reason?: string;
  durationMs?: number;
  attempts: number;
}
export interface WorkflowFinishEvent extends Base {
  type: 'workflow-finish';
  status: Exclude<WorkflowStatus, 'running' | 'waiting'>;
  tasks: Record<string, TaskOutcome>;
  durationMs: number;
  /** Why a run ended that no task of it decided: cancelled while nobody ran it, or given up (`resume_failed`). */
  error?: ErrorInfo;
}

/**
 * Nothing is left to run but tasks waiting for approval: the run parks (its process lets go of it, nothing is held
 * in memory) until a decision, or `wakeAt`, resumes it from the log.
 */
export interface WorkflowWaitingEvent extends Base {
  type: 'workflow-waiting';
  waitingTasks: string[];
  /** The earliest `expiresAt` of the waiting tasks: when the run wakes by itself to deny them. */
  wakeAt?: string;
}

/** A run picked up again from its log after its process went away; `reusedTasks` settled before and are not run again. */
export interface RunResumedEvent extends Base {
  type: 'run-resumed';
  /** 1 for the first resume, 2 for the second, ... */
  attempt: number;
  reusedTasks: string[];
}

export type TaskEvent =
  | TaskStartEvent
  | TaskRetryEvent
  | TaskProgressEvent
  | TaskCompleteEvent
  | TaskFailedEvent
  | TaskSkippedEvent;

export type WorkflowEvent =
  | WorkflowStartEvent
  | TaskEvent
  | CircuitBreakerEvent
  | WorkflowProgressEvent
  | TaskApprovalRequestEvent
  | TaskApprovalEvent
  | WorkflowWaitingEvent
  | RunResumedEvent
  | WorkflowFinishEvent;

export type WorkflowEventType = WorkflowEvent['type'];
