// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { initialWorkflowStatus, workflowStatusReducer, type WorkflowStatusAction, type WorkflowStatusState } from './workflow-status-reducer.js';
import type { WorkflowEvent } from '../../../src/protocol/index.js';
import { intakeRun } from './test-events.js';

const apply = (state: WorkflowStatusState, actions: WorkflowStatusAction[]) => actions.reduce(workflowStatusReducer, state);
const asActions = (run: ReturnType<typeof intakeRun>): WorkflowStatusAction[] => run.map(({ seq, event }) => ({ type: 'event', seq, event }));

describe('workflowStatusReducer', () => {
  it('folds a run: pending -> running -> completed, with two tasks running at once', () => {
    const run = asActions(intakeRun());
    const beforeParallelEnd = apply(initialWorkflowStatus('exec-1'), run.slice(0, 8));
    expect(beforeParallelEnd.snapshot.tasks.filter((task) => task.status === 'running').map((task) => task.id)).toEqual(['confirm', 'record']);
    expect(beforeParallelEnd.snapshot.counts).toMatchObject({ total: 4, completed: 2, running: 2, pending: 0 });
    expect(beforeParallelEnd.snapshot.progressPercentage).toBe(50);
    expect(beforeParallelEnd.snapshot.estimatedTimeRemainingMs).toBe(300);

    const end = apply(beforeParallelEnd, run.slice(8));
    expect(end.snapshot.status).toBe('completed');
    expect(end.snapshot.tasks.map((task) => task.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(end.snapshot.tasks.find((task) => task.id === 'record')).toMatchObject({ durationMs: 269, result: { updated: true } });
    expect(end.lastEventId).toBe(11);
    expect(end.eventsApplied).toBe(11);
  });

  it('records a failure with its error', () => {
    const end = apply(initialWorkflowStatus('exec-1'), asActions(intakeRun('failed')));
    expect(end.snapshot.status).toBe('partial');
    expect(end.snapshot.tasks.find((task) => task.id === 'confirm')).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { code: 'tool_failed', message: 'SMTP refused' },
    });
  });

  it('drops frames it already applied when a reconnect replays an overlap, and gets the same state as one clean pass', () => {
    const run = asActions(intakeRun());
    const clean = apply(initialWorkflowStatus('exec-1'), run);
    // first connection delivers 1..5 then drops; the replay after reconnect overlaps from 3 (and repeats 7)
    const replayed = apply(initialWorkflowStatus('exec-1'), [
      ...run.slice(0, 5),
      { type: 'connection', state: 'reconnecting' },
      { type: 'connection', state: 'open' },
      ...run.slice(2, 7),
      run[6]!,
      ...run.slice(7),
    ]);
    expect(replayed.snapshot).toEqual(clean.snapshot);
    expect(replayed.eventsApplied).toBe(11);
    expect(replayed.duplicatesDropped).toBe(4);
    expect(replayed.reconnects).toBe(1);
    expect(replayed.lastEventId).toBe(11);
  });

  it('a full replay of a finished run from the log rebuilds the final picture', () => {
    const run = asActions(intakeRun('failed'));
    const live = apply(initialWorkflowStatus('exec-1'), run);
    const fromLog = apply(initialWorkflowStatus('exec-1'), [{ type: 'connection', state: 'connecting' }, ...run, { type: 'connection', state: 'closed' }]);
    expect(fromLog.snapshot).toEqual(live.snapshot);
    expect(fromLog.connection).toBe('closed');
  });

  it('remembers tasks whose results a retry reused', () => {
    const [start, taskStart, complete] = intakeRun();
    const reusedComplete = { ...complete!.event, reused: true } as unknown as WorkflowEvent;
    const state = apply(initialWorkflowStatus('exec-1'), [
      { type: 'event', seq: 1, event: start!.event },
      { type: 'event', seq: 2, event: taskStart!.event },
      { type: 'event', seq: 3, event: reusedComplete },
    ]);
    expect(state.reusedTaskIds).toEqual(['list_emails']);
  });

  it('keeps the error of a stream that gave up, and clears it on the next connect', () => {
    const failed = workflowStatusReducer(initialWorkflowStatus('x'), { type: 'connection', state: 'error', error: { code: 'not_found', message: 'No such execution' } });
    expect(failed.error).toEqual({ code: 'not_found', message: 'No such execution' });
    expect(workflowStatusReducer(failed, { type: 'connection', state: 'connecting' }).error).toBeNull();
  });

  it('reset starts over for another execution', () => {
    const state = apply(initialWorkflowStatus('exec-1'), asActions(intakeRun()));
    const next = workflowStatusReducer(state, { type: 'reset', executionId: 'exec-2' });
    expect(next).toEqual(initialWorkflowStatus('exec-2'));
  });
});
