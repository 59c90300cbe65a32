import type { ObservableInput } from 'rxjs';
import type { z } from 'zod';

/** What a running tool can see and do besides its arguments. */
export interface ToolContext {
  /** Aborted on timeout, cancellation or client disconnect; tools doing I/O must pass it on. */
  signal: AbortSignal;
  /** Report intermediate progress; each call becomes a `task-progress` event. */
  progress(data: unknown): void;
  /** The user id the run belongs to (`local` in local mode). */
  user: string;
  executionId: string;
  taskId: string;
  /**
   * `<executionId>:<taskId>` (in a chat turn the task id is the model's tool call id): the same on every retry and
   * resume of this call, so a tool with side effects can act once per key.
   */
  idempotencyKey: string;
  /** The W3C `traceparent` of this call's span when tracing is on: a tool that calls a service passes it on. */
  traceparent?: string;
}

export interface CircuitBreakerOptions {
  /** Consecutive failed attempts that open the breaker (default 5). */
  failure_threshold?: number;
  /** Seconds the breaker stays open before one probe is let through (default 30). */
  reset_timeout?: number;
}

/**
 * A tool. Field names follow the workflow language (snake_case where the YAML uses it).
 * `execute` may return a value, a Promise or an Observable: Promises are the edge (real I/O),
 * Observables let marble tests drive tools on virtual time.
 */
export interface Tool<Args = any, Result = unknown> {
  name: string;
  description: string;
  parameters: z.ZodType<Args>;
  /** Hard timeout per attempt, in seconds. */
  timeout?: number;
  /** Retries after the first attempt, for retryable failures only. */
  retry_count?: number;
  /** Per-tool limit of calls in flight. */
  concurrency?: number;
  circuit_breaker?: CircuitBreakerOptions;
  /**
   * A person must approve each call before it runs (`needs_approval: true` in TOOLS_CONFIG, or the tool named in
   * APPROVAL_REQUIRED_TOOLS). The pipeline holds such a call until an approval arrives; the tool itself never sees it.
   */
  needs_approval?: boolean;
  /** The JSON Schema sent to the model; derived from `parameters` when absent. */
  jsonSchema?: Record<string, unknown>;
  execute(args: Args, ctx: ToolContext): ObservableInput<Result> | Result;
}

export function defineTool<Args, Result>(tool: Tool<Args, Result>): Tool<Args, Result> {
  return tool;
}
