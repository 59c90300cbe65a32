import type { ChatMessage, ChatTurnEvent, TaskOutcome, ToolCallRequest, WorkflowEvent } from '../protocol/index.js';
import { outcomeOf, stepMessages, type ApprovalRecord } from '../streams/index.js';

/** Where a workflow run stands in its log: every task that settled, and when the run began. */
export interface WorkflowResumePoint {
  /** Completed, failed and skipped tasks, as the log has them; they are not run or announced again. */
  settled: Record<string, TaskOutcome>;
  /** ms of the run's `workflow-start`; undefined when the process died before it was logged. */
  startedAt?: number;
  /** Tasks asked about (with the arguments shown and the deadline), and the decision if one came: never asked twice. */
  approvals: Record<string, ApprovalRecord>;
}

/** Reads a workflow run's log (in seq order) into the point a resume continues from. */
export function workflowResumePoint(events: readonly WorkflowEvent[]): WorkflowResumePoint {
  const point: WorkflowResumePoint = { settled: {}, approvals: {} };
  for (const event of events) {
    const outcome = settledOutcome(event);
    if (outcome) point.settled[(event as { taskId: string }).taskId] = outcome;
    else if (event.type === 'workflow-start') point.startedAt = Date.parse(event.at);
    else if (event.type === 'task-approval-request') point.approvals[event.taskId] = { input: event.input, ...(event.expiresAt ? { expiresAt: event.expiresAt } : {}) };
    else if (event.type === 'task-approval') {
      const asked = point.approvals[event.taskId] ?? { input: undefined };
      // the first decision stands: a second one in the log (two deciders racing) changes nothing
      if (!asked.decision) point.approvals[event.taskId] = { ...asked, decision: { approved: event.approved, by: event.by, ...(event.reason ? { reason: event.reason } : {}) } };
    }
  }
  return point;
}

/** Where one task stands on approval in a run's log: never asked, waiting for a decision, or decided. */
export function approvalState(events: readonly WorkflowEvent[], taskId: string): 'not-asked' | 'waiting' | 'decided' | 'settled' {
  let state: 'not-asked' | 'waiting' | 'decided' | 'settled' = 'not-asked';
  for (const event of events) {
    if (!('taskId' in event) || event.taskId !== taskId) continue;
    if (event.type === 'task-approval-request' && state === 'not-asked') state = 'waiting';
    else if (event.type === 'task-approval') state = 'decided';
    else if (settledOutcome(event) && state !== 'decided') state = 'settled';
  }
  return state;
}

/** Where a chat turn stands in its log. */
export interface ChatResumePoint {
  /** The conversation to go on from: the turn's own messages, then every step that finished. */
  messages: ChatMessage[];
  /** The model step to continue: the cut step (if it had tool calls), or the next one to ask the model for. */
  step: number;
  /** Text and tool calls of a step cut off after the model asked for tools: those calls run, the model is not asked again. */
  cut?: { text: string; calls: ToolCallRequest[] };
  /** Every tool call that settled, by toolCallId. */
  settled: Record<string, TaskOutcome>;
  /** Calls held for a person's approval (toolCallId -> approvalId): they stay held, never run by a resume. */
  held: Record<string, string>;
  startedAt?: number;
}

/**
 * Replays a chat turn's log over the messages it began with. A step whose model stream ended in tool calls keeps
 * them (completed ones are reused, the others run again with the same key); a step cut off before any tool call
 * is asked of the model again from its start.
 */
export function chatResumePoint(turnMessages: readonly ChatMessage[], events: readonly ChatTurnEvent[]): ChatResumePoint {
  const messages = [...turnMessages];
  const settled: Record<string, TaskOutcome> = {};
  const held: Record<string, string> = {};
  let startedAt: number | undefined;
  let current: { step: number; text: string; calls: ToolCallRequest[] } | undefined;
  let lastFinished = 0;
  for (const event of events) {
    const outcome = settledOutcome(event as WorkflowEvent);
    if (outcome) {
      settled[(event as { taskId: string }).taskId] = outcome;
      continue;
    }
    switch (event.type) {
      case 'workflow-start':
        startedAt = Date.parse(event.at);
        break;
      case 'step-start':
        current = { step: event.step, text: '', calls: [] };
        break;
      case 'text-delta':
        if (current) current.text += event.delta;
        break;
      case 'tool-input-available':
        current?.calls.push({ id: event.toolCallId, name: event.toolName, arguments: typeof event.input === 'string' ? event.input : JSON.stringify(event.input) });
        break;
      case 'tool-approval-request':
        held[event.toolCallId] = event.approvalId;
        break;
      case 'step-finish':
        if (!current) break;
        if (current.calls.length) messages.push(...stepMessages(current.text, current.calls, settled));
        lastFinished = current.step;
        current = undefined;
        break;
      default:
        break;
    }
  }
  if (current?.calls.length) return { messages, step: current.step, cut: { text: current.text, calls: current.calls }, settled, held, startedAt };
  return { messages, step: current?.step ?? lastFinished + 1, settled, held, startedAt };
}

function settledOutcome(event: WorkflowEvent): TaskOutcome | undefined {
  if (event.type === 'task-complete' || event.type === 'task-failed') return outcomeOf(event);
  if (event.type === 'task-skipped') return { status: 'skipped', reason: event.reason, attempts: 0 };
  return undefined;
}
