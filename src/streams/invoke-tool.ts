import { Observable, from, isObservable, type ObservableInput } from 'rxjs';
import type { Tool, ToolContext } from '../tools/tool.js';

export type Invocation = { kind: 'progress'; data: unknown } | { kind: 'result'; value: unknown };

/**
 * Bridges one `tool.execute` call into an Observable: the tool's Promise, Observable or plain value becomes one
 * `result`, `ctx.progress` calls become `progress` values, and unsubscribing before the result aborts the
 * tool's AbortSignal - which is how timeouts, cancellation and client disconnects reach the tool.
 */
export function invokeTool(
  tool: Tool,
  args: unknown,
  context: Omit<ToolContext, 'signal' | 'progress' | 'idempotencyKey'> & { idempotencyKey?: string },
): Observable<Invocation> {
  return new Observable<Invocation>((subscriber) => {
    const controller = new AbortController();
    let settled = false;
    const ctx = new CallContext(context, controller, (data) => {
      if (!settled) subscriber.next({ kind: 'progress', data });
    });
    let output: unknown;
    try {
      output = tool.execute(args, ctx);
    } catch (error) {
      settled = true;
      subscriber.error(error);
      return;
    }
    if (!isObservableInput(output)) {
      // a plain value answers at once: no inner subscription to make or tear down
      settled = true;
      subscriber.next({ kind: 'result', value: output });
      subscriber.complete();
      return;
    }
    let last: unknown;
    const inner = from(output).subscribe({
      next: (value) => (last = value),
      error: (error) => {
        settled = true;
        subscriber.error(error);
      },
      complete: () => {
        settled = true;
        subscriber.next({ kind: 'result', value: last });
        subscriber.complete();
      },
    });
    return () => {
      inner.unsubscribe();
      if (!settled) controller.abort(new DOMException('The tool call was cancelled', 'AbortError'));
    };
  });
}

function isObservableInput(value: unknown): value is ObservableInput<unknown> {
  return isObservable(value) || (typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function');
}

/**
 * The `ToolContext` one call's tool sees. `signal` is a getter because Node builds an AbortController's signal on
 * first read and most tools never read it (~5% of the engine's time on instant tools); aborting builds it then, so a
 * late reader still finds it aborted. A class, not an object literal with a getter: V8 keeps its shape fast.
 */
class CallContext implements ToolContext {
  readonly user: string;
  readonly executionId: string;
  readonly taskId: string;
  readonly idempotencyKey: string;
  readonly traceparent?: string;

  constructor(
    context: Omit<ToolContext, 'signal' | 'progress' | 'idempotencyKey'> & { idempotencyKey?: string },
    private readonly controller: AbortController,
    readonly progress: (data: unknown) => void,
  ) {
    this.user = context.user;
    this.executionId = context.executionId;
    this.taskId = context.taskId;
    // built from ids alone, so every attempt, retry and resumed run of one call carries the same key
    this.idempotencyKey = context.idempotencyKey ?? `${context.executionId}:${context.taskId}`;
    this.traceparent = context.traceparent;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }
}
