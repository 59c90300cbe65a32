import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, readRaw } from './support/chat-client.js';
import { startChatHarness, type ChatHarness } from './support/chat-harness.js';

/**
 * The turn gate over real sockets, pinned to one running turn: a second turn gets its `start` at once, waits with
 * its stream open (counted in sapflow_queue_depth{queue="chat_turns"}) without asking the model, and runs when the
 * first ends; both answers are whole.
 */

const until = async (condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const lastUserText = (body: { messages: Array<{ role: string; content: unknown }> }) => String(body.messages.filter((m) => m.role === 'user').at(-1)?.content);

describe('turn gate (one turn at a time)', () => {
  let harness: ChatHarness;
  beforeAll(async () => {
    harness = await startChatHarness({
      script: (body) => ({ text: lastUserText(body) === 'one' ? 'first answer' : 'second answer', latencyMs: lastUserText(body) === 'one' ? 1_500 : 0 }),
      env: { LOG_LEVEL: 'silent' },
      runtime: { turnGate: { initial: 1, min: 1, max: 1 } },
    });
  });
  afterAll(() => harness?.close());

  const queueDepth = async () => {
    const text = await (await fetch(`${harness.url}/metrics`)).text();
    return Number(/^sapflow_queue_depth\{queue="chat_turns"\} (\d+)$/m.exec(text)?.[1]);
  };

  it('answers start at once, holds the second turn until the first ends, then runs it', async () => {
    const a = await postChat(harness.url, { messages: [{ role: 'user', content: 'one' }] });
    await until(() => harness.openai.requests.length === 1);
    const b = await postChat(harness.url, { messages: [{ role: 'user', content: 'two' }] });
    expect([a.status, b.status]).toEqual([200, 200]);

    let startOfB!: () => void;
    const started = new Promise<void>((resolve) => (startOfB = resolve));
    const readB = readRaw(b, (frame) => frame.text.includes('"type":"start"') && startOfB());
    await started;
    // b waits while a's model takes its 1.5 s: counted, and it has not asked the model
    expect(await queueDepth()).toBe(1);
    expect(harness.openai.requests).toHaveLength(1);

    const first = await readRaw(a);
    const second = await readB;
    const text = (r: typeof first) => r.chunks.filter((c) => c.type === 'text-delta').map((c) => c.delta).join('');
    expect(text(first)).toBe('first answer');
    expect(text(second)).toBe('second answer');
    expect(second.chunks.filter((c) => c.type === 'start')).toHaveLength(1);
    expect(second.body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(harness.openai.requests.map((r) => lastUserText(r.body))).toEqual(['one', 'two']);
    expect(await queueDepth()).toBe(0);
  });
});
