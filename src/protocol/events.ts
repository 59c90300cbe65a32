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

export type TaskStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';
export type WorkflowStatus = 'running' | 'completed' | 'partial' | 'failed' | 'cancelled';
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
  status: Exclude<WorkflowStatus, 'running'>;
  tasks: Record<string, TaskOutcome>;
  durationMs: number;
  /** Why a run ended that no task of it decided: cancelled while nobody ran it, or given up (`resume_failed`). */
  error?: ErrorInfo;
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
  | RunResumedEvent
  | WorkflowFinishEvent;

export type WorkflowEventType = WorkflowEvent['type'];
