import type { ErrorInfo, TaskOutcome, WorkflowEvent } from '../protocol/index.js';
import type { LoggableEvent } from './execution-types.js';

/** What a batch of logged events changes on its execution row. */
export interface ExecutionPatch {
  /** `at` of a `workflow-start` in the batch: the run is running from then. */
  startedAt: string | null;
  finishStatus: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /** Task states to merge into the row's (or to replace them, when the batch starts or finishes the run). */
  tasks: Record<string, TaskOutcome> | null;
  replaceTasks: boolean;
  error: ErrorInfo | null;
  /** `wakeAt` of a `workflow-waiting` in the batch (the run parks; `finishStatus` is then `waiting`). */
  wakeAt: string | null;
  /** Approval requests minus decisions in the batch: the change to the row's count of open ones. */
  openApprovals: number;
}

/** Folds events, in log order, into the change they make to the execution row. Unknown event types change nothing. */
export function foldExecutionPatch(events: readonly LoggableEvent[], now = () => new Date().toISOString()): ExecutionPatch {
  const patch: ExecutionPatch = {
    startedAt: null,
    finishStatus: null,
    finishedAt: null,
    durationMs: null,
    tasks: null,
    replaceTasks: false,
    error: null,
    wakeAt: null,
    openApprovals: 0,
  };
  // patch.tasks is always this fold's own object (fresh, or a copy of the finish's), so it is filled in place
  const setTask = (taskId: string, outcome: TaskOutcome) => {
    (patch.tasks ??= {})[taskId] = outcome;
  };
  for (const loggable of events) {
    const event = loggable as unknown as WorkflowEvent;
    switch (event.type) {
      case 'workflow-start':
        patch.startedAt ??= event.at ?? now();
        patch.tasks = Object.fromEntries(event.tasks.map((t) => [t.id, { status: 'pending', attempts: 0 }]));
        patch.replaceTasks = true;
        break;
      case 'task-start':
        setTask(event.taskId, { status: 'running', attempts: event.attempt });
        break;
      case 'task-retry':
        setTask(event.taskId, { status: 'running', attempts: event.attempt, error: event.error });
        break;
      case 'task-complete':
        setTask(event.taskId, {
          status: 'completed',
          result: event.result,
          durationMs: event.durationMs,
          attempts: event.attempts,
        });
        break;
      case 'task-failed':
        setTask(event.taskId, {
          status: 'failed',
          error: event.error,
          durationMs: event.durationMs,
          attempts: event.attempts,
        });
        break;
      case 'task-skipped':
        setTask(event.taskId, { status: 'skipped', reason: event.reason, attempts: 0 });
        break;
      case 'workflow-finish':
        patch.finishStatus = event.status;
        patch.finishedAt = event.at ?? now();
        patch.durationMs = event.durationMs;
        patch.tasks = { ...event.tasks };
        patch.replaceTasks = true;
        if (event.status === 'failed') {
          patch.error = Object.values(event.tasks).find((t) => t.status === 'failed')?.error ?? event.error ?? null;
        } else if (event.error) {
          patch.error = event.error;
        }
        break;
      case 'task-approval-request':
        setTask(event.taskId, { status: 'waiting', attempts: 0 });
        patch.openApprovals += 1;
        break;
      case 'task-approval':
        // approved: pending until it starts; denied: its task-failed follows
        setTask(event.taskId, { status: 'pending', attempts: 0 });
        patch.openApprovals -= 1;
        break;
      case 'workflow-waiting':
        patch.finishStatus = 'waiting';
        patch.wakeAt = event.wakeAt ?? null;
        break;
      case 'run-resumed':
        // the row stays `running`; which tasks were reused is in the event itself
        break;
      default:
        break;
    }
  }
  return patch;
}
