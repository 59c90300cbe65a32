import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chat } from '@ai-sdk/react';
import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSapflow, type RunningSapflow } from '../src/server.js';
import { userMessage } from './support/chat-client.js';
import { startChatHarness, type ChatHarness } from './support/chat-harness.js';
import { signHs256 } from './support/jwt.js';

// step 1: two tool calls of 600 ms; step 2: the answer
const SCRIPT = [
  { toolCalls: [{ name: 'pull_records', arguments: { note: 'a' } }, { name: 'pull_more', arguments: { note: 'b' } }] },
  { text: 'Both are done.' },
];
const TOOLS = [
  { name: 'pull_records', behaviour: { ms: 600 } },
  { name: 'pull_more', behaviour: { ms: 600 } },
] as const;

let harness: ChatHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Reads a UI message stream until `stop` says so (then drops the connection), or to its end. */
async function readUntil(stream: ReadableStream<UIMessageChunk>, stop: (chunk: UIMessageChunk) => boolean, abort: () => void) {
  const chunks: UIMessageChunk[] = [];
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return chunks;
      chunks.push(value);
      if (stop(value)) {
        abort();
        return chunks;
      }
    }
  } catch {
    return chunks;
  }
}

async function lastMessage(stream: ReadableStream<UIMessageChunk>): Promise<UIMessage | undefined> {
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream, terminateOnError: true })) last = message;
  return last;
}

const toolStates = (message: UIMessage | undefined) =>
  (message?.parts ?? []).filter((p) => p.type.startsWith('tool-')).map((p) => `${p.type}:${(p as { state: string }).state}`);
const textOf = (message: UIMessage | undefined) =>
  (message?.parts ?? []).filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('');

/** Sends a turn for `chatId` and drops the connection once both tool calls have started. */
async function sendAndDisconnect(transport: DefaultChatTransport<UIMessage>, chatId: string) {
  const controller = new AbortController();
  const stream = await transport.sendMessages({ chatId, messages: [userMessage('pull both')], trigger: 'submit-message', messageId: undefined, abortSignal: controller.signal });
  let inputs = 0;
  return readUntil(stream, (c) => c.type === 'tool-input-available' && ++inputs === 2, () => controller.abort());
}

describe('resumable chat streams (useChat resume: true)', () => {
  it('a client that dropped mid-turn re-attaches with DefaultChatTransport.reconnectToStream: the whole turn, replayed then live', async () => {
    harness = await startChatHarness({ script: SCRIPT, tools: [...TOOLS], env: { CHAT_RESUME_GRACE_MS: '5000' } });
    const transport = new DefaultChatTransport<UIMessage>({ api: `${harness.url}/api/chat` });
    const before = await sendAndDisconnect(transport, 'chat-resume-1');
    expect(before.map((c) => c.type)).toContain('tool-input-available');

    const resumed = await transport.reconnectToStream({ chatId: 'chat-resume-1' });
    expect(resumed).not.toBeNull();
    const message = await lastMessage(resumed!);
    expect(toolStates(message)).toEqual(['tool-pull_records:output-available', 'tool-pull_more:output-available']);
    expect(textOf(message)).toBe('Both are done.');
    // each tool ran once: re-attaching does not run anything again
    expect(harness.toolServer.requests).toHaveLength(2);
    // nothing in progress any more: 204, which the transport reports as null
    expect(await transport.reconnectToStream({ chatId: 'chat-resume-1' })).toBeNull();
  });

  it("an @ai-sdk/react Chat (useChat's state) with the same id resumes the turn and ends ready with every tool part and the text", async () => {
    harness = await startChatHarness({ script: SCRIPT, tools: [...TOOLS], env: { CHAT_RESUME_GRACE_MS: '5000' } });
    const transport = new DefaultChatTransport<UIMessage>({ api: `${harness.url}/api/chat` });
    await sendAndDisconnect(transport, 'chat-resume-2');
    type ReactTransport = NonNullable<ConstructorParameters<typeof Chat>[0]>['transport'];
    const chat = new Chat({ id: 'chat-resume-2', messages: [userMessage('pull both')] as never, transport: transport as unknown as ReactTransport });
    await chat.resumeStream();
    expect(chat.status).toBe('ready');
    const message = chat.messages.at(-1) as unknown as UIMessage;
    expect(message.role).toBe('assistant');
    expect(toolStates(message)).toEqual(['tool-pull_records:output-available', 'tool-pull_more:output-available']);
    expect(textOf(message)).toBe('Both are done.');
  });

  it('with no grace period a client that goes away cancels the turn; POST /api/chat/:id/stop cancels one at once', async () => {
    harness = await startChatHarness({ script: SCRIPT, tools: [...TOOLS] });
    const transport = new DefaultChatTransport<UIMessage>({ api: `${harness.url}/api/chat` });
    await sendAndDisconnect(transport, 'chat-resume-3');
    const store = harness.sapflow.runtime.store;
    await expect.poll(async () => store.findLiveChatTurn('local', 'chat-resume-3'), { timeout: 2_000 }).toBeNull();
    expect(await transport.reconnectToStream({ chatId: 'chat-resume-3' })).toBeNull();

    await harness.close();
    harness = await startChatHarness({ script: SCRIPT, tools: [...TOOLS], env: { CHAT_RESUME_GRACE_MS: '60000' } });
    const again = new DefaultChatTransport<UIMessage>({ api: `${harness.url}/api/chat` });
    await sendAndDisconnect(again, 'chat-resume-4');
    const stop = await fetch(`${harness.url}/api/chat/chat-resume-4/stop`, { method: 'POST' });
    expect(stop.status).toBe(200);
    expect(await stop.json()).toMatchObject({ status: 'cancelled' });
    expect((await fetch(`${harness.url}/api/chat/chat-resume-4/stop`, { method: 'POST' })).status).toBe(204);
  });

  it('answers 400 invalid_chat_id for an id that is not one, and 204 for an unknown one', async () => {
    harness = await startChatHarness({ script: SCRIPT, tools: [...TOOLS] });
    for (const bad of ['x'.repeat(129), 'a%20b', 'a%2Fb', 'a%3Bb']) {
      const response = await fetch(`${harness.url}/api/chat/${bad}/stream`);
      expect(response.status, bad).toBe(400);
      expect((await response.json()).error.code).toBe('invalid_chat_id');
    }
    expect((await fetch(`${harness.url}/api/chat/never-seen/stream`)).status).toBe(204);
  });

  it("never lets one user resume another user's chat", async () => {
    const secret = 'chat-resume-secret-at-least-32-characters!';
    harness = await startChatHarness({ script: SCRIPT, tools: [...TOOLS], env: { CHAT_RESUME_GRACE_MS: '5000', AUTH_JWT_SECRET: secret } });
    const alice = await signHs256(secret, { sub: 'alice' });
    const bob = await signHs256(secret, { sub: 'bob' });
    const transport = new DefaultChatTransport<UIMessage>({ api: `${harness.url}/api/chat`, headers: { authorization: `Bearer ${alice}` } });
    await sendAndDisconnect(transport, 'shared-id');
    const asBob = await fetch(`${harness.url}/api/chat/shared-id/stream`, { headers: { authorization: `Bearer ${bob}` } });
    expect(asBob.status).toBe(204);
    expect((await fetch(`${harness.url}/api/chat/shared-id/stop`, { method: 'POST', headers: { authorization: `Bearer ${bob}` } })).status).toBe(204);
    expect((await fetch(`${harness.url}/api/chat/shared-id/stream`)).status).toBe(401);
    const asAlice = await transport.reconnectToStream({ chatId: 'shared-id' });
    expect(textOf(await lastMessage(asAlice!))).toBe('Both are done.');
  });

  it('a turn in progress when the gateway stops is resumed by the next one from the log, and a client re-attaches to it there', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sapflow-chat-restart-'));
    dirs.push(dataDir);
    // tools long enough that the stop surely comes while both are in flight
    const slow = TOOLS.map((t) => ({ ...t, behaviour: { ms: 3_000 } }));
    harness = await startChatHarness({ script: SCRIPT, tools: slow, env: { DATA_DIR: dataDir, CHAT_RESUME_GRACE_MS: '5000' } });
    const transport = new DefaultChatTransport<UIMessage>({ api: `${harness.url}/api/chat` });
    await sendAndDisconnect(transport, 'chat-restart');
    const { openai, toolServer } = harness;
    await expect.poll(() => toolServer.requests.length, { timeout: 10_000 }).toBe(2);
    // the gateway stops mid-turn (both tools in flight); the model and the tool service stay up
    await harness.sapflow.close();
    let next: RunningSapflow | undefined;
    try {
      next = await startSapflow({
        port: 0, host: '127.0.0.1',
        env: { DATA_DIR: dataDir, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openai.url, TOOLS_CONFIG: harness.sapflow.runtime.config.TOOLS_CONFIG, CHAT_RESUME_GRACE_MS: '5000' },
      });
      const resumed = await new DefaultChatTransport<UIMessage>({ api: `${next.url}/api/chat` }).reconnectToStream({ chatId: 'chat-restart' });
      expect(resumed).not.toBeNull();
      const message = await lastMessage(resumed!);
      expect(toolStates(message)).toEqual(['tool-pull_records:output-available', 'tool-pull_more:output-available']);
      expect(textOf(message)).toBe('Both are done.');
      // the calls in flight ran again with the same keys; the model was asked for step 1 once, then for step 2
      const keys = toolServer.requests.map((r) => r.headers['idempotency-key']);
      expect(toolServer.requests.slice(0, 2).every((r) => r.aborted)).toBe(true);
      expect(keys).toHaveLength(4);
      expect(new Set(keys).size).toBe(2);
      expect(openai.requests).toHaveLength(2);
    } finally {
      await next?.close();
    }
  });
});
