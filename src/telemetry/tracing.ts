import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ErrorInfo } from '../protocol/index.js';

export interface TracingOptions {
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); spans go to `<endpoint>/v1/traces`. */
  endpoint?: string;
  /** Replaces the OTLP exporter (tests: the SDK's InMemorySpanExporter), exported span by span. */
  exporter?: SpanExporter;
  serviceName?: string;
}

export interface RunSpan {
  executionId: string;
  kind: 'chat' | 'workflow';
  /** The workflow's id, or the model a chat turn asks. */
  name: string;
  attributes?: Attributes;
}

/**
 * Spans with the OpenTelemetry GenAI conventions: one per run (`invoke_workflow {workflow}`, `chat {model}`) and one
 * per tool call beneath it (`execute_tool {tool}`), whose W3C `traceparent` HTTP tools send on. Shaped to be the
 * engine's ToolCallTracer (streams/tool-call-tracer.ts) as it is.
 */
export interface Tracing {
  startRun(run: RunSpan): void;
  endRun(executionId: string, outcome: { status: string; error?: ErrorInfo }): void;
  startToolCall(call: { executionId: string; taskId: string; tool: string }): {
    readonly traceparent: string;
    end(outcome: { error?: ErrorInfo; cancelled?: boolean; attempts: number }): void;
  };
  /** The trace of a run in progress, for log lines about it. */
  traceId(executionId: string): string | undefined;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** Tracing when there is somewhere to send spans; undefined otherwise, so a gateway without it pays nothing. */
export function createTracing({ endpoint, exporter, serviceName = 'sapflow' }: TracingOptions): Tracing | undefined {
  if (!exporter && !endpoint) return undefined;
  const processor = exporter
    ? new SimpleSpanProcessor(exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint!.replace(/\/+$/, '')}/v1/traces` }));
  // the provider is this gateway's own, not registered globally: tests can make several, and no other library's
  // spans are sent in Sapflow's name
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer: Tracer = provider.getTracer(serviceName);
  const runs = new Map<string, Span>();

  return {
    startRun({ executionId, kind, name, attributes }) {
      const operation = kind === 'workflow' ? 'invoke_workflow' : 'chat';
      const span = tracer.startSpan(`${operation} ${name}`, {
        kind: kind === 'workflow' ? SpanKind.INTERNAL : SpanKind.SERVER,
        attributes: {
          'gen_ai.operation.name': operation,
          ...(kind === 'chat' ? { 'gen_ai.request.model': name } : { 'gen_ai.workflow.name': name }),
          'sapflow.execution.id': executionId,
          ...attributes,
        },
      });
      runs.set(executionId, span);
    },

    endRun(executionId, { status, error }) {
      const span = runs.get(executionId);
      if (!span) return;
      runs.delete(executionId);
      span.setAttribute('sapflow.run.status', status);
      if (error) fail(span, error);
      else if (status === 'failed' || status === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: `the run ended ${status}` });
      span.end();
    },

    startToolCall({ executionId, taskId, tool }) {
      const parent = runs.get(executionId);
      const span = tracer.startSpan(
        `execute_tool ${tool}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool, 'gen_ai.tool.call.id': taskId, 'sapflow.execution.id': executionId },
        },
        // the run's span is the parent by hand: RxJS callbacks do not carry an async context
        parent ? trace.setSpan(ROOT_CONTEXT, parent) : undefined,
      );
      const { traceId, spanId, traceFlags } = span.spanContext();
      return {
        traceparent: `00-${traceId}-${spanId}-${(traceFlags & 1) === 1 ? '01' : '00'}`,
        end({ error, cancelled, attempts }) {
          span.setAttribute('sapflow.tool.attempts', attempts);
          if (error) fail(span, error);
          else if (cancelled) span.setAttribute('sapflow.tool.cancelled', true);
          span.end();
        },
      };
    },

    traceId: (executionId) => runs.get(executionId)?.spanContext().traceId,

    async shutdown() {
      for (const span of runs.values()) span.end();
      runs.clear();
      await provider.shutdown();
    },
  };
}

function fail(span: Span, error: ErrorInfo): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  span.setAttribute('error.type', error.code);
}
