/** Pure RxJS: tool-call execution, DAG scheduling and chat turns, on an injectable scheduler. Events and progress live in `protocol/`. */
export { createEngine, type Engine, type EngineOptions } from './engine.js';
export { runToolCall, type ToolCall, type ToolCallEvent } from './run-tool-call.js';
export { runWorkflow, type RunWorkflowOptions } from './run-workflow.js';
export { runChatTurn, type ChatTurnOptions, type ChatTurnResume } from './chat-turn.js';
export { stepMessages, toolResultText } from './step-messages.js';
export { outcomeOf } from './task-outcome.js';
export { needsApproval, type TaskDecision, type ApprovalRecord } from './task-approval.js';
export { CircuitBreaker, CircuitBreakers, DEFAULT_BREAKER, type Breaker, type BreakerPermit, type BreakerRegistry } from './circuit-breaker.js';
export { ToolLimiters, createConcurrencyLimiter, isLimited, type LimiterRegistry } from './concurrency-limiter.js';
export type { ToolCallTracer, ToolCallTrace } from './tool-call-tracer.js';
