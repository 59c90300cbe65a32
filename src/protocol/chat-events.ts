import type { ErrorInfo, WorkflowEvent } from './events.js';
import type { ProgressSnapshot } from './progress-snapshot.js';

/** Why a model step (or the whole turn) ended. */
export type FinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

/** One chat turn as one ordered stream: model text, tool-call inputs, the run events of its tool calls and progress. */
export type ChatTurnEvent =
  | { type: 'step-start'; step: number }
  | { type: 'text-delta'; delta: string }
  | { type: 'tool-input-start'; toolCallId: string; toolName: string }
  | { type: 'tool-input-delta'; toolCallId: string; delta: string }
  | { type: 'tool-input-available'; toolCallId: string; toolName: string; input: unknown }
  /** The call needs a person's approval: it was recorded under `approvalId` and does not run in this turn. */
  | { type: 'tool-approval-request'; toolCallId: string; toolName: string; approvalId: string }
  /** A later turn starts with the person's answer to an approval: an approved call runs next, a denied one does not. */
  | { type: 'tool-approval-decided'; toolCallId: string; toolName: string; approvalId: string; approved: boolean; reason?: string }
  | { type: 'progress'; snapshot: ProgressSnapshot }
  | { type: 'step-finish'; finishReason: FinishReason }
  | { type: 'finish'; finishReason: FinishReason }
  | { type: 'error'; error: ErrorInfo }
  | WorkflowEvent;

/**
 * A person's answer to an approval Sapflow issued, checked against its record: the call as it was recorded (its
 * name and the exact arguments the model wrote), never as the client sent it back.
 */
export interface ApprovalDecision {
  approvalId: string;
  toolCallId: string;
  toolName: string;
  /** The JSON text the model wrote for the call. */
  arguments: string;
  approved: boolean;
  reason?: string;
  /** The key the call would have run with in the turn that asked: `<executionId of that turn>:<toolCallId>`. */
  idempotencyKey: string;
}

/** What the client says about one approval: only its id, call, verdict and reason are taken from it. */
export interface ApprovalAnswer {
  approvalId: string;
  toolCallId: string;
  approved: boolean;
  reason?: string;
}
