import { EMPTY, NEVER, map, merge, mergeMap, tap, throwError, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import type { Tool } from '../tools/tool.js';
import type { Breaker, BreakerPermit } from './circuit-breaker.js';
import { createEngine } from './engine.js';
import { runToolCall, type ToolCall } from './run-tool-call.js';
import { label, retryableError, scriptedTool, testScheduler } from './test-support.js';

const call = (tool: ToolCall['tool'], extra: Partial<ToolCall> = {}): ToolCall => ({
  executionId: 'e1', taskId: 't', toolName: tool?.name ?? 'missing', tool, args: {}, user: 'u', ...extra,
});

describe('runToolCall', () => {
  it('emits start then the result', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { tool } = scriptedTool('echo', () => cold('--r|', { r: 42 }));
      const events = runToolCall(call(tool), createEngine()).pipe(map(label));
      // the result is the tool's last value, taken when it completes
      expectObservable(events).toBe('a--(b|)', { a: 'start:t#1', b: 'done:t:42' });
    });
  });

  it('fails with timeout at the deadline even if the tool ignores its signal, and aborts the signal', () => {
    const { tool, calls } = scriptedTool('stuck', () => NEVER, { timeout: 1 });
    testScheduler().run(({ expectObservable }) => {
      const events = runToolCall(call(tool), createEngine()).pipe(map(label));
      expectObservable(events).toBe('a 999ms (b|)', { a: 'start:t#1', b: 'failed:t:timeout' });
    });
    expect(calls).toHaveLength(1);
    expect(calls[0].signal.aborted).toBe(true);
  });

  it('retries retryable failures with exponential backoff and full jitter', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { tool } = scriptedTool('flaky', (_a, n) => (n < 3 ? cold('----------#', undefined, retryableError()) : cold('----------(r|)', { r: 'ok' })), { retry_count: 3 });
      const engine = createEngine({ backoff: { random: () => 0.5 } }); // delays: 0.5 * 200, 0.5 * 400
      const events = runToolCall(call(tool), engine).pipe(map(label));
      expectObservable(events).toBe('a 9ms b 99ms c 9ms d 199ms e 9ms (f|)', {
        a: 'start:t#1', b: 'retry:t#1:http_error:100',
        c: 'start:t#2', d: 'retry:t#2:http_error:200',
        e: 'start:t#3', f: 'done:t:"ok"',
      });
    });
  });

  it('gives every attempt of one call the same idempotency key, <executionId>:<taskId>', () => {
    const keys: string[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const { tool } = scriptedTool('flaky', () => undefined, {
        retry_count: 2,
        execute: (_args, ctx) => (keys.push(ctx.idempotencyKey), keys.length < 3 ? cold('----------#', undefined, retryableError()) : cold('----------(r|)', { r: 'ok' })),
      });
      const engine = createEngine({ backoff: { random: () => 0.5 } });
      expectObservable(runToolCall(call(tool, { executionId: 'run-7', taskId: 'call_abc' }), engine).pipe(map(label))).toBe('a 9ms b 99ms c 9ms d 199ms e 9ms (f|)', {
        a: 'start:call_abc#1', b: 'retry:call_abc#1:http_error:100',
        c: 'start:call_abc#2', d: 'retry:call_abc#2:http_error:200',
        e: 'start:call_abc#3', f: 'done:call_abc:"ok"',
      });
    });
    expect(keys).toEqual(['run-7:call_abc', 'run-7:call_abc', 'run-7:call_abc']);
  });

  it('caps the backoff and gives up after retry_count retries', () => {
    let tool: Tool | undefined;
    let calls: unknown[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      ({ tool, calls } = scriptedTool('down', () => cold('#', undefined, retryableError()), { retry_count: 2 }));
      const engine = createEngine({ backoff: { random: () => 0.999, baseMs: 1000, capMs: 1500 } });
      const events = runToolCall(call(tool), engine).pipe(map(label));
      expectObservable(events).toBe('(ab) 995ms (cd) 1494ms (ef|)', {
        a: 'start:t#1', b: 'retry:t#1:http_error:999',
        c: 'start:t#2', d: 'retry:t#2:http_error:1498',
        e: 'start:t#3', f: 'failed:t:http_error',
      });
    });
    expect(calls).toHaveLength(3);
  });

  it('does not retry a non-retryable failure', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const err = new SapflowError('http_error', 'POST x answered 400', { details: { status: 400 } });
      const { tool } = scriptedTool('strict', () => cold('-#', undefined, err), { retry_count: 5 });
      expectObservable(runToolCall(call(tool), createEngine()).pipe(map(label))).toBe('a(b|)', { a: 'start:t#1', b: 'failed:t:http_error' });
    });
  });

  it('rejects invalid arguments without calling the tool, and unknown tools', () => {
    const { tool, calls } = scriptedTool('typed', () => 1, { parameters: z.object({ email: z.string() }) });
    testScheduler().run(({ expectObservable }) => {
      expectObservable(runToolCall(call(tool, { args: { email: 3 } }), createEngine()).pipe(map(label))).toBe('(a|)', { a: 'failed:t:invalid_arguments' });
      expectObservable(runToolCall(call(undefined), createEngine()).pipe(map(label))).toBe('(a|)', { a: 'failed:t:unknown_tool' });
    });
    expect(calls).toHaveLength(0);
  });

  it('turns a thrown error and a rejected promise into task-failed values', async () => {
    const { tool } = scriptedTool('throws', () => {
      throw new Error('boom\n  at stack line');
    });
    const events: string[] = [];
    const { lastValueFrom, toArray } = await import('rxjs');
    const all = await lastValueFrom(runToolCall(call(tool), createEngine()).pipe(toArray()));
    events.push(...all.map(label));
    expect(events).toEqual(['start:t#1', 'failed:t:tool_error']);
    const failed = all.at(-1);
    expect(failed?.type === 'task-failed' && failed.error.message).toBe('boom at stack line');
    const { tool: rejects } = scriptedTool('rejects', () => Promise.reject(new SapflowError('network_error', 'connect ECONNREFUSED')));
    const more = await lastValueFrom(runToolCall(call(rejects), createEngine()).pipe(toArray()));
    expect(more.map(label)).toEqual(['start:t#1', 'failed:t:network_error']);
  });

  it('reports progress from ctx.progress', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { tool } = scriptedTool('chatty', (_a) => undefined, {
        execute: (_args, ctx) => cold('-a-b|', { a: 1, b: 2 }).pipe(map((x) => (ctx.progress({ step: x }), x))),
      });
      expectObservable(runToolCall(call(tool), createEngine()).pipe(map(label))).toBe('ab-c(d|)', {
        a: 'start:t#1', b: 'progress:t:{"step":1}', c: 'progress:t:{"step":2}', d: 'done:t:2',
      });
    });
  });

  it('opens the breaker after consecutive failures, fails fast while open, probes once after reset_timeout', () => {
    let healthy = false;
    const { tool, calls } = scriptedTool('svc', () => (healthy ? cold$('10ms (r|)', 'up') : cold$('-#')), {
      circuit_breaker: { failure_threshold: 2, reset_timeout: 1 },
    });
    let cold$: (m: string, v?: string) => Observable<string> = () => EMPTY;
    testScheduler().run(({ cold, hot, expectObservable }) => {
      cold$ = (m, v) => cold(m, { r: v ?? '' }, new SapflowError('http_error', 'down'));
      const engine = createEngine();
      // Calls arrive at 0, 10, 20 (breaker now open), 1100 (probe; the service is back) and 1200.
      const arrivals = hot('a 9ms b 9ms c 1079ms d 99ms e');
      const events = arrivals.pipe(
        tap((id) => (healthy = id >= 'd')),
        mergeMap((id) => runToolCall(call(tool, { taskId: id }), engine)),
        map(label),
      );
      expectObservable(events).toBe('ab 8ms c(de) 5ms f 1079ms (gh) 6ms (ix) 86ms j 9ms k', {
        a: 'start:a#1', b: 'failed:a:http_error', c: 'start:b#1', d: 'breaker:svc:open', e: 'failed:b:http_error',
        f: 'failed:c:circuit_open',
        g: 'breaker:svc:half-open', h: 'start:d#1', i: 'breaker:svc:closed', x: 'done:d:"up"',
        j: 'start:e#1', k: 'done:e:"up"',
      });
    });
    expect(calls).toHaveLength(4); // c never reached the service
  });

  it('does not count tool_unavailable (a server down or restarting) against the breaker: the tool works the moment it is back', () => {
    let up = false;
    const unavailable = new SapflowError('tool_unavailable', 'MCP server docs is restarting', { retryable: true });
    const { tool } = scriptedTool('docs__search', () => (up ? cold$('5ms (r|)', 'found') : cold$('#')), {
      circuit_breaker: { failure_threshold: 2, reset_timeout: 30 },
    });
    let cold$: (m: string, v?: string) => Observable<string> = () => EMPTY;
    const engine = createEngine();
    testScheduler().run(({ cold, hot, expectObservable }) => {
      cold$ = (m, v) => cold(m, { r: v ?? '' }, unavailable);
      // three calls while the server is down (threshold 2), then one at 30 ms once it is back
      const arrivals = hot('a 9ms b 9ms c 9ms d');
      const events = arrivals.pipe(
        tap((id) => (up = id === 'd')),
        mergeMap((id) => runToolCall(call(tool, { taskId: id }), engine)),
        map(label),
      );
      expectObservable(events).toBe('(ab) 6ms (cd) 6ms (ef) 6ms g 4ms h', {
        a: 'start:a#1', b: 'failed:a:tool_unavailable', c: 'start:b#1', d: 'failed:b:tool_unavailable',
        e: 'start:c#1', f: 'failed:c:tool_unavailable', g: 'start:d#1', h: 'done:d:"found"',
      });
    });
    expect(engine.breakers.states()).toEqual({ docs__search: 'closed' });
  });

  it('waits for a breaker that answers asynchronously (a cluster choosing its probe) and never calls a refused tool', () => {
    const { tool, calls } = scriptedTool('svc', () => 'up');
    testScheduler().run(({ cold, expectObservable }) => {
      const engineAnswering = (answer: Observable<BreakerPermit>) => {
        const breaker: Breaker = { state: 'open', acquire: () => answer, record: () => 'closed', release: () => undefined, retryAfterMs: () => 2000 };
        return createEngine({ breakers: { get: () => breaker, states: () => ({}) } });
      };
      const probe = engineAnswering(cold<BreakerPermit>('5ms (p|)', { p: { allowed: true, transition: 'half-open' } }));
      expectObservable(runToolCall(call(tool, { taskId: 'a' }), probe).pipe(map(label))).toBe('5ms (abcd|)', {
        a: 'breaker:svc:half-open', b: 'start:a#1', c: 'breaker:svc:closed', d: 'done:a:"up"',
      });
      const refused = engineAnswering(cold<BreakerPermit>('5ms (p|)', { p: { allowed: false } }));
      expectObservable(runToolCall(call(tool, { taskId: 'b' }), refused).pipe(map(label))).toBe('5ms (f|)', { f: 'failed:b:circuit_open' });
      // unsubscribed before the answer: nothing runs
      const pending = engineAnswering(cold<BreakerPermit>('5ms (p|)', { p: { allowed: true } }));
      expectObservable(runToolCall(call(tool, { taskId: 'c' }), pending).pipe(map(label)), '^--!').toBe('');
    });
    expect(calls).toHaveLength(1);
  });

  it('holds a per-tool concurrency limit, proven by subscriptions', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const work = [cold('100ms (a|)', { a: 1 }), cold('100ms (b|)', { b: 2 }), cold('100ms (c|)', { c: 3 })];
      const { tool } = scriptedTool('limited', (_a, n) => work[n - 1], { concurrency: 2 });
      const engine = createEngine();
      const events = merge(...['x', 'y', 'z'].map((id) => runToolCall(call(tool, { taskId: id }), engine)));
      expectObservable(events.pipe(map(label))).toBe('(ab) 96ms (cde) 95ms (f|)', {
        a: 'start:x#1', b: 'start:y#1', c: 'done:x:1', d: 'start:z#1', e: 'done:y:2', f: 'done:z:3',
      });
      expectSubscriptions(work[0].subscriptions).toBe('^ 99ms !');
      expectSubscriptions(work[1].subscriptions).toBe('^ 99ms !');
      expectSubscriptions(work[2].subscriptions).toBe('100ms ^ 99ms !');
    });
  });

  it('unsubscribing cancels the running tool and aborts its signal', () => {
    const { tool, calls } = scriptedTool('slow', () => NEVER);
    testScheduler().run(({ expectObservable }) => {
      expectObservable(runToolCall(call(tool), createEngine()).pipe(map(label)), '^-----!').toBe('a', { a: 'start:t#1' });
    });
    expect(calls[0].signal.aborted).toBe(true);
  });

  it('a retryable error that is a plain Error is not retried (only tools know what is safe to retry)', () => {
    testScheduler().run(({ expectObservable }) => {
      const { tool } = scriptedTool('plain', () => throwError(() => new Error('nope')), { retry_count: 3 });
      expectObservable(runToolCall(call(tool), createEngine()).pipe(map(label))).toBe('(ab|)', { a: 'start:t#1', b: 'failed:t:tool_error' });
    });
  });
});

describe('runToolCall with a tracer', () => {
  const recordingTracer = () => {
    const log: string[] = [];
    let n = 0;
    const tracer = {
      startToolCall: ({ taskId, tool }: { taskId: string; tool: string }) => {
        const traceparent = `00-${'a'.repeat(32)}-${String(++n).padStart(16, '0')}-01`;
        log.push(`start ${taskId} ${tool}`);
        return {
          traceparent,
          end: (o: { error?: { code: string }; cancelled?: boolean; attempts: number }) =>
            log.push(`end ${taskId} ${o.cancelled ? 'cancelled' : o.error ? `error:${o.error.code}` : 'ok'} after ${o.attempts}`),
        };
      },
    };
    return { tracer, log };
  };

  it('sees one span per call around all its attempts, and the tool gets its traceparent', () => {
    const { tracer, log } = recordingTracer();
    const { tool, calls } = scriptedTool('flaky', (_a, n) => (n < 2 ? throwError(() => retryableError()) : 'ok'), { retry_count: 2 });
    const seen: string[] = [];
    testScheduler().run(({ flush }) => {
      const engine = createEngine({ tracer, backoff: { random: () => 0 } });
      runToolCall(call(tool), engine).subscribe((event) => seen.push(label(event)));
      flush();
    });
    expect(seen[0]).toBe('start:t#1');
    expect(seen.at(-1)).toBe('done:t:"ok"');
    expect(log).toEqual(['start t flaky', 'end t ok after 2']);
    expect(calls.map((c) => c.traceparent)).toEqual([`00-${'a'.repeat(32)}-0000000000000001-01`, `00-${'a'.repeat(32)}-0000000000000001-01`]);
  });

  it('ends the span with the error of a failed call, and as cancelled when torn down first', () => {
    const { tracer, log } = recordingTracer();
    const engine = createEngine({ tracer });
    const failing = scriptedTool('broken', () => throwError(() => new SapflowError('tool_error', 'no'))).tool;
    runToolCall(call(failing, { taskId: 'f' }), engine).subscribe();
    runToolCall(call(scriptedTool('stuck', () => NEVER).tool, { taskId: 's' }), engine).subscribe().unsubscribe();
    runToolCall(call(undefined, { taskId: 'u', toolName: 'nope' }), engine).subscribe();
    expect(log).toEqual([
      'start f broken', 'end f error:tool_error after 1',
      'start s stuck', 'end s cancelled after 0',
      'start u nope', 'end u error:unknown_tool after 0',
    ]);
  });
});
