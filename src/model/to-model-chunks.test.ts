import type OpenAI from 'openai';
import { lastValueFrom, of, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { ModelChunk } from './chat-model.js';
import { toModelChunks } from './to-model-chunks.js';

type Delta = OpenAI.ChatCompletionChunk.Choice.Delta;

const chunk = (delta: Delta, finish: OpenAI.ChatCompletionChunk.Choice['finish_reason'] = null): OpenAI.ChatCompletionChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
});
const first = (index: number, id: string, name: string): OpenAI.ChatCompletionChunk =>
  chunk({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: '' } }] });
const args = (index: number, piece: string): OpenAI.ChatCompletionChunk =>
  chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
const usage: OpenAI.ChatCompletionChunk = {
  ...chunk({}),
  choices: [],
  usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
};

const run = (...chunks: OpenAI.ChatCompletionChunk[]) => lastValueFrom(of(...chunks).pipe(toModelChunks(), toArray()));

describe('toModelChunks', () => {
  it('passes text through and ends with finish and usage', async () => {
    expect(await run(chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop'), usage)).toEqual([
      { type: 'text-delta', delta: 'Hel' },
      { type: 'text-delta', delta: 'lo' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 } },
    ]);
  });

  it('makes a call ready the moment its arguments object closes, on virtual time', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ cold, expectObservable }) => {
      const source = cold('a 9ms b 9ms c 9ms d 9ms e 9ms (f|)', {
        a: first(0, 'call_a', 'triage_emails'),
        b: args(0, '{"day":'),
        c: args(0, '"to}day"}'),
        d: first(1, 'call_b', 'scan_billable_time'),
        e: args(1, '{}'),
        f: chunk({}, 'tool_calls'),
      });
      expectObservable(source.pipe(toModelChunks())).toBe('a 9ms b 9ms (cr) 6ms s 9ms (eg) 6ms (f|)', {
        a: { type: 'tool-call-start', index: 0, id: 'call_a', name: 'triage_emails' },
        b: { type: 'tool-call-delta', id: 'call_a', argsDelta: '{"day":' },
        c: { type: 'tool-call-delta', id: 'call_a', argsDelta: '"to}day"}' },
        r: { type: 'tool-call-ready', id: 'call_a', name: 'triage_emails', args: '{"day":"to}day"}' },
        s: { type: 'tool-call-start', index: 1, id: 'call_b', name: 'scan_billable_time' },
        e: { type: 'tool-call-delta', id: 'call_b', argsDelta: '{}' },
        g: { type: 'tool-call-ready', id: 'call_b', name: 'scan_billable_time', args: '{}' },
        f: { type: 'finish', finishReason: 'tool-calls' },
      } satisfies Record<string, ModelChunk>);
    });
  });

  it('makes a call whose arguments never close ready when the next call begins, and ignores trailing whitespace', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ cold, expectObservable }) => {
      const source = cold('a 9ms b 9ms c 9ms d 9ms e 9ms (f|)', {
        a: first(0, 'call_a', 'triage_emails'),
        b: args(0, '{"day": "today"'),
        c: first(1, 'call_b', 'scan_billable_time'),
        d: args(1, '{}'),
        e: args(1, ' '),
        f: chunk({}, 'tool_calls'),
      });
      expectObservable(source.pipe(toModelChunks())).toBe('a 9ms b 9ms (rs) 6ms (dg) 16ms (f|)', {
        a: { type: 'tool-call-start', index: 0, id: 'call_a', name: 'triage_emails' },
        b: { type: 'tool-call-delta', id: 'call_a', argsDelta: '{"day": "today"' },
        r: { type: 'tool-call-ready', id: 'call_a', name: 'triage_emails', args: '{"day": "today"' },
        s: { type: 'tool-call-start', index: 1, id: 'call_b', name: 'scan_billable_time' },
        d: { type: 'tool-call-delta', id: 'call_b', argsDelta: '{}' },
        g: { type: 'tool-call-ready', id: 'call_b', name: 'scan_billable_time', args: '{}' },
        f: { type: 'finish', finishReason: 'tool-calls' },
      } satisfies Record<string, ModelChunk>);
    });
  });

  it('unwraps multi_tool_use.parallel into one ready call per use', async () => {
    const wrapped = JSON.stringify({
      tool_uses: [
        { recipient_name: 'functions.triage_emails', parameters: { day: 'today' } },
        { recipient_name: 'functions.scan_billable_time', parameters: {} },
      ],
    });
    expect(await run(first(0, 'call_m', 'multi_tool_use.parallel'), args(0, wrapped.slice(0, 20)), args(0, wrapped.slice(20)), chunk({}, 'tool_calls'))).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_m_0', name: 'triage_emails' },
      { type: 'tool-call-ready', id: 'call_m_0', name: 'triage_emails', args: '{"day":"today"}' },
      { type: 'tool-call-start', index: 1, id: 'call_m_1', name: 'scan_billable_time' },
      { type: 'tool-call-ready', id: 'call_m_1', name: 'scan_billable_time', args: '{}' },
      { type: 'finish', finishReason: 'tool-calls' },
    ]);
  });

  it('surfaces an unreadable multi_tool_use call as a call of its own, for the model to be told', async () => {
    const out = await run(first(0, 'call_m', 'multi_tool_use.parallel'), args(0, '{"tool_uses": ['), chunk({}, 'tool_calls'));
    expect(out).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_m', name: 'multi_tool_use.parallel' },
      { type: 'tool-call-ready', id: 'call_m', name: 'multi_tool_use.parallel', args: '{"tool_uses": [' },
      { type: 'finish', finishReason: 'tool-calls' },
    ]);
  });

  it('treats a new id at a reused index as a new call, and empty arguments as {}', async () => {
    const out = await run(first(0, 'call_a', 'list_emails'), first(0, 'call_b', 'send_email'), args(0, '{"to":"a@b.c"}'), chunk({}, 'stop'));
    expect(out).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'list_emails' },
      { type: 'tool-call-ready', id: 'call_a', name: 'list_emails', args: '{}' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'send_email' },
      { type: 'tool-call-delta', id: 'call_b', argsDelta: '{"to":"a@b.c"}' },
      { type: 'tool-call-ready', id: 'call_b', name: 'send_email', args: '{"to":"a@b.c"}' },
      // `stop` after tool calls (some compatible servers) still means the tools must run
      { type: 'finish', finishReason: 'tool-calls' },
    ]);
  });

  it('starts a call whose id arrives after its first arguments, with the buffered arguments', async () => {
    const out = await run(
      chunk({ tool_calls: [{ index: 0, function: { name: 'list_emails', arguments: '{"a"' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'late', function: { arguments: ':1}' } }] }),
    );
    expect(out).toEqual([
      { type: 'tool-call-start', index: 0, id: 'late', name: 'list_emails' },
      { type: 'tool-call-delta', id: 'late', argsDelta: '{"a":1}' },
      { type: 'tool-call-ready', id: 'late', name: 'list_emails', args: '{"a":1}' },
      { type: 'finish', finishReason: 'tool-calls' },
    ]);
  });

  it('maps finish reasons and reports a stream that just ends as other', async () => {
    expect((await run(chunk({ content: 'x' }), chunk({}, 'length'))).at(-1)).toEqual({ type: 'finish', finishReason: 'length' });
    expect((await run(chunk({}, 'content_filter'))).at(-1)).toEqual({ type: 'finish', finishReason: 'content-filter' });
    expect((await run(chunk({ content: 'x' }))).at(-1)).toEqual({ type: 'finish', finishReason: 'other' });
  });

  it('fails on a chunk it cannot read, with the path', async () => {
    const bad = { ...chunk({}), choices: [{ index: 0, delta: { tool_calls: [{ index: 'first' }] }, finish_reason: null }] };
    await expect(run(bad as unknown as OpenAI.ChatCompletionChunk)).rejects.toMatchObject({
      code: 'upstream_error',
      message: 'The model endpoint sent a malformed chunk (choices.0.delta.tool_calls.0.index: Invalid input: expected number, received string)',
    });
  });
});
