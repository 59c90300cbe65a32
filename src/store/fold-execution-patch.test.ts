import { describe, expect, it } from 'vitest';
import type { WorkflowEvent } from '../protocol/index.js';
import { foldExecutionPatch } from './fold-execution-patch.js';

const base = { executionId: 'x', at: '2025-01-01T00:00:00.000Z' };

describe('foldExecutionPatch', () => {
  it('changes nothing for events that do not move the row', () => {
    const progress: WorkflowEvent = { ...base, type: 'task-progress', taskId: 'a', data: 1 };
    const patch = foldExecutionPatch([progress, { type: 'chat-text', executionId: 'x' }]);
    expect(patch).toEqual({
      startedAt: null,
      finishStatus: null,
      finishedAt: null,
      durationMs: null,
      tasks: null,
      replaceTasks: false,
      error: null,
      wakeAt: null,
      openApprovals: 0,
    });
  });

  it('parks the row on workflow-waiting and counts approval requests not yet decided', () => {
    const patch = foldExecutionPatch([
      { ...base, type: 'task-approval-request', taskId: 'a', function: 'f', input: {} },
      { ...base, type: 'task-approval-request', taskId: 'b', function: 'f', input: {} },
      { ...base, type: 'task-approval', taskId: 'a', approved: true, by: 'alice' },
      { ...base, type: 'workflow-waiting', waitingTasks: ['b'], wakeAt: '2030-01-01T00:01:00.000Z' },
    ] as WorkflowEvent[]);
    expect(patch).toMatchObject({ finishStatus: 'waiting', wakeAt: '2030-01-01T00:01:00.000Z', openApprovals: 1, finishedAt: null });
    expect(patch.tasks).toEqual({ a: { status: 'pending', attempts: 0 }, b: { status: 'waiting', attempts: 0 } });
  });

  it('starts every task pending, then merges each task’s latest state', () => {
    const events: WorkflowEvent[] = [
      {
        ...base,
        type: 'workflow-start',
        workflowId: 'w',
        name: 'W',
        input: {},
        tasks: [
          { id: 'a', name: 'a', function: 'f', dependencies: [], critical: true },
          { id: 'b', name: 'b', function: 'f', dependencies: ['a'], critical: false },
        ],
      },
      { ...base, type: 'task-start', taskId: 'a', function: 'f', attempt: 1 },
      { ...base, type: 'task-retry', taskId: 'a', attempt: 1, error: { code: 'timeout', message: 't' }, delayMs: 5 },
      { ...base, type: 'task-start', taskId: 'a', function: 'f', attempt: 2 },
      { ...base, type: 'task-complete', taskId: 'a', result: 42, durationMs: 7, attempts: 2 },
      { ...base, type: 'task-skipped', taskId: 'b', reason: 'condition false' },
    ];
    const patch = foldExecutionPatch(events);
    expect(patch.startedAt).toBe(base.at);
    expect(patch.replaceTasks).toBe(true);
    expect(patch.tasks).toEqual({
      a: { status: 'completed', result: 42, durationMs: 7, attempts: 2 },
      b: { status: 'skipped', reason: 'condition false', attempts: 0 },
    });
    expect(foldExecutionPatch(events.slice(1, 2))).toMatchObject({ replaceTasks: false, tasks: { a: { status: 'running' } } });
  });

  it('takes the final status, timings and outcomes from workflow-finish, and the first failure as the error', () => {
    const finish: WorkflowEvent = {
      ...base,
      type: 'workflow-finish',
      status: 'failed',
      durationMs: 12.5,
      tasks: {
        a: { status: 'completed', attempts: 1 },
        b: { status: 'failed', error: { code: 'tool_error', message: 'boom' }, attempts: 3 },
      },
    };
    const patch = foldExecutionPatch([finish]);
    expect(patch).toMatchObject({
      finishStatus: 'failed',
      finishedAt: base.at,
      durationMs: 12.5,
      replaceTasks: true,
      error: { code: 'tool_error', message: 'boom' },
    });
  });
});
