import { filter, map, timer, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ModelChunk, ModelRequest } from '../model/chat-model.js';
import type { Tool } from '../tools/tool.js';
import type { ChatTurnEvent } from '../protocol/index.js';
import { runChatTurn } from './chat-turn.js';
import { createEngine } from './engine.js';
import { testScheduler } from './test-support.js';

const slowTool = (name: string, ms: number): Tool => ({
  name,
  description: name,
  parameters: z.object({ q: z.string().optional() }),
  execute: (args) => timer(ms).pipe(map(() => ({ tool: name, q: args.q ?? null }))),
});
const registry = (...tools: Tool[]) => ({
  get: (name: string) => tools.find((t) => t.name === name),
  toModelTools: () => tools.map((t) => ({ name: t.name, description: t.description, parameters: {} })),
});

const short = (e: ChatTurnEvent): string => {
  switch (e.type) {
    case 'text-delta': return `text:${e.delta}`;
    case 'tool-input-available': return `call:${e.toolCallId}`;
    case 'task-start': return `start:${e.taskId}`;
    case 'task-complete': return `done:${e.taskId}`;
    case 'task-failed': return `failed:${e.taskId}:${e.error.code}`;
    case 'step-start': return `step:${e.step}`;
    case 'step-finish': return `end:${e.finishReason}`;
    case 'finish': return `finish:${e.finishReason}`;
    case 'error': return `error:${e.error.code}`;
    default: return e.type;
  }
};
const visible = (events: Observable<ChatTurnEvent>) =>
  events.pipe(filter((e) => !['progress', 'tool-input-start', 'tool-input-delta', 'workflow-start', 'workflow-finish'].includes(e.type)), map(short));

describe('runChatTurn', () => {
  it('starts each tool the moment its own arguments are complete, before the model turn ends, and loops with the results', () => {
    const requests: ModelRequest[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const turns: Observable<ModelChunk>[] = [
        // call a is ready at 10 while call b's arguments still stream until 50
        cold('a 9ms b 39ms c 9ms (d|)', {
          a: { type: 'tool-call-start', index: 0, id: 'a', name: 'triage' },
          b: { type: 'tool-call-ready', id: 'a', name: 'triage', args: '{"q":"today"}' },
          c: { type: 'tool-call-ready', id: 'b', name: 'billing', args: '{}' },
          d: { type: 'finish', finishReason: 'tool-calls' },
        }),
        cold('10ms (ab|)', { a: { type: 'text-delta', delta: 'Both done.' }, b: { type: 'finish', finishReason: 'stop' } }),
      ];
      const model = { stream: (r: ModelRequest) => (requests.push(r), turns[requests.length - 1]) };
      const events = runChatTurn({ model, tools: registry(slowTool('triage', 300), slowTool('billing', 300)), messages: [{ role: 'user', content: 'go' }], engine: createEngine(), executionId: 'x' });
      expectObservable(visible(events)).toBe('s 9ms (ab) 36ms (cd) 256ms e 39ms (fgh) 5ms (ijk|)', {
        s: 'step:1', a: 'call:a', b: 'start:a', c: 'call:b', d: 'start:b', e: 'done:a', f: 'done:b', g: 'end:tool-calls',
        h: 'step:2', i: 'text:Both done.', j: 'end:stop', k: 'finish:stop',
      });
    });
    expect(requests).toHaveLength(2);
    expect(requests[1].messages.slice(1)).toEqual([
      { role: 'assistant', content: null, toolCalls: [
        { id: 'a', name: 'triage', arguments: '{"q":"today"}' },
        { id: 'b', name: 'billing', arguments: '{}' },
      ] },
      { role: 'tool', toolCallId: 'a', content: '{"tool":"triage","q":"today"}' },
      { role: 'tool', toolCallId: 'b', content: '{"tool":"billing","q":null}' },
    ]);
  });

  const oneTurn = (chunks: Record<string, ModelChunk>, marble: string, then?: Record<string, ModelChunk>) => {
    const requests: ModelRequest[] = [];
    return {
      requests,
      model: (cold: (m: string, v: Record<string, ModelChunk>) => Observable<ModelChunk>) => ({
        stream: (r: ModelRequest) => {
          requests.push(r);
          return requests.length === 1 ? cold(marble, chunks) : cold('(ab|)', then ?? { a: { type: 'text-delta', delta: 'ok' }, b: { type: 'finish', finishReason: 'stop' } });
        },
      }),
    };
  };

  it('runs three 300 ms tools in parallel: all done at 300 ms, not 900 ms', () => {
    const script = oneTurn({
      a: { type: 'tool-call-ready', id: '1', name: 't1', args: '{}' },
      b: { type: 'tool-call-ready', id: '2', name: 't2', args: '{}' },
      c: { type: 'tool-call-ready', id: '3', name: 't3', args: '{}' },
      f: { type: 'finish', finishReason: 'tool-calls' },
    }, '(abcf|)');
    testScheduler().run(({ cold, expectObservable }) => {
      const events = runChatTurn({ model: script.model(cold), tools: registry(slowTool('t1', 300), slowTool('t2', 300), slowTool('t3', 300)), messages: [], engine: createEngine(), executionId: 'x' });
      expectObservable(events.pipe(filter((e) => e.type === 'task-complete'), map(short))).toBe('300ms (abc|)', { a: 'done:1', b: 'done:2', c: 'done:3' });
    });
  });

  it("keys each tool call by the run and the model's tool call id", () => {
    const keys: string[] = [];
    const keyed: Tool = { ...slowTool('keyed', 10), execute: (_args, ctx) => (keys.push(ctx.idempotencyKey), timer(10)) };
    const script = oneTurn({
      a: { type: 'tool-call-ready', id: 'call_1', name: 'keyed', args: '{}' },
      b: { type: 'tool-call-ready', id: 'call_2', name: 'keyed', args: '{}' },
      f: { type: 'finish', finishReason: 'tool-calls' },
    }, '(abf|)');
    testScheduler().run(({ cold, expectObservable }) => {
      const events = runChatTurn({ model: script.model(cold), tools: registry(keyed), messages: [], engine: createEngine(), executionId: 'chat-9' });
      expectObservable(events.pipe(filter((e) => e.type === 'task-complete'), map(short))).toBe('10ms (ab|)', { a: 'done:call_1', b: 'done:call_2' });
    });
    expect(keys).toEqual(['chat-9:call_1', 'chat-9:call_2']);
  });

  it('turns invalid JSON arguments and unknown tools into tool errors the model sees next step', () => {
    const script = oneTurn({
      a: { type: 'tool-call-ready', id: '1', name: 't1', args: '{"q": ' },
      b: { type: 'tool-call-ready', id: '2', name: 'nope', args: '{}' },
      f: { type: 'finish', finishReason: 'tool-calls' },
    }, '(abf|)');
    testScheduler().run(({ cold, expectObservable }) => {
      const events = runChatTurn({ model: script.model(cold), tools: registry(slowTool('t1', 10)), messages: [], engine: createEngine(), executionId: 'x' });
      expectObservable(visible(events)).toBe('(sacbdefghi|)', {
        s: 'step:1', a: 'call:1', c: 'failed:1:invalid_arguments', b: 'call:2', d: 'failed:2:unknown_tool',
        e: 'end:tool-calls', f: 'step:2', g: 'text:ok', h: 'end:stop', i: 'finish:stop',
      });
    });
    const toolMessages = script.requests[1].messages.filter((m) => m.role === 'tool');
    expect(toolMessages.map((m) => JSON.parse(m.content as string).error.code)).toEqual(['invalid_arguments', 'unknown_tool']);
  });

  it('ends with an error event and finish(error) when the model fails, never erroring the stream', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const model = { stream: () => cold<ModelChunk>('10ms a 9ms #', { a: { type: 'text-delta', delta: 'Hel' } }, Object.assign(new Error('The model endpoint answered 503 after 3 retries'), {})) };
      const events = runChatTurn({ model, tools: registry(), messages: [], engine: createEngine(), executionId: 'x' });
      expectObservable(events.pipe(filter((e) => e.type !== 'progress'), map(short))).toBe('(ws) 6ms a 9ms (ebc|)', {
        w: 'workflow-start', s: 'step:1', a: 'text:Hel', e: 'error:upstream_error', b: 'workflow-finish', c: 'finish:error',
      });
    });
  });

  it('stops at maxSteps even if the model keeps calling tools', () => {
    let n = 0;
    testScheduler().run(({ cold, expectObservable }) => {
      const model = { stream: () => cold<ModelChunk>('(ab|)', { a: { type: 'tool-call-ready', id: `c${++n}`, name: 't1', args: '{}' }, b: { type: 'finish', finishReason: 'tool-calls' } }) };
      const events = runChatTurn({ model, tools: registry(slowTool('t1', 0)), messages: [], engine: createEngine(), executionId: 'x', maxSteps: 2 });
      expectObservable(events.pipe(filter((e) => e.type === 'step-start' || e.type === 'finish'), map(short))).toBe('(abc|)', { a: 'step:1', b: 'step:2', c: 'finish:tool-calls' });
    });
  });

  it('cancels at once when its signal aborts: the tools are torn down and the turn finishes cancelled', () => {
    const controller = new AbortController();
    const script = oneTurn({ a: { type: 'tool-call-ready', id: '1', name: 't1', args: '{}' }, f: { type: 'finish', finishReason: 'tool-calls' } }, '(af|)');
    testScheduler().run(({ cold, expectObservable, flush }) => {
      const events = runChatTurn({ model: script.model(cold), tools: registry(slowTool('t1', 300)), messages: [], engine: createEngine(), executionId: 'x', signal: controller.signal });
      cold('100ms a').subscribe(() => controller.abort());
      expectObservable(events.pipe(filter((e) => ['task-start', 'task-complete', 'workflow-finish', 'finish'].includes(e.type)), map((e) => (e.type === 'workflow-finish' ? `wf:${e.status}` : short(e))))).toBe(
        'a 99ms (bc|)',
        { a: 'start:1', b: 'wf:cancelled', c: 'finish:other' },
      );
      flush();
    });
  });

  it('resumes a step cut off after its tool calls: reuses the settled call, runs the other again, and asks the model only for what follows', () => {
    const requests: ModelRequest[] = [];
    const runs: string[] = [];
    const counted = (name: string): Tool => ({ ...slowTool(name, 50), execute: (args, ctx) => (runs.push(ctx.idempotencyKey), slowTool(name, 50).execute(args, ctx)) });
    testScheduler().run(({ cold, expectObservable }) => {
      const model = { stream: (r: ModelRequest) => (requests.push(r), cold<ModelChunk>('(ab|)', { a: { type: 'text-delta', delta: 'Done.' }, b: { type: 'finish', finishReason: 'stop' } })) };
      const events = runChatTurn({
        model, tools: registry(counted('t1'), counted('t2')), messages: [], engine: createEngine(), executionId: 'x',
        resume: {
          messages: [{ role: 'user', content: 'go' }], step: 1, attempt: 1,
          cut: { text: 'Checking.', calls: [{ id: 'c1', name: 't1', arguments: '{}' }, { id: 'c2', name: 't2', arguments: '{}' }] },
          settled: { c1: { status: 'completed', result: { tool: 't1' }, durationMs: 50, attempts: 1 } },
        },
      });
      expectObservable(events.pipe(filter((e) => e.type !== 'progress' && e.type !== 'workflow-finish'), map((e) => (e.type === 'run-resumed' ? `resumed:${e.reusedTasks.join()}` : short(e))))).toBe(
        '(ra) 46ms (bcdefg|)',
        { r: 'resumed:c1', a: 'start:c2', b: 'done:c2', c: 'end:tool-calls', d: 'step:2', e: 'text:Done.', f: 'end:stop', g: 'finish:stop' },
      );
    });
    expect(runs).toEqual(['x:c2']);
    expect(requests).toHaveLength(1);
    expect(requests[0].messages).toEqual([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: 'Checking.', toolCalls: [{ id: 'c1', name: 't1', arguments: '{}' }, { id: 'c2', name: 't2', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'c1', content: '{"tool":"t1"}' },
      { role: 'tool', toolCallId: 'c2', content: '{"tool":"t2","q":null}' },
    ]);
  });

  it('asks the model again from its start for a step cut off before any tool call, and ends with every outcome of the turn', () => {
    const requests: ModelRequest[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const model = { stream: (r: ModelRequest) => (requests.push(r), cold<ModelChunk>('(ab|)', { a: { type: 'text-delta', delta: 'All good.' }, b: { type: 'finish', finishReason: 'stop' } })) };
      const events = runChatTurn({
        model, tools: registry(), messages: [], engine: createEngine(), executionId: 'x',
        resume: { messages: [{ role: 'user', content: 'hi' }], step: 2, attempt: 2, settled: { c0: { status: 'completed', result: 1, durationMs: 5, attempts: 1 } }, startedAt: -1000 },
      });
      expectObservable(events.pipe(map((e) => (e.type === 'workflow-finish' ? `wf:${e.status}:${Object.keys(e.tasks).join()}:${e.durationMs}` : e.type === 'run-resumed' ? `resumed#${e.attempt}` : short(e))))).toBe(
        '(rsteWf|)',
        { r: 'resumed#2', s: 'step:2', t: 'text:All good.', e: 'end:stop', W: 'wf:completed:c0:1000', f: 'finish:stop' },
      );
    });
    expect(requests[0].messages).toEqual([{ role: 'user', content: 'hi' }]);
  });
});
