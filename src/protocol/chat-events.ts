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
  | { type: 'progress'; snapshot: ProgressSnapshot }
  | { type: 'step-finish'; finishReason: FinishReason }
  | { type: 'finish'; finishReason: FinishReason }
  | { type: 'error'; error: ErrorInfo }
  | WorkflowEvent;
