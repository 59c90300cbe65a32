import { describe, expect, it } from 'vitest';
import type { WorkflowEvent } from '../protocol/index.js';
import { approvalState, workflowResumePoint } from './resume-point.js';

const ids = { executionId: 'e', at: '2030-01-01T00:00:00.000Z' };
const LOG: WorkflowEvent[] = [
  { type: 'workflow-start', ...ids, workflowId: 'w', name: 'w', input: {}, tasks: [] },
  { type: 'task-approval-request', ...ids, taskId: 'letter', function: 'f', input: { a: 1 }, expiresAt: '2030-01-02T00:00:00.000Z' },
  { type: 'task-approval-request', ...ids, taskId: 'email', function: 'f', input: { b: 2 } },
  { type: 'task-approval', ...ids, taskId: 'letter', approved: true, by: 'alice', reason: 'ok' },
  // a second decision in the log (two deciders racing) changes nothing: the first stands
  { type: 'task-approval', ...ids, taskId: 'letter', approved: false, by: 'bob' },
  { type: 'task-complete', ...ids, taskId: 'plain', result: 1, durationMs: 1, attempts: 1 },
];

describe('approvals in a run log', () => {
  it('are read into the resume point: asked with their arguments and deadline, and the first decision', () => {
    expect(workflowResumePoint(LOG).approvals).toEqual({
      letter: { input: { a: 1 }, expiresAt: '2030-01-02T00:00:00.000Z', decision: { approved: true, by: 'alice', reason: 'ok' } },
      email: { input: { b: 2 } },
    });
  });

  it('tell where a task stands: decided, waiting, settled or never asked', () => {
    expect(approvalState(LOG, 'letter')).toBe('decided');
    expect(approvalState(LOG, 'email')).toBe('waiting');
    expect(approvalState(LOG, 'plain')).toBe('settled');
    expect(approvalState(LOG, 'other')).toBe('not-asked');
  });
});
