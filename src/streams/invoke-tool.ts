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
    const ctx: ToolContext = {
      ...context,
      // built from ids alone, so every attempt, retry and resumed run of one call carries the same key
      idempotencyKey: context.idempotencyKey ?? `${context.executionId}:${context.taskId}`,
      signal: controller.signal,
      progress: (data) => {
        if (!settled) subscriber.next({ kind: 'progress', data });
      },
    };
    let output: unknown;
    try {
      output = tool.execute(args, ctx);
    } catch (error) {
      settled = true;
      subscriber.error(error);
      return;
    }
    let last: unknown;
    const inner = (isObservableInput(output) ? from(output) : from([output])).subscribe({
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
