import { afterEach, describe, expect, it } from 'vitest';
import { postChat, readRaw } from './support/chat-client.js';
import { readTurnLog, startChatHarness, type ChatHarness } from './support/chat-harness.js';
import type { ScriptedReply } from './support/scripted-openai.js';

/** Tool calls run in parallel, each from the moment its own arguments are complete, measured on real sockets. */

const TOOLS = [
  { name: 'search_cases', behaviour: { ms: 300 } },
  { name: 'search_statutes', behaviour: { ms: 300 } },
  { name: 'search_filings', behaviour: { ms: 300 } },
] as const;

function toolTurn(delayMs: number): ScriptedReply {
  return {
    delayMs,
    fragmentSize: 8,
    toolCalls: TOOLS.map((tool) => ({ name: tool.name, arguments: { note: `everything about ${tool.name}` } })),
  };
}

let harness: ChatHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface LoggedEvent {
  type: string;
  taskId?: string;
  at: string;
}

async function loggedTaskTimes(h: ChatHarness, executionId: string) {
  const events = await readTurnLog<LoggedEvent>(h.sapflow, executionId);
  const times = (type: string) => events.filter((e) => e.type === type).map((e) => Date.parse(e.at));
  return { starts: times('task-start'), ends: times('task-complete') };
}

describe('POST /api/chat runs tool calls in parallel', () => {
  it('three tools of 300 ms finish in well under 900 ms (from the gateway own log)', async () => {
    harness = await startChatHarness({ script: (body) => (body.messages.at(-1).role === 'tool' ? { text: 'Done.' } : toolTurn(0)), tools: [...TOOLS] });
    const response = await postChat(harness.url, { messages: [{ role: 'user', content: 'research' }] });
    const executionId = response.headers.get('x-execution-id')!;
    const raw = await readRaw(response);
    expect(raw.chunks.filter((c) => c.type === 'tool-output-available')).toHaveLength(3);

    const { starts, ends } = await loggedTaskTimes(harness, executionId);
    expect(starts).toHaveLength(3);
    expect(ends).toHaveLength(3);
    const span = Math.max(...ends) - Math.min(...starts);
    expect(span).toBeGreaterThanOrEqual(295);
    expect(span).toBeLessThan(700);

    // the tool service agrees: all three were in flight at once
    const requests = harness.toolServer.requests;
    expect(requests).toHaveLength(3);
    const lastArrival = Math.max(...requests.map((r) => r.receivedAt));
    const firstAnswer = Math.min(...requests.map((r) => r.answeredAt!));
    expect(lastArrival).toBeLessThan(firstAnswer);
  });

  it('starts a tool while the model is still streaming the later calls arguments, and sends its result at once', async () => {
    let upstreamTurnEndedAt = Number.POSITIVE_INFINITY;
    harness = await startChatHarness({
      script: (body, n) => {
        if (body.messages.at(-1).role === 'tool') return { text: 'Done.' };
        // the scripted server has recorded this request already; its close is the end of the model turn
        void harness!.openai.requests[n]!.closed.then(() => (upstreamTurnEndedAt = Date.now()));
        return toolTurn(30);
      },
      tools: [...TOOLS],
    });
    const frames: Array<{ type: string; toolCallId?: string; at: number }> = [];
    const response = await postChat(harness.url, { messages: [{ role: 'user', content: 'research' }] });
    await readRaw(response, (frame) => {
      if (frame.text.startsWith('data: {')) frames.push({ ...(JSON.parse(frame.text.slice(6)) as { type: string }), at: frame.at });
    });

    const [first, second, third] = TOOLS.map((tool) => harness!.toolServer.requestsTo('/sleep/300').find((r) => (r.body as { note: string }).note.endsWith(tool.name))!);
    // each call is 7 fragments of 30 ms: the first is complete ~420 ms before the turn ends
    expect(first!.receivedAt).toBeLessThan(upstreamTurnEndedAt - 250);
    expect(first!.receivedAt).toBeLessThan(second!.receivedAt);
    expect(second!.receivedAt).toBeLessThan(third!.receivedAt);
    expect(second!.receivedAt).toBeLessThan(upstreamTurnEndedAt - 100);

    // the first tool's result reaches the client while the model is still writing the third call
    const firstOutput = frames.find((f) => f.type === 'tool-output-available')!;
    const stepEnd = frames.find((f) => f.type === 'finish-step')!;
    expect(firstOutput.at).toBeLessThan(upstreamTurnEndedAt);
    expect(frames.indexOf(firstOutput)).toBeLessThan(frames.indexOf(stepEnd));
  });

  it('starts a call the moment its arguments object closes, without waiting for the next call to begin', async () => {
    harness = await startChatHarness({
      script: (body) =>
        body.messages.at(-1).role === 'tool'
          ? { text: 'Done.' }
          : {
              toolCalls: [
                { name: 'search_cases', arguments: { note: 'first' }, delayMs: 0 },
                // the next call begins only 250 ms later
                { name: 'search_statutes', arguments: { note: 'second' }, fragments: ['{"note":', '"second"}'], delayMs: 250 },
              ],
            },
      tools: [...TOOLS],
    });
    const postedAt = Date.now();
    const raw = await readRaw(await postChat(harness.url, { messages: [{ role: 'user', content: 'research' }] }));
    expect(raw.chunks.filter((c) => c.type === 'tool-output-available')).toHaveLength(2);
    const [first, second] = harness.toolServer.requests;
    expect((first!.body as { note: string }).note).toBe('first');
    expect(first!.receivedAt - postedAt).toBeLessThan(200);
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(450);
    // the model is told of both calls exactly once, in stream order
    const assistant = harness.openai.requests[1]!.body.messages.at(-3);
    expect(assistant.tool_calls.map((c: { function: { name: string; arguments: string } }) => [c.function.name, c.function.arguments])).toEqual([
      ['search_cases', '{"note":"first"}'],
      ['search_statutes', '{"note":"second"}'],
    ]);
  });
});
