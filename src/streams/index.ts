/** Pure RxJS: tool-call execution, DAG scheduling, progress folding and chat turns, on an injectable scheduler. */
export type * from './events.js';
export type { ProgressSnapshot, TaskSnapshot } from './progress-snapshot.js';
export { createEngine, type Engine, type EngineOptions } from './engine.js';
export { runToolCall, type ToolCall, type ToolCallEvent } from './run-tool-call.js';
export { runWorkflow, type RunWorkflowOptions } from './run-workflow.js';
export { runChatTurn, type ChatTurnEvent, type ChatTurnOptions } from './chat-turn.js';
export { emptySnapshot, foldProgress } from './fold-progress.js';
