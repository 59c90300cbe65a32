import { describe, expect, it } from 'vitest';
import type { WorkflowEvent } from './events.js';
import { emptySnapshot, foldProgress } from './fold-progress.js';

const at = '2026-01-01T00:00:00.000Z';
const ids = { executionId: 'e', at };

describe('foldProgress', () => {
  it('folds a workflow run into a snapshot with counts and percentage', () => {
    const events: WorkflowEvent[] = [
      { type: 'workflow-start', ...ids, workflowId: 'w', name: 'W', input: {}, tasks: [
        { id: 'a', name: 'A', function: 'f', dependencies: [], critical: true },
        { id: 'b', name: 'B', function: 'g', dependencies: ['a'], critical: true },
      ] },
      { type: 'task-start', ...ids, taskId: 'a', function: 'f', attempt: 1 },
      { type: 'task-complete', ...ids, taskId: 'a', result: 1, durationMs: 5, attempts: 1 },
      { type: 'task-skipped', ...ids, taskId: 'b', reason: 'no' },
      { type: 'workflow-finish', ...ids, status: 'completed', tasks: {}, durationMs: 9 },
    ];
    const mid = events.slice(0, 2).reduce(foldProgress, emptySnapshot('e'));
    expect(mid.counts).toMatchObject({ total: 2, running: 1, pending: 1 });
    expect(mid.progressPercentage).toBe(0);
    const end = events.reduce(foldProgress, emptySnapshot('e'));
    expect(end.counts).toMatchObject({ completed: 1, skipped: 1 });
    expect(end.progressPercentage).toBe(100);
    expect(end.status).toBe('completed');
    expect(end.tasks.find((t) => t.id === 'b')?.reason).toBe('no');
  });

  it('adds tasks it has not seen (chat tool calls) and keeps the latest attempt', () => {
    const s = [
      { type: 'task-start', ...ids, taskId: 'call_1', function: 'triage_emails', attempt: 1 },
      { type: 'task-retry', ...ids, taskId: 'call_1', attempt: 1, error: { code: 'timeout', message: 't' }, delayMs: 10 },
      { type: 'task-start', ...ids, taskId: 'call_1', function: 'triage_emails', attempt: 2 },
      { type: 'task-failed', ...ids, taskId: 'call_1', error: { code: 'timeout', message: 't' }, durationMs: 30, attempts: 2 },
    ].reduce((acc, e) => foldProgress(acc, e as WorkflowEvent), emptySnapshot('e'));
    expect(s.tasks).toHaveLength(1);
    expect(s.tasks[0]).toMatchObject({ id: 'call_1', function: 'triage_emails', status: 'failed', attempts: 2 });
    expect(s.counts.failed).toBe(1);
  });

  it('counts a task waiting for approval, keeps what it will run with, and says the run waits once it parks', () => {
    const events: WorkflowEvent[] = [
      { type: 'workflow-start', ...ids, workflowId: 'w', name: 'W', input: {}, tasks: [{ id: 'send', name: 'Send', function: 'send_email', dependencies: [], critical: true, approval: true }] },
      { type: 'task-approval-request', ...ids, taskId: 'send', function: 'send_email', input: { to: 'a@b.c' }, expiresAt: at },
      { type: 'workflow-waiting', ...ids, waitingTasks: ['send'], wakeAt: at },
    ];
    const parked = events.reduce(foldProgress, emptySnapshot('e'));
    expect(parked.status).toBe('waiting');
    expect(parked.counts).toMatchObject({ total: 1, waiting: 1, pending: 0 });
    expect(parked.tasks[0]).toMatchObject({ status: 'waiting', approval: { input: { to: 'a@b.c' }, expiresAt: at } });
    const decided = [
      ...events,
      { type: 'task-approval', ...ids, taskId: 'send', approved: false, by: 'alice', reason: 'no' },
      { type: 'run-resumed', ...ids, attempt: 0, reusedTasks: [] },
      { type: 'task-failed', ...ids, taskId: 'send', error: { code: 'denied', message: 'Denied by alice: no' }, durationMs: 0, attempts: 0 },
    ] as WorkflowEvent[];
    const end = decided.reduce(foldProgress, emptySnapshot('e'));
    expect(end.status).toBe('running');
    expect(end.counts).toMatchObject({ waiting: 0, failed: 1 });
    expect(end.tasks[0]).toMatchObject({ status: 'failed', approval: { input: { to: 'a@b.c' }, approved: false, by: 'alice', reason: 'no' } });
  });
});
