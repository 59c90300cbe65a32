import { filter, map, throwError, timer, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ModelChunk, ModelRequest } from '../model/chat-model.js';
import type { ApprovalDecision, ChatMessage, ChatTurnEvent, ToolCallRequest } from '../protocol/index.js';
import type { Tool } from '../tools/tool.js';
import { runChatTurn } from './chat-turn.js';
import { deniedText } from './decided-messages.js';
import { createEngine } from './engine.js';
import { testScheduler } from './test-support.js';

/** Tools that need a person's approval, in a chat turn: held, recorded, ended on; then answered in the next turn. */

const recordingTool = (name: string, ms: number, extra: Partial<Tool> = {}) => {
  const calls: Array<{ args: unknown; key: string }> = [];
  const tool: Tool = {
    name,
    description: name,
    parameters: z.object({ q: z.string() }),
    execute: (args, ctx) => (calls.push({ args, key: ctx.idempotencyKey }), timer(ms).pipe(map(() => ({ tool: name, q: args.q })))),
    ...extra,
  };
  return { tool, calls };
};
const registry = (...tools: Tool[]) => ({
  get: (name: string) => tools.find((t) => t.name === name),
  toModelTools: () => tools.map((t) => ({ name: t.name, description: t.description, parameters: {} })),
});

const short = (e: ChatTurnEvent): string => {
  switch (e.type) {
    case 'tool-input-available': return `call:${e.toolCallId}`;
    case 'tool-approval-request': return `ask:${e.toolCallId}:${e.approvalId}`;
    case 'tool-approval-decided': return `decided:${e.toolCallId}:${e.approved}`;
    case 'task-start': return `start:${e.taskId}`;
    case 'task-complete': return `done:${e.taskId}`;
    case 'task-failed': return `failed:${e.taskId}:${e.error.code}`;
    case 'text-delta': return `text:${e.delta}`;
    case 'step-start': return `step:${e.step}`;
    case 'step-finish': return `end:${e.finishReason}`;
    case 'finish': return `finish:${e.finishReason}`;
    case 'workflow-finish': return `run:${e.status}`;
    default: return e.type;
  }
};
const visible = (events: Observable<ChatTurnEvent>) =>
  events.pipe(filter((e) => !['progress', 'tool-input-start', 'tool-input-delta', 'workflow-start'].includes(e.type)), map(short));

/** A model answering from a list of cold streams, one per request, recording what it was asked. */
const scriptedModel = (cold: (m: string, v: Record<string, ModelChunk>) => Observable<ModelChunk>, turns: Array<[string, Record<string, ModelChunk>]>) => {
  const requests: ModelRequest[] = [];
  return {
    requests,
    stream: (r: ModelRequest) => {
      requests.push(r);
      const [marble, values] = turns[requests.length - 1]!;
      return cold(marble, values);
    },
  };
};
const answered: [string, Record<string, ModelChunk>] = ['10ms (ab|)', { a: { type: 'text-delta', delta: 'Sent.' }, b: { type: 'finish', finishReason: 'stop' } }];

describe('runChatTurn with tools that need approval', () => {
  it('holds the call that needs approval, runs its sibling at once, and ends the turn without asking the model again', () => {
    const send = recordingTool('send_email', 50, { needs_approval: true });
    const lookup = recordingTool('lookup', 100);
    const asked: ToolCallRequest[] = [];
    let model!: ReturnType<typeof scriptedModel>;
    testScheduler().run(({ cold, expectObservable }) => {
      model = scriptedModel(cold, [[
        '(abf|)',
        {
          a: { type: 'tool-call-ready', id: 'c1', name: 'send_email', args: '{"q":"to the client"}' },
          b: { type: 'tool-call-ready', id: 'c2', name: 'lookup', args: '{"q":"matter"}' },
          f: { type: 'finish', finishReason: 'tool-calls' },
        },
      ]]);
      // recording the approval takes 20 ms (the store); its chunk waits for it, the sibling does not
      const approvals = { request: (call: ToolCallRequest) => (asked.push(call), cold('20ms (a|)', { a: 'apr_1' })) };
      const events = runChatTurn({ model, tools: registry(send.tool, lookup.tool), messages: [{ role: 'user', content: 'go' }], engine: createEngine(), executionId: 'turn-1', approvals });
      expectObservable(visible(events)).toBe('(sabc) 14ms d 79ms (efgh|)', {
        s: 'step:1', a: 'call:c1', b: 'call:c2', c: 'start:c2', d: 'ask:c1:apr_1', e: 'done:c2', f: 'end:tool-calls', g: 'run:completed', h: 'finish:tool-calls',
      });
    });
    expect(asked).toEqual([{ id: 'c1', name: 'send_email', arguments: '{"q":"to the client"}' }]);
    expect(send.calls).toEqual([]);
    expect(lookup.calls).toHaveLength(1);
    expect(model.requests).toHaveLength(1);
  });

  it('fails the call when its approval cannot be recorded, or cannot be asked for at all, and goes on', () => {
    const send = recordingTool('send_email', 50, { needs_approval: true });
    for (const approvals of [{ request: () => throwError(() => new Error('database away')) }, undefined]) {
      let model!: ReturnType<typeof scriptedModel>;
      testScheduler().run(({ cold, expectObservable }) => {
        model = scriptedModel(cold, [['(af|)', { a: { type: 'tool-call-ready', id: 'c1', name: 'send_email', args: '{"q":"x"}' }, f: { type: 'finish', finishReason: 'tool-calls' } }], answered]);
        const events = runChatTurn({ model, tools: registry(send.tool), messages: [], engine: createEngine(), executionId: 't', approvals });
        const code = approvals ? 'store_error' : 'approval_unavailable';
        expectObservable(visible(events)).toBe('(sabcd) 3ms (efgh|)', {
          s: 'step:1', a: 'call:c1', b: `failed:c1:${code}`, c: 'end:tool-calls', d: 'step:2', e: 'text:Sent.', f: 'end:stop', g: 'run:partial', h: 'finish:stop',
        });
      });
      expect(send.calls).toEqual([]);
      expect(model.requests[1]!.messages.at(-1)).toMatchObject({ role: 'tool', toolCallId: 'c1', content: expect.stringContaining(approvals ? 'store_error' : 'approval_unavailable') });
    }
  });

  it('puts no call to a person that its tool would refuse: invalid arguments fail as usual', () => {
    const send = recordingTool('send_email', 50, { needs_approval: true });
    const asked: ToolCallRequest[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const model = scriptedModel(cold, [['(af|)', { a: { type: 'tool-call-ready', id: 'c1', name: 'send_email', args: '{"q":7}' }, f: { type: 'finish', finishReason: 'tool-calls' } }], answered]);
      const approvals = { request: (call: ToolCallRequest) => (asked.push(call), cold('(a|)', { a: 'apr_1' })) };
      const events = runChatTurn({ model, tools: registry(send.tool), messages: [], engine: createEngine(), executionId: 't', approvals });
      expectObservable(visible(events).pipe(filter((l) => l.startsWith('failed') || l.startsWith('ask')))).toBe('a 9ms |', { a: 'failed:c1:invalid_arguments' });
    });
    expect(asked).toEqual([]);
  });

  // the conversation as the client sends it back: the call with the arguments it shows, and a placeholder result
  const conversation = (clientArgs: string): ChatMessage[] => [
    { role: 'user', content: 'email the client' },
    { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'send_email', arguments: clientArgs }, { id: 'c2', name: 'lookup', arguments: '{"q":"matter"}' }] },
    { role: 'tool', toolCallId: 'c1', content: '"awaiting the approval"' },
    { role: 'tool', toolCallId: 'c2', content: '{"tool":"lookup","q":"matter"}' },
  ];
  const decision = (approved: boolean, reason?: string): ApprovalDecision => ({
    approvalId: 'apr_1', toolCallId: 'c1', toolName: 'send_email', arguments: '{"q":"as recorded"}', approved, ...(reason ? { reason } : {}), idempotencyKey: 'turn-1:c1',
  });

  it('runs an approved call first, with the recorded arguments and the asking turn key, then asks the model with its result', () => {
    const send = recordingTool('send_email', 50, { needs_approval: true });
    let model!: ReturnType<typeof scriptedModel>;
    testScheduler().run(({ cold, expectObservable }) => {
      model = scriptedModel(cold, [answered]);
      const events = runChatTurn({
        model, tools: registry(send.tool), messages: conversation('{"q":"changed by the client"}'), engine: createEngine(), executionId: 'turn-2', decided: [decision(true)], approvals: { request: () => cold('(a|)', { a: 'unused' }) },
      });
      expectObservable(visible(events)).toBe('(ab) 46ms (cd) 6ms (efgh|)', {
        a: 'decided:c1:true', b: 'start:c1', c: 'done:c1', d: 'step:1', e: 'text:Sent.', f: 'end:stop', g: 'run:completed', h: 'finish:stop',
      });
    });
    expect(send.calls).toEqual([{ args: { q: 'as recorded' }, key: 'turn-1:c1' }]);
    expect(model.requests[0]!.messages.slice(1)).toEqual([
      { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'send_email', arguments: '{"q":"as recorded"}' }, { id: 'c2', name: 'lookup', arguments: '{"q":"matter"}' }] },
      { role: 'tool', toolCallId: 'c1', content: '{"tool":"send_email","q":"as recorded"}' },
      { role: 'tool', toolCallId: 'c2', content: '{"tool":"lookup","q":"matter"}' },
    ]);
  });

  it('never runs a denied call: the model reads that the user denied it, and why', () => {
    const send = recordingTool('send_email', 50, { needs_approval: true });
    let model!: ReturnType<typeof scriptedModel>;
    testScheduler().run(({ cold, expectObservable }) => {
      model = scriptedModel(cold, [answered]);
      const events = runChatTurn({ model, tools: registry(send.tool), messages: conversation('{"q":"x"}'), engine: createEngine(), executionId: 'turn-2', decided: [decision(false, 'not before the partner signs')] });
      expectObservable(visible(events)).toBe('(ab) 6ms (cdef|)', { a: 'decided:c1:false', b: 'step:1', c: 'text:Sent.', d: 'end:stop', e: 'run:completed', f: 'finish:stop' });
    });
    expect(send.calls).toEqual([]);
    expect(model.requests[0]!.messages[2]).toEqual({ role: 'tool', toolCallId: 'c1', content: deniedText('not before the partner signs') });
    expect(JSON.parse(deniedText('not before the partner signs'))).toEqual({
      error: { code: 'denied', message: 'The user denied this tool call, so it did not run. Their reason: not before the partner signs' },
    });
  });

  it('a resumed turn keeps a held call held: its unsettled sibling runs again, and the turn ends waiting', () => {
    const send = recordingTool('send_email', 50, { needs_approval: true });
    const lookup = recordingTool('lookup', 100);
    let model!: ReturnType<typeof scriptedModel>;
    testScheduler().run(({ cold, expectObservable }) => {
      model = scriptedModel(cold, []);
      const calls = [{ id: 'c1', name: 'send_email', arguments: '{"q":"x"}' }, { id: 'c2', name: 'lookup', arguments: '{"q":"y"}' }];
      const events = runChatTurn({
        model, tools: registry(send.tool, lookup.tool), messages: [], engine: createEngine(), executionId: 'turn-1',
        approvals: { request: () => cold('(a|)', { a: 'apr_new' }) },
        resume: { messages: [{ role: 'user', content: 'go' }], step: 1, cut: { text: '', calls }, settled: {}, held: { c1: 'apr_1' }, attempt: 1 },
      });
      expectObservable(visible(events)).toBe('(ab) 96ms (cdef|)', { a: 'run-resumed', b: 'start:c2', c: 'done:c2', d: 'end:tool-calls', e: 'run:completed', f: 'finish:tool-calls' });
    });
    expect(send.calls).toEqual([]);
    expect(model.requests).toHaveLength(0);
  });
});
