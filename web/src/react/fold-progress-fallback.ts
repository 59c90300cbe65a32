// Stand-in until src/streams/fold-progress.ts lands; same signatures, so the switch is one import line.
import type { WorkflowEvent } from '../../../src/streams/events.js';
import type { ProgressSnapshot, TaskSnapshot } from '../../../src/streams/progress-snapshot.js';

export function emptySnapshot(executionId: string): ProgressSnapshot {
  return {
    executionId,
    status: 'running',
    tasks: [],
    counts: { total: 0, pending: 0, running: 0, completed: 0, failed: 0, skipped: 0 },
    progressPercentage: 0,
    estimatedTimeRemainingMs: null,
  };
}

function withTask(snapshot: ProgressSnapshot, id: string, fn: string, patch: (task: TaskSnapshot) => TaskSnapshot): TaskSnapshot[] {
  const known = snapshot.tasks.some((task) => task.id === id);
  const base: TaskSnapshot[] = known
    ? snapshot.tasks
    : [...snapshot.tasks, { id, name: id, function: fn, status: 'pending', dependencies: [], attempts: 0 }];
  return base.map((task) => (task.id === id ? patch(task) : task));
}

function recount(snapshot: ProgressSnapshot): ProgressSnapshot {
  const counts = { total: snapshot.tasks.length, pending: 0, running: 0, completed: 0, failed: 0, skipped: 0 };
  for (const task of snapshot.tasks) counts[task.status] += 1;
  const done = counts.completed + counts.failed + counts.skipped;
  const progressPercentage = counts.total === 0 ? snapshot.progressPercentage : Math.round((done / counts.total) * 100);
  return { ...snapshot, counts, progressPercentage: Math.max(progressPercentage, snapshot.progressPercentage) };
}

export function foldProgress(snapshot: ProgressSnapshot, event: WorkflowEvent): ProgressSnapshot {
  switch (event.type) {
    case 'workflow-start':
      return recount({
        ...snapshot,
        workflowId: event.workflowId,
        name: event.name,
        startedAt: event.at,
        tasks: event.tasks.map((info) => ({
          id: info.id,
          name: info.name,
          function: info.function,
          status: 'pending',
          dependencies: info.dependencies,
          parallelGroup: info.parallelGroup,
          attempts: 0,
        })),
      });
    case 'task-start':
      return recount({
        ...snapshot,
        tasks: withTask(snapshot, event.taskId, event.function, (task) => ({
          ...task,
          status: 'running',
          attempts: event.attempt,
          startedAt: event.at,
          finishedAt: undefined,
          error: undefined,
        })),
      });
    case 'task-retry':
      return { ...snapshot, tasks: withTask(snapshot, event.taskId, '', (task) => ({ ...task, attempts: event.attempt })) };
    case 'task-progress':
      return { ...snapshot, tasks: withTask(snapshot, event.taskId, '', (task) => ({ ...task, progress: event.data })) };
    case 'task-complete':
      return recount({
        ...snapshot,
        tasks: withTask(snapshot, event.taskId, '', (task) => ({
          ...task,
          status: 'completed',
          result: event.result,
          durationMs: event.durationMs,
          attempts: event.attempts,
          startedAt: task.startedAt ?? event.at,
          finishedAt: event.at,
        })),
      });
    case 'task-failed':
      return recount({
        ...snapshot,
        tasks: withTask(snapshot, event.taskId, '', (task) => ({
          ...task,
          status: 'failed',
          error: event.error,
          durationMs: event.durationMs,
          attempts: event.attempts,
          startedAt: task.startedAt ?? event.at,
          finishedAt: event.at,
        })),
      });
    case 'task-skipped':
      return recount({
        ...snapshot,
        tasks: withTask(snapshot, event.taskId, '', (task) => ({ ...task, status: 'skipped', reason: event.reason, finishedAt: event.at })),
      });
    case 'circuit-breaker':
      return snapshot;
    case 'workflow-progress':
      return {
        ...snapshot,
        progressPercentage: Math.max(snapshot.progressPercentage, event.progressPercentage),
        estimatedTimeRemainingMs: event.estimatedTimeRemainingMs,
      };
    case 'workflow-finish':
      return recount({
        ...snapshot,
        status: event.status,
        durationMs: event.durationMs,
        estimatedTimeRemainingMs: 0,
        progressPercentage: 100,
        tasks: snapshot.tasks.map((task) => {
          const outcome = event.tasks[task.id];
          return outcome ? { ...task, ...outcome, finishedAt: task.finishedAt ?? event.at } : task;
        }),
      });
  }
}
