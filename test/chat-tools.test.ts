import { afterEach, describe, expect, it } from 'vitest';
import { startSapflow } from '../src/server.js';
import { postChat, readRaw } from './support/chat-client.js';
import { startChatHarness, type ChatHarness } from './support/chat-harness.js';

/** CHAT_TOOLS: the tools chat turns offer the model are those it names, and the model can call no other. */

let harness: ChatHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('CHAT_TOOLS', () => {
  it('offers the model only the tools it names, and a call to any other fails as an unknown tool without running it', async () => {
    harness = await startChatHarness({
      script: (body) =>
        body.messages.at(-1).role === 'tool'
          ? { text: 'Done.' }
          : { toolCalls: [{ name: 'lookup_client', arguments: { note: 'a' } }, { name: 'list_emails', arguments: {} }] },
      tools: [{ name: 'lookup_client', behaviour: { ms: 1 } }, { name: 'hidden_tool', behaviour: { ms: 1 } }],
      env: { CHAT_TOOLS: 'lookup_client' },
    });
    const raw = await readRaw(await postChat(harness.url, { messages: [{ role: 'user', content: 'look them up' }] }));

    const offered = (harness.openai.requests[0]!.body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name);
    expect(offered).toEqual(['lookup_client']);
    // list_emails is a built-in tool, but not offered: the model's call to it is an unknown tool's, and nothing ran
    const errors = raw.chunks.filter((c) => c.type === 'tool-output-error') as unknown as Array<{ toolCallId: string; errorText: string }>;
    expect(errors).toHaveLength(1);
    expect(errors[0]!.errorText).toMatch(/unknown_tool|no tool/i);
    expect(raw.chunks.filter((c) => c.type === 'tool-output-available')).toHaveLength(1);
    expect(harness.toolServer.requests.map((r) => r.body)).toEqual([{ note: 'a' }]);
  });

  it('offers every tool when unset', async () => {
    harness = await startChatHarness({ script: [{ text: 'Hello.' }], tools: [{ name: 'lookup_client', behaviour: { ms: 1 } }] });
    await readRaw(await postChat(harness.url, { messages: [{ role: 'user', content: 'hi' }] }));
    const offered = (harness.openai.requests[0]!.body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name);
    expect(offered).toContain('lookup_client');
    expect(offered).toContain('list_emails');
  });

  it('stops start-up with invalid_config when it names no tool', async () => {
    await expect(startSapflow({ port: 0, host: '127.0.0.1', env: { DATA_DIR: ':memory:', CHAT_TOOLS: 'list_emails, no_such_tool' } })).rejects.toMatchObject({
      code: 'invalid_config',
      message: 'CHAT_TOOLS: no tool named "no_such_tool"',
    });
  });
});
