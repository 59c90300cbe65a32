import type { ToolCallTracer } from '../streams/index.js';
import { traceIdOf, type Logger } from '../telemetry/logger.js';
import type { Tracing } from '../telemetry/tracing.js';

/**
 * What the engine is told about every tool call in a gateway: a span when tracing is on, and a log line for each
 * call that failed, with the ids to find its run and its trace.
 */
export function observeToolCalls(tracing: Tracing | undefined, logger: Logger): ToolCallTracer {
  return {
    startToolCall(call) {
      const span = tracing?.startToolCall(call);
      return {
        traceparent: span?.traceparent,
        end(outcome) {
          span?.end(outcome);
          if (!outcome.error) return;
          logger.warn(
            { executionId: call.executionId, taskId: call.taskId, tool: call.tool, traceId: traceIdOf(span?.traceparent), error: outcome.error, attempts: outcome.attempts },
            `tool call ${call.tool} failed: [${outcome.error.code}] ${outcome.error.message}`,
          );
        },
      };
    },
  };
}
