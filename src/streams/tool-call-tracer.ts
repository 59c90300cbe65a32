import type { ErrorInfo } from '../protocol/index.js';

/**
 * What a tracer needs to see of tool calls, without the engine knowing about OpenTelemetry: the runtime gives the
 * engine one (telemetry/tracing.ts), tests and the default engine none. Called once per call, around all its attempts.
 */
export interface ToolCallTracer {
  startToolCall(call: { executionId: string; taskId: string; tool: string }): ToolCallTrace;
}

export interface ToolCallTrace {
  /** The call's W3C `traceparent`, passed to the tool (HTTP tools send it on). */
  readonly traceparent?: string;
  /** The call's outcome: an error for a failed call, nothing for a completed one; `cancelled` when it was torn down. */
  end(outcome: { error?: ErrorInfo; cancelled?: boolean; attempts: number }): void;
}
