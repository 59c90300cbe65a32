// Event fixtures shared by the web tests: a legal_intake-shaped run with two parallel tasks at the end.
import type { WorkflowEvent } from '../../../src/protocol/index.js';

const executionId = 'exec-1';
const at = (ms: number) => new Date(Date.UTC(2025, 0, 1, 9, 0, 0, ms)).toISOString();

export const intakeTasks = [
  { id: 'list_emails', name: 'List emails', function: 'list_emails', dependencies: [], critical: true },
  { id: 'extract', name: 'Extract client info', function: 'extract_legal_info', dependencies: ['list_emails'], critical: true },
  { id: 'confirm', name: 'Confirmation email', function: 'send_email', dependencies: ['extract'], parallelGroup: 'notify', critical: false },
  { id: 'record', name: 'Update client record', function: 'update_client_record', dependencies: ['extract'], parallelGroup: 'notify', critical: false },
];

/** seq -> event, in log order. */
export function intakeRun(outcome: 'completed' | 'failed' = 'completed'): Array<{ seq: number; event: WorkflowEvent }> {
  const events: WorkflowEvent[] = [
    { type: 'workflow-start', executionId, at: at(0), workflowId: 'legal_intake', name: 'Legal intake', input: {}, tasks: intakeTasks },
    { type: 'task-start', executionId, at: at(10), taskId: 'list_emails', function: 'list_emails', attempt: 1 },
    { type: 'task-complete', executionId, at: at(110), taskId: 'list_emails', result: { count: 3 }, durationMs: 100, attempts: 1 },
    { type: 'task-start', executionId, at: at(120), taskId: 'extract', function: 'extract_legal_info', attempt: 1 },
    { type: 'task-complete', executionId, at: at(220), taskId: 'extract', result: { client: 'Ada' }, durationMs: 100, attempts: 1 },
    { type: 'task-start', executionId, at: at(230), taskId: 'confirm', function: 'send_email', attempt: 1 },
    { type: 'task-start', executionId, at: at(231), taskId: 'record', function: 'update_client_record', attempt: 1 },
    {
      type: 'workflow-progress', executionId, at: at(232), currentTasks: ['confirm', 'record'], completedTasks: ['list_emails', 'extract'],
      pendingTasks: [], failedTasks: [], skippedTasks: [], progressPercentage: 50, estimatedTimeRemainingMs: 300,
    },
    outcome === 'completed'
      ? { type: 'task-complete', executionId, at: at(400), taskId: 'confirm', result: { sent: true }, durationMs: 170, attempts: 1 }
      : { type: 'task-failed', executionId, at: at(400), taskId: 'confirm', error: { code: 'tool_failed', message: 'SMTP refused' }, durationMs: 170, attempts: 2 },
    { type: 'task-complete', executionId, at: at(500), taskId: 'record', result: { updated: true }, durationMs: 269, attempts: 1 },
    {
      type: 'workflow-finish', executionId, at: at(510), status: outcome === 'completed' ? 'completed' : 'partial', durationMs: 510,
      tasks: {},
    },
  ];
  return events.map((event, index) => ({ seq: index + 1, event }));
}
