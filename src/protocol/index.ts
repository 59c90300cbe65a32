/** The contract every layer shares: run events (workflow and chat), the progress snapshot, its fold, the ETA, and provider-neutral messages. */
export type * from './events.js';
export type { ApprovalAnswer, ApprovalDecision, ChatTurnEvent, FinishReason } from './chat-events.js';
export type { ProgressSnapshot, TaskSnapshot } from './progress-snapshot.js';
export type { AssistantMessage, ChatMessage, ModelTool, SystemMessage, ToolCallRequest, ToolMessage, UserMessage } from './messages.js';
export { emptySnapshot, foldProgress } from './fold-progress.js';
export { estimateRemaining, type EstimatedTask } from './estimate-remaining.js';
export type * from './monitoring.js';
