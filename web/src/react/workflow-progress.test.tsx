// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { intakeRun } from './test-events.js';
import { WorkflowProgress } from './workflow-progress.js';
import { initialWorkflowStatus, workflowStatusReducer } from './workflow-status-reducer.js';

afterEach(cleanup);

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
});
