import { map, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ModelChunk } from '../model/chat-model.js';
import type { ChatTurnEvent } from '../protocol/index.js';
import { createEngine, runChatTurn } from '../streams/index.js';
import { testScheduler } from '../streams/test-support.js';
import type { Tool } from '../tools/tool.js';
import { withChatProgress } from './chat-progress.js';

const tool = (name: string, ms: number): Tool => ({ name, description: name, parameters: z.object({}), execute: () => timer(ms).pipe(map(() => ({ name }))) });

describe('withChatProgress', () => {
  it('sends a progress snapshot after every task change of a chat turn, with its tool calls as tasks and an ETA', () => {
    const snapshots: string[] = [];
    testScheduler().run(({ cold, flush }) => {
      const engine = createEngine();
      engine.stats.record('t1', 80);
      const model = { stream: () => cold<ModelChunk>('(af|)', { a: { type: 'tool-call-ready', id: '1', name: 't1', args: '{}' }, f: { type: 'finish', finishReason: 'tool-calls' } }) };
      const tools = { get: (n: string) => (n === 't1' ? tool('t1', 50) : undefined), toModelTools: () => [] };
      runChatTurn({ model, tools, messages: [], engine, executionId: 'x', maxSteps: 1 })
        .pipe(withChatProgress('x', { estimate: (fn) => engine.stats.estimate(fn), maxParallel: 5, now: () => engine.scheduler.now() }))
        .subscribe((e: ChatTurnEvent) => {
          if (e.type === 'progress') snapshots.push(`${e.snapshot.tasks.map((t) => `${t.name}:${t.status}`).join(',')}@${e.snapshot.progressPercentage}~${e.snapshot.estimatedTimeRemainingMs}`);
        });
      flush();
    });
    expect(snapshots).toEqual(['t1:running@0~80', 't1:completed@100~0']);
  });

  it('derives the same snapshots from a replayed log as from the live turn, ignoring any upstream snapshot', () => {
    const log: ChatTurnEvent[] = [
      { type: 'workflow-start', executionId: 'x', at: '2030-01-01T00:00:00.000Z', workflowId: 'chat', name: 'Chat turn', input: {}, tasks: [] },
      { type: 'step-start', step: 1 },
      { type: 'progress', snapshot: { executionId: 'bogus', status: 'running', tasks: [], counts: { total: 9, pending: 9, running: 0, waiting: 0, completed: 0, failed: 0, skipped: 0 }, progressPercentage: 0, estimatedTimeRemainingMs: null } },
      { type: 'task-start', executionId: 'x', at: '2030-01-01T00:00:00.010Z', taskId: 'c1', function: 'lookup', attempt: 1 },
      { type: 'task-failed', executionId: 'x', at: '2030-01-01T00:00:00.020Z', taskId: 'c1', error: { code: 'timeout', message: 'slow' }, durationMs: 10, attempts: 1 },
    ];
    const out: ChatTurnEvent[] = [];
    testScheduler().run(({ cold, flush }) => {
      cold<ChatTurnEvent>('(abcde|)', { a: log[0], b: log[1], c: log[2], d: log[3], e: log[4] })
        .pipe(withChatProgress('x', { estimate: () => undefined, maxParallel: 5, now: () => 0 }))
        .subscribe((e) => out.push(e));
      flush();
    });
    const progress = out.filter((e) => e.type === 'progress').map((e) => (e.type === 'progress' ? e.snapshot : undefined));
    expect(progress.map((s) => [s?.executionId, s?.counts.total, s?.tasks[0]?.status, s?.progressPercentage])).toEqual([
      ['x', 1, 'running', 0],
      ['x', 1, 'failed', 100],
    ]);
    expect(progress[0]?.startedAt).toBe('2030-01-01T00:00:00.000Z');
  });

  it('puts a tool call\'s own progress on its task in a fresh snapshot', () => {
    const snapshots: unknown[] = [];
    testScheduler().run(({ cold, flush }) => {
      const engine = createEngine();
      const chatty: Tool = {
        name: 'docs__slow', description: 'slow', parameters: z.object({}),
        execute: (_args, ctx) => cold('-a-b|', { a: 1, b: 2 }).pipe(map((step) => (ctx.progress({ progress: step, total: 2 }), step))),
      };
      const model = { stream: () => cold<ModelChunk>('(af|)', { a: { type: 'tool-call-ready', id: '1', name: 'docs__slow', args: '{}' }, f: { type: 'finish', finishReason: 'tool-calls' } }) };
      runChatTurn({ model, tools: { get: () => chatty, toModelTools: () => [] }, messages: [], engine, executionId: 'x', maxSteps: 1 })
        .pipe(withChatProgress('x', { estimate: () => undefined, maxParallel: 5, now: () => engine.scheduler.now() }))
        .subscribe((e: ChatTurnEvent) => {
          if (e.type === 'progress') snapshots.push([e.snapshot.tasks[0]?.status, e.snapshot.tasks[0]?.progress]);
        });
      flush();
    });
    expect(snapshots).toEqual([
      ['running', undefined],
      ['running', { progress: 1, total: 2 }],
      ['running', { progress: 2, total: 2 }],
      ['completed', { progress: 2, total: 2 }],
    ]);
  });
  it('shows a call held for approval as a waiting task, and a turn that ends on it as waiting, not completed', () => {
    const at = '2030-01-01T00:00:00.000Z';
    const log: ChatTurnEvent[] = [
      { type: 'workflow-start', executionId: 'x', at, workflowId: 'chat', name: 'Chat turn', input: {}, tasks: [] },
      { type: 'tool-input-available', toolCallId: 'c1', toolName: 'send_email', input: { to: 'john@example.com' } },
      { type: 'tool-approval-request', toolCallId: 'c1', toolName: 'send_email', approvalId: 'apr_1' },
      { type: 'task-start', executionId: 'x', at, taskId: 'c2', function: 'lookup', attempt: 1 },
      { type: 'task-complete', executionId: 'x', at, taskId: 'c2', result: 1, durationMs: 5, attempts: 1 },
      { type: 'workflow-finish', executionId: 'x', at, status: 'completed', tasks: {}, durationMs: 9 },
    ];
    const out: ChatTurnEvent[] = [];
    testScheduler().run(({ cold, flush }) => {
      cold<ChatTurnEvent>('(abcdef|)', { a: log[0], b: log[1], c: log[2], d: log[3], e: log[4], f: log[5] })
        .pipe(withChatProgress('x', { estimate: () => undefined, maxParallel: 5, now: () => 0 }))
        .subscribe((e) => out.push(e));
      flush();
    });
    const progress = out.flatMap((e) => (e.type === 'progress' ? [e.snapshot] : []));
    expect(progress.map((s) => `${s.status}:${s.tasks.map((t) => `${t.id}=${t.status}`).join(',')}`)).toEqual([
      'running:c1=waiting',
      'running:c1=waiting,c2=running',
      'running:c1=waiting,c2=completed',
      'waiting:c1=waiting,c2=completed',
    ]);
    expect(progress[0]?.tasks[0]?.approval?.input).toEqual({ to: 'john@example.com' });
  });
});
