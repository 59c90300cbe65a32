// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WorkflowEvent } from '../../../src/protocol/index.js';
import { intakeRun } from './test-events.js';
import { WorkflowProgress } from './workflow-progress.js';
import { initialWorkflowStatus, workflowStatusReducer } from './workflow-status-reducer.js';

afterEach(cleanup);

const at = (ms: number) => new Date(Date.UTC(2025, 0, 1, 9, 0, 0, ms)).toISOString();

const snapshotAfter = (count: number, outcome: 'completed' | 'failed' = 'completed') =>
  intakeRun(outcome)
    .slice(0, count)
    .reduce((state, { seq, event }) => workflowStatusReducer(state, { type: 'event', seq, event }), initialWorkflowStatus('exec-1')).snapshot;

describe('WorkflowProgress', () => {
  it('has a progressbar with aria-valuenow and the running tasks as lanes, told by word not colour', () => {
    render(<WorkflowProgress snapshot={snapshotAfter(8)} />);
    const bar = screen.getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('50');
    expect(bar.getAttribute('aria-valuemin')).toBe('0');
    expect(bar.getAttribute('aria-valuemax')).toBe('100');
    expect(screen.getByText(/2 in parallel/)).toBeTruthy();
    const lanes = document.querySelectorAll('.sf-lane');
    expect([...lanes].map((lane) => lane.getAttribute('data-task-id'))).toEqual(['confirm', 'record']);
    expect(lanes[0]!.textContent).toContain('Running');
    expect(screen.getByText(/About 300 ms left|Almost done/)).toBeTruthy();
    const completed = document.querySelector('[data-task-id="list_emails"]')!;
    expect(completed.textContent).toContain('Completed');
    expect(completed.textContent).toContain('100 ms');
  });

  it('shows a failed task with its error and a Retry that says completed results are reused', () => {
    const onRetry = vi.fn();
    render(<WorkflowProgress snapshot={snapshotAfter(11, 'failed')} onRetry={onRetry} />);
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(screen.getByTestId('workflow-status').textContent).toContain('Partly completed');
    const failed = document.querySelector('[data-task-id="confirm"]')!;
    expect(failed.textContent).toContain('Failed');
    expect(failed.textContent).toContain('tool_failed: SMTP refused');
    expect(screen.getByText(/results of the 3 completed tasks are reused/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it('greys skipped tasks and names the reason', () => {
    const snapshot = snapshotAfter(5);
    const withSkip = workflowStatusReducer(
      { ...initialWorkflowStatus('exec-1'), snapshot },
      { type: 'event', seq: 6, event: { type: 'task-skipped', executionId: 'exec-1', at: new Date().toISOString(), taskId: 'confirm', reason: 'condition was false' } },
    ).snapshot;
    render(<WorkflowProgress snapshot={withSkip} />);
    const skipped = document.querySelector('[data-task-id="confirm"]')!;
    expect(skipped.closest('.sf-skipped')).toBeTruthy();
    expect(skipped.textContent).toContain('Skipped');
    expect(skipped.textContent).toContain('condition was false');
  });

  it('fills the bar as far as the number says on a finished run that skipped tasks, the skipped part drawn apart', () => {
    // three tasks: the first completes, its condition-gated dependants are skipped, the run completes
    const run: WorkflowEvent[] = [
      { type: 'workflow-start', executionId: 'exec-2', at: at(0), workflowId: 'gated', name: 'Gated', input: {}, tasks: [
        { id: 'check', name: 'Check', function: 'f', dependencies: [], critical: true },
        { id: 'notify', name: 'Notify', function: 'f', dependencies: ['check'], critical: false },
        { id: 'record', name: 'Record', function: 'f', dependencies: ['check'], critical: false },
      ] },
      { type: 'task-start', executionId: 'exec-2', at: at(1), taskId: 'check', function: 'f', attempt: 1 },
      { type: 'task-complete', executionId: 'exec-2', at: at(90), taskId: 'check', result: {}, durationMs: 89, attempts: 1 },
      { type: 'task-skipped', executionId: 'exec-2', at: at(91), taskId: 'notify', reason: 'condition was false' },
      { type: 'task-skipped', executionId: 'exec-2', at: at(91), taskId: 'record', reason: 'condition was false' },
      { type: 'workflow-finish', executionId: 'exec-2', at: at(92), status: 'completed', durationMs: 92, tasks: {} },
    ];
    const snapshot = run.reduce((state, event, i) => workflowStatusReducer(state, { type: 'event', seq: i + 1, event }), initialWorkflowStatus('exec-2')).snapshot;
    render(<WorkflowProgress snapshot={snapshot} />);

    const bar = screen.getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('100');
    expect(bar.getAttribute('aria-valuetext')).toBe('100% - 3 of 3 tasks done, 2 of them skipped');
    expect(document.querySelector('.sf-counts')!.textContent).toBe('100% · 3 of 3 tasks done · 1 completed · 2 skipped');
    const parts = [...bar.querySelectorAll<HTMLElement>('.sf-bar-fill')].map((el) => [el.dataset.part, parseFloat(el.style.width)]);
    expect(parts).toEqual([['completed', expect.closeTo(33.33, 1)], ['skipped', expect.closeTo(66.67, 1)]]);
    // the parts together are the number: the bar is full when it says 100 %
    expect(parts.reduce((sum, [, width]) => sum + (width as number), 0)).toBeCloseTo(100);
  });

  it('leaves the unsettled part of a running run empty: the parts add up to its percentage', () => {
    const snapshot = snapshotAfter(8);
    render(<WorkflowProgress snapshot={snapshot} />);
    const widths = [...document.querySelectorAll<HTMLElement>('.sf-bar-fill')].map((el) => parseFloat(el.style.width));
    expect(widths).toEqual([50]);
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('50');
  });
});
