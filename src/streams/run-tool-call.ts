import { EMPTY, Observable, catchError, concat, defer, finalize, isObservable, map, merge, mergeMap, of, startWith, takeWhile, tap, timer } from 'rxjs';
import { SapflowError, toErrorInfo, toSapflowError } from '../errors/index.js';
import type { Tool } from '../tools/tool.js';
import { backoffDelay } from './backoff.js';
import type { Breaker, BreakerPermit } from './circuit-breaker.js';
import type { Engine } from './engine.js';
import type { BreakerState, CircuitBreakerEvent, ErrorInfo, TaskEvent, TaskFailedEvent, TaskRetryEvent } from '../protocol/index.js';
import { isoTime } from './iso-time.js';
import { invokeTool, type Invocation } from './invoke-tool.js';

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
    const startedAt = engine.scheduler.now();
    const tool = call.tool;
    if (!tool) return of(failedEvent(call, engine, startedAt, { code: 'unknown_tool', message: `No tool named "${call.toolName}"` }, 0));
    const parsed = tool.parameters.safeParse(call.args);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
      return of(failedEvent(call, engine, startedAt, { code: 'invalid_arguments', message: `Invalid arguments for ${tool.name}: ${message}` }, 0));
    }
    return new ToolCallAttempts(call, engine, tool, parsed.data, startedAt, traceparent).attempt(1);
  });
}

function failedEvent(call: ToolCall, engine: Engine, startedAt: number, error: ErrorInfo, attempts: number): TaskFailedEvent {
  const now = engine.scheduler.now();
  return { type: 'task-failed', executionId: call.executionId, taskId: call.taskId, at: isoTime(now), error, durationMs: now - startedAt, attempts };
}

/**
 * The attempts of one valid call. Methods, not closures made per call: this runs for every task of every run, and
 * per-call closures cost an allocation each (plus a `__name` call each under tsx's keepNames).
 */
class ToolCallAttempts {
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly breaker: Breaker;

  constructor(
    private readonly call: ToolCall,
    private readonly engine: Engine,
    private readonly tool: Tool,
    private readonly args: unknown,
    private readonly startedAt: number,
    private readonly traceparent: string | undefined,
  ) {
    this.timeoutMs = (call.timeout ?? tool.timeout ?? engine.defaultTimeout) * 1000;
    this.retries = call.retry_count ?? tool.retry_count ?? 0;
    this.breaker = engine.breakers.get(tool.name, tool.circuit_breaker);
  }

  attempt(n: number): Observable<ToolCallEvent> {
    // Synchronous in one process; a cluster breaker may first ask Redis who gets the half-open probe.
    const once$ = defer(() => {
      const permit = this.breaker.acquire(this.engine.scheduler.now());
      return isObservable(permit) ? permit.pipe(mergeMap((p) => this.permitted(n, p))) : this.permitted(n, permit);
    });
    const limited$ = this.engine.limiters.limit(this.tool.name, this.tool.concurrency, once$);
    // no retries allowed (the default): this attempt is the whole call, with nothing to wait for after it
    if (this.retries === 0) return limited$;
    // Only the attempt holds a per-tool slot; the backoff wait after a `task-retry` does not.
    let retry: TaskRetryEvent | undefined;
    return concat(
      limited$.pipe(tap((event) => event.type === 'task-retry' && (retry = event))),
      defer(() => (retry ? timer(retry.delayMs, this.engine.scheduler).pipe(mergeMap(() => this.attempt(n + 1))) : EMPTY)),
    );
  }

  private permitted(n: number, permit: BreakerPermit): Observable<ToolCallEvent> {
    const { tool, breaker, engine, call } = this;
    if (!permit.allowed) {
      const wait = Math.ceil(breaker.retryAfterMs(engine.scheduler.now()) / 1000);
      const error = { code: 'circuit_open', message: `Circuit open for ${tool.name}: it failed repeatedly; next try in ${wait}s` };
      return of(this.failed(error, n - 1));
    }
    let judged = false;
    const attemptStart = engine.scheduler.now();
    const context = { user: call.user, executionId: call.executionId, taskId: call.taskId, traceparent: this.traceparent, idempotencyKey: call.idempotencyKey };
    // The deadline races the tool: a tool that ignores its signal still loses, and losing aborts it.
    const invocation$ = merge(invokeTool(tool, this.args, context), this.deadline()).pipe(takeWhile((x) => x.kind !== 'result', true));
    const started: ToolCallEvent[] = [
      ...this.breakerEvents(permit.transition),
      { type: 'task-start', executionId: call.executionId, taskId: call.taskId, at: this.at(), function: tool.name, attempt: n, input: this.args },
    ];
    return invocation$.pipe(
      // an array is an ObservableInput: each invocation value becomes its events without an Observable of its own
      mergeMap((x) => {
        if (x.kind === 'result') judged = true;
        return this.settledOrProgress(x, n, attemptStart);
      }),
      startWith(...started),
      catchError((thrown: unknown) => {
        judged = true;
        return this.failedAttempt(thrown, n);
      }),
      // A cancelled probe must not keep a half-open breaker waiting forever.
      finalize(() => judged || breaker.release()),
    );
  }

  private deadline(): Observable<never> {
    const { timeoutMs, tool } = this;
    return timer(timeoutMs, this.engine.scheduler).pipe(
      map(() => {
        throw new SapflowError('timeout', `${tool.name} did not finish within ${timeoutMs / 1000}s`, { retryable: true });
      }),
    );
  }

  private settledOrProgress(x: Invocation, n: number, attemptStart: number): ToolCallEvent[] {
    const { call, engine } = this;
    if (x.kind === 'progress') return [{ type: 'task-progress', executionId: call.executionId, taskId: call.taskId, at: this.at(), data: x.data }];
    engine.stats.record(this.tool.name, engine.scheduler.now() - attemptStart);
    const transition = this.breaker.record(true, engine.scheduler.now());
    return [
      ...this.breakerEvents(transition),
      { type: 'task-complete', executionId: call.executionId, taskId: call.taskId, at: this.at(), result: x.value, durationMs: engine.scheduler.now() - this.startedAt, attempts: n },
    ];
  }

  private failedAttempt(thrown: unknown, n: number): ToolCallEvent[] {
    const { breaker, engine, call } = this;
    const error = toSapflowError(thrown, 'tool_error');
    // the tool's server is down or restarting: no verdict on the tool, so a restart never leaves its breaker open
    const unavailable = error.code === 'tool_unavailable';
    if (unavailable) breaker.release();
    const transition = unavailable ? [] : this.breakerEvents(breaker.record(false, engine.scheduler.now()));
    const info = toErrorInfo(error);
    if (!error.retryable || n > this.retries) return [...transition, this.failed(info, n)];
    const delayMs = backoffDelay(n, engine.backoff);
    return [...transition, { type: 'task-retry', executionId: call.executionId, taskId: call.taskId, at: this.at(), attempt: n, error: info, delayMs }];
  }

  private at(): string {
    return isoTime(this.engine.scheduler.now());
  }

  private failed(error: ErrorInfo, attempts: number): TaskFailedEvent {
    return failedEvent(this.call, this.engine, this.startedAt, error, attempts);
  }

  private breakerEvents(state: BreakerState | undefined): CircuitBreakerEvent[] {
    return state ? [{ type: 'circuit-breaker', executionId: this.call.executionId, at: this.at(), tool: this.tool.name, state }] : [];
  }
}
