import type { ErrorInfo } from '../protocol/index.js';
import type { Tool } from '../tools/tool.js';
import type { CompiledTask } from '../workflows/types.js';

/** A person's decision on a task waiting for approval (or the run's own, when `approval_timeout` ran out). */
export interface TaskDecision {
  taskId: string;
  approved: boolean;
  /** The user who decided, or `timeout`. */
  by: string;
  reason?: string;
}

/** What a run's log says about one task's approval: asked (with the arguments shown), and maybe decided. */
export interface ApprovalRecord {
  input: unknown;
  expiresAt?: string;
  decision?: Omit<TaskDecision, 'taskId'>;
}

/** `approval: required` on the task, or a tool configured to need approval (needs_approval, APPROVAL_REQUIRED_TOOLS). */
export function needsApproval(task: CompiledTask, tool: Tool | undefined): boolean {
  return task.approval === 'required' || tool?.needs_approval === true;
}

/** The error a denied task fails with. */
export function deniedError(decision: Omit<TaskDecision, 'taskId'>): ErrorInfo {
  if (decision.by === 'timeout') return { code: 'denied', message: decision.reason ?? 'Nobody approved the task in time' };
  return { code: 'denied', message: `Denied by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}` };
}
