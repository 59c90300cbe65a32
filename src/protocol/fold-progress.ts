import type { TaskStatus, WorkflowEvent } from './events.js';
import type { ProgressSnapshot, TaskSnapshot } from './progress-snapshot.js';

export function emptySnapshot(executionId: string): ProgressSnapshot {
  return {
    executionId,
    status: 'running',
    tasks: [],
    counts: { total: 0, pending: 0, running: 0, waiting: 0, completed: 0, failed: 0, skipped: 0 },
    progressPercentage: 0,
    estimatedTimeRemainingMs: null,
  };
}

/**
 * Folds one event into the live picture of a run. Pure: the same events always give the same snapshot, so the
 * chat's `data-workflow` part, the UI's hook and a replay from the log all agree. Task events for a task the
 * snapshot has not seen add it (chat turns have no `workflow-start` listing their tool calls up front).
 */
export function foldProgress(snapshot: ProgressSnapshot, event: WorkflowEvent): ProgressSnapshot {
  switch (event.type) {
    case 'workflow-start':
      return recount({
        ...snapshot,
        workflowId: event.workflowId,
        name: event.name,
        startedAt: event.at,
        status: 'running',
        tasks: event.tasks.map((t) => ({
          id: t.id, name: t.name, function: t.function, status: 'pending', dependencies: t.dependencies, parallelGroup: t.parallelGroup, attempts: 0,
        })),
      });
    case 'task-start':
      return patchTask(snapshot, event.taskId, { status: 'running', attempts: event.attempt, startedAt: event.at, function: event.function, error: undefined }, event.function);
    case 'task-retry':
      return patchTask(snapshot, event.taskId, { error: event.error });
    case 'task-progress':
      return patchTask(snapshot, event.taskId, { progress: event.data });
    case 'task-complete':
      return patchTask(snapshot, event.taskId, { status: 'completed', result: event.result, durationMs: event.durationMs, attempts: event.attempts, finishedAt: event.at, error: undefined });
    case 'task-failed':
      return patchTask(snapshot, event.taskId, { status: 'failed', error: event.error, durationMs: event.durationMs, attempts: event.attempts, finishedAt: event.at });
    case 'task-skipped':
      return patchTask(snapshot, event.taskId, { status: 'skipped', reason: event.reason, finishedAt: event.at });
    case 'task-approval-request':
      return patchTask(snapshot, event.taskId, { status: 'waiting', approval: { input: event.input, expiresAt: event.expiresAt } }, event.function);
    case 'task-approval': {
      const task = snapshot.tasks.find((t) => t.id === event.taskId);
      // approved: pending until its task-start; denied: its task-failed follows
      return patchTask(snapshot, event.taskId, { status: 'pending', approval: { input: task?.approval?.input, approved: event.approved, by: event.by, reason: event.reason } });
    }
    case 'workflow-waiting':
      return { ...snapshot, status: 'waiting', estimatedTimeRemainingMs: null };
    case 'workflow-progress':
      return { ...snapshot, estimatedTimeRemainingMs: event.estimatedTimeRemainingMs };
    case 'workflow-finish':
      return { ...snapshot, status: event.status, durationMs: event.durationMs, estimatedTimeRemainingMs: 0 };
    case 'circuit-breaker':
    case 'run-resumed':
      // a parked run that was woken is running again
      return snapshot.status === 'waiting' ? { ...snapshot, status: 'running' } : snapshot;
  }
}

function patchTask(snapshot: ProgressSnapshot, id: string, patch: Partial<TaskSnapshot>, fn = ''): ProgressSnapshot {
  const known = snapshot.tasks.some((t) => t.id === id);
  const tasks = known
    ? snapshot.tasks.map((t) => (t.id === id ? { ...t, ...patch } : t))
    : [...snapshot.tasks, { id, name: fn || id, function: fn, status: 'pending' as TaskStatus, dependencies: [], attempts: 0, ...patch }];
  return recount({ ...snapshot, tasks });
}

function recount(snapshot: ProgressSnapshot): ProgressSnapshot {
  const counts = { total: snapshot.tasks.length, pending: 0, running: 0, waiting: 0, completed: 0, failed: 0, skipped: 0 };
  for (const t of snapshot.tasks) counts[t.status] += 1;
  const settled = counts.completed + counts.failed + counts.skipped;
  return { ...snapshot, counts, progressPercentage: counts.total ? Math.floor((settled / counts.total) * 100) : 0 };
}
