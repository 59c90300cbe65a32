import { Observable, catchError, concat, defer, finalize, ignoreElements, isObservable, map, merge, mergeMap, of, takeWhile, tap, throwError, timer } from 'rxjs';
import { SapflowError, toErrorInfo, toSapflowError } from '../errors/index.js';
import type { Tool } from '../tools/tool.js';
import { backoffDelay } from './backoff.js';
import type { BreakerPermit } from './circuit-breaker.js';
import type { Engine } from './engine.js';
import type { BreakerState, CircuitBreakerEvent, ErrorInfo, TaskEvent, TaskFailedEvent } from '../protocol/index.js';
import { invokeTool } from './invoke-tool.js';

export interface ToolCall {
  executionId: string;
  taskId: string;
  toolName: string;
  /** Undefined when the name is unknown: the call fails with `unknown_tool`. */
  tool: Tool | undefined;
  args: unknown;
  user: string;
  /** Seconds; overrides the tool's own. */
  timeout?: number;
  /** Retries after the first attempt; overrides the tool's own. */
  retry_count?: number;
  /** The call's key when it is not `<executionId>:<taskId>`: an approved chat call keeps the key of the turn that asked. */
  idempotencyKey?: string;
}

export type ToolCallEvent = TaskEvent | CircuitBreakerEvent;

/**
 * One tool invocation as a stream of task events: validate -> breaker -> hard timeout -> retry with backoff.
 * It never errors: every failure ends in a `task-failed` value, so sibling calls keep running.
 */
export function runToolCall(call: ToolCall, engine: Engine): Observable<ToolCallEvent> {
  const { tracer } = engine;
  if (!tracer) return toolCallEvents(call, engine);
  return defer(() => {
    const trace = tracer.startToolCall({ executionId: call.executionId, taskId: call.taskId, tool: call.toolName });
    let ended = false;
    const end = (outcome: Parameters<typeof trace.end>[0]) => {
      if (ended) return;
      ended = true;
      trace.end(outcome);
    };
    return toolCallEvents(call, engine, trace.traceparent).pipe(
      tap((event) => {
        if (event.type === 'task-complete') end({ attempts: event.attempts });
        else if (event.type === 'task-failed') end({ error: event.error, attempts: event.attempts });
      }),
      // torn down before an outcome: a cancelled run, a client that went away
      finalize(() => end({ cancelled: true, attempts: 0 })),
    );
  });
}

function toolCallEvents(call: ToolCall, engine: Engine, traceparent?: string): Observable<ToolCallEvent> {
  return defer(() => {
    const { scheduler } = engine;
    const startedAt = scheduler.now();
    const at = () => new Date(scheduler.now()).toISOString();
    const ids = { executionId: call.executionId, taskId: call.taskId };
    const failed = (error: ErrorInfo, attempts: number): TaskFailedEvent => ({
      type: 'task-failed', ...ids, at: at(), error, durationMs: scheduler.now() - startedAt, attempts,
    });

    const tool = call.tool;
    if (!tool) return of(failed({ code: 'unknown_tool', message: `No tool named "${call.toolName}"` }, 0));
    const parsed = tool.parameters.safeParse(call.args);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
      return of(failed({ code: 'invalid_arguments', message: `Invalid arguments for ${tool.name}: ${message}` }, 0));
    }

    const timeoutMs = (call.timeout ?? tool.timeout ?? engine.defaultTimeout) * 1000;
    const retries = call.retry_count ?? tool.retry_count ?? 0;
    const breaker = engine.breakers.get(tool.name, tool.circuit_breaker);
    const breakerEvents = (state: BreakerState | undefined): CircuitBreakerEvent[] =>
      state ? [{ type: 'circuit-breaker', executionId: call.executionId, at: at(), tool: tool.name, state }] : [];

    const attempt = (n: number): Observable<ToolCallEvent> => {
      let judged = false;
      const permitted = (permit: BreakerPermit): Observable<ToolCallEvent> => {
        if (!permit.allowed) {
          judged = true;
          const wait = Math.ceil(breaker.retryAfterMs(scheduler.now()) / 1000);
          const error = { code: 'circuit_open', message: `Circuit open for ${tool.name}: it failed repeatedly; next try in ${wait}s` };
          return of(failed(error, n - 1));
        }
        const attemptStart = scheduler.now();
        // The deadline races the tool: a tool that ignores its signal still loses, and losing aborts it.
        const deadline$ = timer(timeoutMs, scheduler).pipe(
          mergeMap(() => throwError(() => new SapflowError('timeout', `${tool.name} did not finish within ${timeoutMs / 1000}s`, { retryable: true }))),
        );
        const invocation$ = merge(
          invokeTool(tool, parsed.data, { user: call.user, executionId: call.executionId, taskId: call.taskId, traceparent, idempotencyKey: call.idempotencyKey }),
          deadline$,
        ).pipe(takeWhile((x) => x.kind !== 'result', true));

        const started: ToolCallEvent[] = [
          ...breakerEvents(permit.transition),
          { type: 'task-start', ...ids, at: at(), function: tool.name, attempt: n, input: parsed.data },
        ];
        return concat(
          of(started),
          invocation$.pipe(
            map((x): ToolCallEvent[] => {
              if (x.kind === 'progress') return [{ type: 'task-progress', ...ids, at: at(), data: x.data }];
              judged = true;
              engine.stats.record(tool.name, scheduler.now() - attemptStart);
              const transition = breaker.record(true, scheduler.now());
              return [
                ...breakerEvents(transition),
                { type: 'task-complete', ...ids, at: at(), result: x.value, durationMs: scheduler.now() - startedAt, attempts: n },
              ];
            }),
          ),
        ).pipe(
          mergeMap((events) => events),
          catchError((thrown: unknown) => {
            judged = true;
            const error = toSapflowError(thrown, 'tool_error');
            // the tool's server is down or restarting: no verdict on the tool, so a restart never leaves its breaker open
            const unavailable = error.code === 'tool_unavailable';
            if (unavailable) breaker.release();
            const transition = unavailable ? [] : breakerEvents(breaker.record(false, scheduler.now()));
            const info = toErrorInfo(error);
            if (!error.retryable || n > retries) return of(...transition, failed(info, n));
            const delayMs = backoffDelay(n, engine.backoff);
            const retry: ToolCallEvent = { type: 'task-retry', ...ids, at: at(), attempt: n, error: info, delayMs };
            return of(...transition, retry);
          }),
          // A cancelled probe must not keep a half-open breaker waiting forever.
          finalize(() => judged || breaker.release()),
        );
      };
      // Synchronous in one process; a cluster breaker may first ask Redis who gets the half-open probe.
      const once$ = defer(() => {
        const permit = breaker.acquire(scheduler.now());
        return isObservable(permit) ? permit.pipe(mergeMap(permitted)) : permitted(permit);
      });
      // Only the attempt holds a per-tool slot; the backoff wait after a `task-retry` does not.
      return engine.limiters.limit(tool.name, tool.concurrency, once$).pipe(
        mergeMap((event) =>
          event.type === 'task-retry'
            ? concat(of(event), timer(event.delayMs, scheduler).pipe(ignoreElements()), attempt(n + 1))
            : of(event),
        ),
      );
    };

    return attempt(1);
  });
}
