import type { TaskCompleteEvent, TaskFailedEvent, TaskOutcome } from '../protocol/index.js';

/** How a settled task ended, as a run's `workflow-finish` reports it. */
export function outcomeOf(event: TaskCompleteEvent | TaskFailedEvent): TaskOutcome {
  return event.type === 'task-complete'
    ? { status: 'completed', result: event.result, durationMs: event.durationMs, attempts: event.attempts }
    : { status: 'failed', error: event.error, durationMs: event.durationMs, attempts: event.attempts };
}
