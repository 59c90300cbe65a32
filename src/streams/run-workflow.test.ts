import fc from 'fast-check';
import { NEVER, filter, lastValueFrom, map, timer, toArray, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import type { Tool } from '../tools/tool.js';
import type { CompiledTask, CompiledWorkflow } from '../workflows/types.js';
import { createEngine } from './engine.js';
import type { WorkflowEvent, WorkflowFinishEvent } from '../protocol/index.js';
import { runWorkflow } from './run-workflow.js';
import { label, testScheduler } from './test-support.js';

type Spec = Partial<CompiledTask> & { id: string };
const flow = (...specs: Spec[]): CompiledWorkflow => {
  const tasks = specs.map((s) => ({ name: s.id, function: 'work', parameters: {}, dependencies: [], critical: true, ...s }));
  return { id: 'wf', name: 'wf', tasks, definition: { id: 'wf', name: 'wf', inputs: {}, tasks } };
};

/** One tool whose behaviour depends on the `ms` / `fail` / `value` arguments; it records its calls. */
function workTool(schedulerFree = true) {
  const calls: { args: any; signal: AbortSignal }[] = [];
  const tool: Tool = {
    name: 'work',
    description: 'simulated work',
    parameters: z.object({ ms: z.number().default(0), fail: z.boolean().default(false), value: z.unknown().optional() }),
    execute: (args, ctx) => {
      calls.push({ args, signal: ctx.signal });
      if (args.ms < 0) return NEVER;
      return timer(args.ms).pipe(map(() => {
        if (args.fail) throw new SapflowError('tool_error', 'simulated failure');
        return args.value ?? args.ms;
      }));
    },
  };
  void schedulerFree;
  return { tools: { get: (name: string) => (name === 'work' ? tool : undefined) }, calls };
}

const withoutProgress = (events: Observable<WorkflowEvent>) => events.pipe(filter((e) => e.type !== 'workflow-progress'), map(label));
const run = (wf: CompiledWorkflow, extra: { maxParallel?: number; signal?: AbortSignal; reuse?: Record<string, unknown> } = {}) => {
  const { tools, calls } = workTool();
  const engine = createEngine({ maxParallel: extra.maxParallel ?? 5, progressIntervalMs: 0 });
  return { events: runWorkflow(wf, engine, { tools, inputs: {}, executionId: 'e1', signal: extra.signal, reuse: extra.reuse }), calls };
};

describe('runWorkflow', () => {
  it('starts a join the moment its own dependencies are done (500 ms, not 800 ms)', () => {
    testScheduler().run(({ expectObservable }) => {
      const wf = flow(
        { id: 'slow', parameters: { ms: 500 } },
        { id: 'a', parameters: { ms: 100 } },
        { id: 'b', parameters: { ms: 100 }, dependencies: ['a'] },
        { id: 'c', parameters: { ms: 100 }, dependencies: ['b'] },
        { id: 'd', parameters: { ms: 100 }, dependencies: ['c'] },
        { id: 'join', parameters: { ms: 0 }, dependencies: ['slow', 'd'] },
      );
      const { events } = run(wf);
      const starts = events.pipe(filter((e) => e.type === 'task-start' || e.type === 'workflow-finish'), map(label));
      expectObservable(starts).toBe('(ab) 96ms c 99ms d 99ms e 199ms (fg|)', {
        a: 'start:slow#1', b: 'start:a#1', c: 'start:b#1', d: 'start:c#1', e: 'start:d#1', f: 'start:join#1', g: 'finish:completed',
      });
    });
  });

  it('holds the global concurrency limit, proven by subscriptions', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const work = [0, 1, 2, 3].map(() => cold('100ms (r|)', { r: 'ok' }));
      const tool: Tool = { name: 'work', description: '', parameters: z.object({ i: z.number() }), execute: ({ i }) => work[i] };
      const wf = flow(...[0, 1, 2, 3].map((i) => ({ id: `t${i}`, parameters: { i } })));
      const events = runWorkflow(wf, createEngine({ maxParallel: 2, progressIntervalMs: 0 }), { tools: { get: () => tool }, inputs: {}, executionId: 'e1' });
      expectObservable(events.pipe(filter((e) => e.type === 'workflow-finish'), map(label))).toBe('200ms (a|)', { a: 'finish:completed' });
      expectSubscriptions(work[0].subscriptions).toBe('^ 99ms !');
      expectSubscriptions(work[1].subscriptions).toBe('^ 99ms !');
      expectSubscriptions(work[2].subscriptions).toBe('100ms ^ 99ms !');
      expectSubscriptions(work[3].subscriptions).toBe('100ms ^ 99ms !');
    });
  });

  it('skips the dependents of a failed non-critical task, with the reason, and ends partial', () => {
    testScheduler().run(({ expectObservable }) => {
      const wf = flow(
        { id: 'a', parameters: { ms: 10, fail: true }, critical: false },
        { id: 'b', dependencies: ['a'] },
        { id: 'c', dependencies: ['b'] },
        { id: 'other', parameters: { ms: 20 } },
      );
      expectObservable(withoutProgress(run(wf).events)).toBe('(sab) 5ms (cde) 5ms (fg|)', {
        s: 'workflow-start', a: 'start:a#1', b: 'start:other#1',
        c: 'failed:a:tool_error', d: 'skipped:b', e: 'skipped:c',
        f: 'done:other:20', g: 'finish:partial',
      });
    });
  });

  it('a failed critical task stops new starts, lets running tasks finish, and ends failed', async () => {
    const { events } = run(flow(
      { id: 'a', parameters: { ms: 10, fail: true } },
      { id: 'long', parameters: { ms: 30 } },
      { id: 'after_long', dependencies: ['long'] },
    ));
    const all = await lastValueFrom(events.pipe(toArray()));
    const finish = all.at(-1) as WorkflowFinishEvent;
    expect(finish.status).toBe('failed');
    expect(finish.tasks.long.status).toBe('completed');
    expect(finish.tasks.after_long).toMatchObject({ status: 'skipped', reason: 'the workflow stopped: critical task a failed' });
    const order = all.filter((e) => e.type !== 'workflow-progress').map(label);
    expect(order.indexOf('skipped:after_long')).toBeLessThan(order.indexOf('done:long:30'));
  });

  it('passes results between tasks and skips a task whose condition is false', async () => {
    const wf = flow(
      { id: 'check', parameters: { value: { has_conflicts: true, name: 'Acme' } } },
      { id: 'letter', parameters: { value: '${check.result.name}' }, dependencies: ['check'], condition: 'check.result.has_conflicts == false' },
      { id: 'notify', parameters: { value: 'Conflict for ${check.result.name}' }, dependencies: ['check'], condition: 'check.result.has_conflicts == true' },
      { id: 'send', dependencies: ['letter'] },
    );
    const all = await lastValueFrom(run(wf).events.pipe(toArray()));
    const finish = all.at(-1) as WorkflowFinishEvent;
    expect(finish.status).toBe('completed');
    expect(finish.tasks.letter).toMatchObject({ status: 'skipped', reason: 'condition check.result.has_conflicts == false is false' });
    expect(finish.tasks.send).toMatchObject({ status: 'skipped', reason: 'dependency letter was skipped' });
    expect(finish.tasks.notify).toMatchObject({ status: 'completed', result: 'Conflict for Acme' });
  });

  it('fails a task whose parameters cannot be resolved, without calling its tool', async () => {
    const { events, calls } = run(flow({ id: 'a', parameters: { value: { x: 1 } } }, { id: 'b', parameters: { value: '${a.result.missing.deeper}' }, dependencies: ['a'] }));
    const finish = (await lastValueFrom(events)) as WorkflowFinishEvent;
    expect(finish.tasks.b.status).toBe('failed');
    expect(finish.tasks.b.error?.code).toBe('bad_expression');
    expect(calls).toHaveLength(1);
  });

  it('aborting the signal cancels: running tools are aborted, the rest skipped, the run ends cancelled', () => {
    const controller = new AbortController();
    const { events, calls } = run(flow({ id: 'a', parameters: { ms: -1 } }, { id: 'b', dependencies: ['a'] }), { signal: controller.signal });
    testScheduler().run(({ expectObservable, cold }) => {
      cold('50ms a').subscribe(() => controller.abort());
      expectObservable(withoutProgress(events)).toBe('(sa) 46ms (bcd|)', {
        s: 'workflow-start', a: 'start:a#1', b: 'failed:a:cancelled', c: 'skipped:b', d: 'finish:cancelled',
      });
    });
    expect(calls[0].signal.aborted).toBe(true);
  });

  it('unsubscribing tears down running tools', () => {
    const { events, calls } = run(flow({ id: 'a', parameters: { ms: -1 } }, { id: 'b', parameters: { ms: -1 } }));
    testScheduler().run(({ expectObservable }) => {
      expectObservable(withoutProgress(events), '^ 20ms !').toBe('(sab)', { s: 'workflow-start', a: 'start:a#1', b: 'start:b#1' });
    });
    expect(calls.map((c) => c.signal.aborted)).toEqual([true, true]);
  });

  it('reuses the results of tasks completed in an earlier run', async () => {
    const { events, calls } = run(flow({ id: 'a', parameters: { ms: 5 } }, { id: 'b', parameters: { value: '${a.result}' }, dependencies: ['a'] }), { reuse: { a: 'kept' } });
    const all = await lastValueFrom(events.pipe(toArray()));
    expect(all.find((e) => e.type === 'task-complete' && e.taskId === 'a')).toMatchObject({ reused: true, result: 'kept' });
    expect((all.at(-1) as WorkflowFinishEvent).tasks.b.result).toBe('kept');
    expect(calls).toHaveLength(1);
  });

  it('reports progress with counts and an ETA from the tools mean durations', () => {
    testScheduler().run(({ expectObservable }) => {
      const wf = flow({ id: 'a', parameters: { ms: 100 } }, { id: 'b', parameters: { ms: 100 }, dependencies: ['a'] });
      const engine = createEngine({ progressIntervalMs: 0 });
      engine.stats.record('work', 100);
      const { tools } = workTool();
      const progress = runWorkflow(wf, engine, { tools, inputs: {}, executionId: 'e1' }).pipe(
        filter((e) => e.type === 'workflow-progress'),
        map((e) => (e.type === 'workflow-progress' ? `${e.progressPercentage}%/${e.estimatedTimeRemainingMs}` : '')),
      );
      expectObservable(progress).toBe('(ab) 96ms (cd) 96ms (ef|)', { a: '0%/200', b: '0%/200', c: '50%/100', d: '50%/100', e: '100%/0', f: '100%/0' });
    });
  });

  it('runs a long chain of instant tasks without growing the stack', async () => {
    const n = 5_000;
    const tool: Tool = { name: 'work', description: '', parameters: z.object({}), execute: () => 1 };
    const wf = flow(...Array.from({ length: n }, (_, i) => ({ id: `t${i}`, dependencies: i ? [`t${i - 1}`] : [] })));
    const finish = (await lastValueFrom(runWorkflow(wf, createEngine(), { tools: { get: () => tool }, inputs: {}, executionId: 'e' }))) as WorkflowFinishEvent;
    expect(finish.status).toBe('completed');
    expect(Object.keys(finish.tasks)).toHaveLength(n);
  });

  it('property: random DAGs run every task after its dependencies and finish exactly at the critical path', () => {
    const dag = fc.integer({ min: 1, max: 25 }).chain((n) =>
      fc.tuple(
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: n, maxLength: n }),
        fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: n, maxLength: n }),
      ),
    );
    fc.assert(
      fc.property(dag, ([durations, depPicks]) => {
        const specs = durations.map((ms, i) => ({
          id: `t${i}`,
          parameters: { ms },
          dependencies: i === 0 ? [] : [...new Set(depPicks[i].map((p) => `t${p % i}`))],
        }));
        const finishAt = new Map<string, number>();
        for (const s of specs) finishAt.set(s.id, Math.max(0, ...s.dependencies.map((d) => finishAt.get(d)!)) + s.parameters.ms);
        const criticalPath = Math.max(...finishAt.values());
        const scheduler = new TestScheduler(() => undefined);
        const seen: { type: string; id?: string; frame: number }[] = [];
        scheduler.run(() => {
          run(flow(...specs), { maxParallel: 1000 }).events.subscribe((e) => {
            if (e.type === 'task-start' || e.type === 'task-complete') seen.push({ type: e.type, id: e.taskId, frame: scheduler.now() });
            if (e.type === 'workflow-finish') seen.push({ type: e.type, frame: scheduler.now() });
          });
        });
        const doneAt = new Map(seen.filter((s) => s.type === 'task-complete').map((s) => [s.id!, s.frame]));
        for (const start of seen.filter((s) => s.type === 'task-start')) {
          for (const dep of specs.find((s) => s.id === start.id)!.dependencies) expect(doneAt.get(dep)).toBeLessThanOrEqual(start.frame);
        }
        expect(doneAt.size).toBe(specs.length);
        expect(seen.at(-1)).toEqual({ type: 'workflow-finish', frame: criticalPath });
      }),
      { numRuns: 150 },
    );
  });
});
