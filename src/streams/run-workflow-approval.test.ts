import { NEVER, filter, map, timer, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Tool } from '../tools/tool.js';
import type { CompiledTask, CompiledWorkflow } from '../workflows/types.js';
import type { WorkflowEvent } from '../protocol/index.js';
import { createEngine } from './engine.js';
import { runWorkflow, type RunWorkflowOptions } from './run-workflow.js';
import type { TaskDecision } from './task-approval.js';
import { label, testScheduler } from './test-support.js';

type Spec = Partial<CompiledTask> & { id: string };
const flow = (...specs: Spec[]): CompiledWorkflow => {
  const tasks = specs.map((s) => ({ name: s.id, function: 'work', parameters: {}, dependencies: [], critical: true, ...s }));
  return { id: 'wf', name: 'wf', tasks, definition: { id: 'wf', name: 'wf', inputs: {}, tasks } };
};

/** `work` takes `ms` of virtual time and returns it; `send` is the same but configured to need approval. */
function tools() {
  const calls: string[] = [];
  const make = (name: string, extra: Partial<Tool> = {}): Tool => ({
    name,
    description: name,
    parameters: z.object({ ms: z.number().default(0) }).passthrough(),
    execute: (args: { ms: number }, ctx) => {
      calls.push(ctx.taskId);
      return args.ms < 0 ? NEVER : timer(args.ms).pipe(map(() => args.ms));
    },
    ...extra,
  });
  const byName: Record<string, Tool> = { work: make('work'), send: make('send', { needs_approval: true }) };
  return { tools: { get: (name: string) => byName[name] }, calls };
}

const labels = (events: Observable<WorkflowEvent>) => events.pipe(filter((e) => e.type !== 'workflow-progress'), map(label));
const start = (wf: CompiledWorkflow, options: Partial<RunWorkflowOptions> & { maxParallel?: number } = {}) => {
  const { tools: registry, calls } = tools();
  const engine = createEngine({ maxParallel: options.maxParallel ?? 5, progressIntervalMs: 0 });
  return { events: runWorkflow(wf, engine, { tools: registry, inputs: {}, executionId: 'e1', ...options }), calls };
};
const yes = (taskId: string): TaskDecision => ({ taskId, approved: true, by: 'alice' });
const no = (taskId: string, reason?: string): TaskDecision => ({ taskId, approved: false, by: 'alice', reason });

describe('runWorkflow approvals', () => {
  it('holds a task for approval while the tasks that do not depend on it go on, then runs it once approved', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const wf = flow(
        { id: 'letter', parameters: { ms: 100 }, approval: 'required' },
        { id: 'other', parameters: { ms: 500 } },
        { id: 'after', parameters: { ms: 100 }, dependencies: ['letter'] },
      );
      const decisions = cold<TaskDecision>('300ms a', { a: yes('letter') });
      const { events } = start(wf, { decisions });
      expectObservable(labels(events)).toBe('(wab) 295ms (cd) 96ms (ef) 96ms (ghF|)', {
        w: 'workflow-start', a: 'ask:letter', b: 'start:other#1', c: 'approved:letter:alice', d: 'start:letter#1',
        e: 'done:letter:100', f: 'start:after#1', g: 'done:other:500', h: 'done:after:100', F: 'finish:completed',
      });
    });
  });

  it('does not let a waiting task hold a slot of the concurrency limit', () => {
    testScheduler().run(({ expectObservable }) => {
      const wf = flow({ id: 'ask', approval: 'required' }, { id: 'a', parameters: { ms: 100 } }, { id: 'b', parameters: { ms: 100 } });
      const { events } = start(wf, { maxParallel: 1, decisions: NEVER });
      expectObservable(labels(events)).toBe('(wxa) 95ms (bc) 96ms (dW|)', {
        w: 'workflow-start', x: 'ask:ask', a: 'start:a#1', b: 'done:a:100', c: 'start:b#1', d: 'done:b:100', W: 'waiting:ask',
      });
    });
  });

  it('parks when only waiting tasks are left: workflow-waiting, then it completes without a finish', () => {
    const wf = flow({ id: 'send', function: 'send' }, { id: 'log', dependencies: ['send'] }, { id: 'solo', parameters: { ms: 50 } });
    const { events, calls } = start(wf);
    testScheduler().run(({ expectObservable }) => {
      expectObservable(labels(events)).toBe('(wxa) 45ms (bW|)', { w: 'workflow-start', x: 'ask:send', a: 'start:solo#1', b: 'done:solo:50', W: 'waiting:send' });
    });
    // the tool that needs approval was never called
    expect(calls).toEqual(['solo']);
  });

  it('fails a denied non-critical task with `denied`, skips its dependents and finishes partial', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const wf = flow({ id: 'send', approval: 'required', critical: false }, { id: 'log', dependencies: ['send'] }, { id: 'other', parameters: { ms: 200 } });
      const { events } = start(wf, { decisions: cold('100ms a', { a: no('send', 'wrong client') }) });
      const failed = events.pipe(filter((e) => e.type === 'task-failed'), map((e) => (e.type === 'task-failed' ? e.error : null)));
      expectObservable(failed).toBe('100ms a 99ms |', { a: { code: 'denied', message: 'Denied by alice: wrong client' } });
      expectObservable(labels(events)).toBe('(wxa) 95ms (dfs) 95ms (bF|)', {
        w: 'workflow-start', x: 'ask:send', a: 'start:other#1', d: 'denied:send:alice', f: 'failed:send:denied', s: 'skipped:log', b: 'done:other:200', F: 'finish:partial',
      });
    });
  });

  it('stops the run when a denied task is critical: what has not started is skipped, the run failed', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const wf = flow({ id: 'send', approval: 'required' }, { id: 'log', dependencies: ['send'] }, { id: 'later', parameters: { ms: 300 }, dependencies: ['first'] }, { id: 'first', parameters: { ms: 200 } });
      const { events } = start(wf, { decisions: cold('100ms a', { a: no('send') }) });
      expectObservable(labels(events)).toBe('(wxa) 95ms (dfsl) 94ms (bF|)', {
        w: 'workflow-start', x: 'ask:send', a: 'start:first#1', d: 'denied:send:alice', f: 'failed:send:denied', s: 'skipped:log', l: 'skipped:later',
        b: 'done:first:200', F: 'finish:failed',
      });
    });
  });

  it('denies a task nobody decided on within approval_timeout, on virtual time', () => {
    testScheduler().run(({ expectObservable }) => {
      const wf = flow({ id: 'send', approval: 'required', approval_timeout: 5, critical: false }, { id: 'slow', parameters: { ms: 9000 } });
      const { events } = start(wf, { decisions: NEVER });
      const asked = events.pipe(filter((e) => e.type === 'task-approval-request'), map((e) => (e.type === 'task-approval-request' ? e.expiresAt : '')));
      expectObservable(asked).toBe('a 8999ms |', { a: '1970-01-01T00:00:05.000Z' });
      expectObservable(labels(events)).toBe('(wxa) 4995ms (df) 3996ms (bF|)', {
        w: 'workflow-start', x: 'ask:send', a: 'start:slow#1', d: 'denied:send:timeout', f: 'failed:send:denied', b: 'done:slow:9000', F: 'finish:partial',
      });
    });
  });

  it('ignores a decision for a task that is not waiting, and a second decision for one that was decided', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const wf = flow({ id: 'send', approval: 'required', parameters: { ms: 10 } }, { id: 'plain', parameters: { ms: 500 } });
      const decisions = cold('100ms a 9ms b 9ms c', { a: yes('plain'), b: yes('send'), c: no('send') });
      const { events } = start(wf, { decisions });
      expectObservable(labels(events)).toBe('(wxa) 105ms (ds) 6ms e 379ms (fF|)', {
        w: 'workflow-start', x: 'ask:send', a: 'start:plain#1', d: 'approved:send:alice', s: 'start:send#1', e: 'done:send:10', f: 'done:plain:500', F: 'finish:completed',
      });
    });
  });

  describe('resumed from its log', () => {
    const wf = flow({ id: 'send', approval: 'required', parameters: { ms: 10 } }, { id: 'log', dependencies: ['send'] });
    const asked = { input: { ms: 10 }, expiresAt: undefined };

    it('runs a task the log shows approved, without asking again', () => {
      testScheduler().run(({ expectObservable }) => {
        const resume = { settled: {}, startedAt: 0, attempt: 0, approvals: { send: { ...asked, decision: { approved: true, by: 'alice' } } } };
        const { events } = start(wf, { resume });
        expectObservable(labels(events)).toBe('(ra) 6ms (bcdF|)', { r: 'resumed#0', a: 'start:send#1', b: 'done:send:10', c: 'start:log#1', d: 'done:log:0', F: 'finish:completed' });
      });
    });

    it('fails a task the log shows denied (the decision came while it was parked)', () => {
      const resume = { settled: {}, startedAt: 0, attempt: 0, approvals: { send: { ...asked, decision: { approved: false, by: 'alice', reason: 'no' } } } };
      const { events, calls } = start(wf, { resume });
      testScheduler().run(({ expectObservable }) => {
        expectObservable(labels(events)).toBe('(rfsF|)', { r: 'resumed#0', f: 'failed:send:denied', s: 'skipped:log', F: 'finish:failed' });
      });
      expect(calls).toEqual([]);
    });

    it('waits again, silently, for a task asked about and not decided: it parks at once', () => {
      testScheduler().run(({ expectObservable }) => {
        const resume = { settled: {}, startedAt: 0, attempt: 0, approvals: { send: asked } };
        const { events } = start(wf, { resume });
        expectObservable(labels(events)).toBe('(rW|)', { r: 'resumed#0', W: 'waiting:send' });
      });
    });

    it('denies at once a task whose approval_timeout ran out while it was parked', () => {
      testScheduler().run(({ expectObservable }) => {
        const resume = { settled: {}, startedAt: 0, attempt: 0, approvals: { send: { input: {}, expiresAt: '1969-12-31T23:59:00.000Z' } } };
        const { events } = start(wf, { resume });
        expectObservable(labels(events)).toBe('(rdfsF|)', { r: 'resumed#0', d: 'denied:send:timeout', f: 'failed:send:denied', s: 'skipped:log', F: 'finish:failed' });
      });
    });
  });

  it('announces the wake-up time of a parked run: the earliest deadline of its waiting tasks', () => {
    testScheduler().run(({ expectObservable }) => {
      const wf = flow({ id: 'a', approval: 'required', approval_timeout: 60 }, { id: 'b', approval: 'required', approval_timeout: 30 });
      const { events } = start(wf);
      const waiting = events.pipe(filter((e) => e.type === 'workflow-waiting'), map((e) => (e.type === 'workflow-waiting' ? e.wakeAt : '')));
      expectObservable(waiting).toBe('(a|)', { a: '1970-01-01T00:00:30.000Z' });
    });
  });
});

describe('runWorkflow approvals given before the wait', () => {
  it('applies a decision that came before its task was asked about (stored while the run was parked)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const wf = flow({ id: 'first', parameters: { ms: 100 } }, { id: 'send', approval: 'required', dependencies: ['first'] });
      const { events } = start(wf, { decisions: cold('a', { a: yes('send') }) });
      expectObservable(labels(events)).toBe('(wa) 96ms (bxdsef|)', {
        w: 'workflow-start', a: 'start:first#1', b: 'done:first:100', x: 'ask:send', d: 'approved:send:alice', s: 'start:send#1', e: 'done:send:0', f: 'finish:completed',
      });
    });
  });
});
