import { createHash, randomUUID } from 'node:crypto';
import type { ToolContext } from '../tool.js';

/**
 * The id of a row a tool call creates, derived from the run and the task: a retried attempt finds the row
 * its first attempt wrote instead of writing a second letter, event or matter.
 */
export function stableId(prefix: string, ctx: Pick<ToolContext, 'executionId' | 'taskId'>, index = 0): string {
  if (!ctx.executionId || !ctx.taskId) return `${prefix}-${randomUUID()}`;
  const digest = createHash('sha256').update(`${ctx.executionId}\u0000${ctx.taskId}\u0000${index}`).digest('hex');
  return `${prefix}-${digest.slice(0, 24)}`;
}
