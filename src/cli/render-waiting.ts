import type { TaskApprovalRequestEvent, WorkflowWaitingEvent } from '../protocol/index.js';

/**
 * What a parked run waits for and how to decide: the `sapflow approve` line for each waiting task, and the HTTP call
 * for a gateway on the same store.
 */
export function renderWaiting(
  waiting: WorkflowWaitingEvent,
  asked: ReadonlyMap<string, TaskApprovalRequestEvent>,
  { bold, dim, yellow }: { bold: (s: string) => string; dim: (s: string) => string; yellow: (s: string) => string },
  gatewayUrl = 'http://localhost:3000',
): string {
  const id = waiting.executionId;
  const lines = [yellow(`⏸ The run waits for approval of ${waiting.waitingTasks.map((t) => bold(t)).join(', ')}; nothing runs until someone decides.`)];
  for (const taskId of waiting.waitingTasks) {
    const request = asked.get(taskId);
    lines.push('', `  ${bold(taskId)}${request ? ` (${request.function})` : ''} will run with:`);
    if (request) lines.push(...JSON.stringify(request.input, null, 2).split('\n').map((line) => `    ${line}`));
    if (request?.expiresAt) lines.push(dim(`    denied at ${request.expiresAt} unless someone decides first`));
    lines.push(`  approve: sapflow approve ${id} ${taskId}`, `  deny:    sapflow approve ${id} ${taskId} --deny --reason "..."`);
  }
  const first = waiting.waitingTasks[0] ?? '<task>';
  lines.push(
    '',
    dim(`  or, through a gateway on the same store: curl -X POST ${gatewayUrl}/api/executions/${id}/tasks/${first}/approval \\`),
    dim(`    -H 'content-type: application/json' -d '{"approved": true}'`),
  );
  return `${lines.join('\n')}\n`;
}
