import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, readRaw } from './support/chat-client.js';
import { startChatHarness, type ChatHarness } from './support/chat-harness.js';

/**
 * MAX_ACTIVE_TURNS over real sockets: up to the limit every chat turn and workflow run is let in; past it a new one
 * is answered `503 overloaded` with Retry-After at once, and a place that frees up is taken again.
 */

const until = async (condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

const hangingWorkflow = {
  definition: { id: 'hold_a_place', name: 'Hold a place', tasks: [{ id: 'wait', function: 'wait_forever', parameters: { note: 'x' } }] },
};

describe('admission control (MAX_ACTIVE_TURNS=2)', () => {
  let harness: ChatHarness;
  beforeAll(async () => {
    // every model request hangs (no headers even), so a turn stays active until its client leaves
    harness = await startChatHarness({
      script: () => ({ hang: true }),
      tools: [{ name: 'wait_forever', behaviour: 'hang' }],
      env: { MAX_ACTIVE_TURNS: '2', LOG_LEVEL: 'silent' },
    });
  });
  afterAll(() => harness?.close());

  const startWorkflow = () =>
    fetch(`${harness.url}/api/workflows/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify(hangingWorkflow),
    });

  it('lets turns in up to the limit, refuses the next turn and run with 503 overloaded and Retry-After, and lets one in again once a place is free', async () => {
    const first = new AbortController();
    const a = await postChat(harness.url, { messages: [{ role: 'user', content: 'one' }] }, { signal: first.signal });
    const b = await postChat(harness.url, { messages: [{ role: 'user', content: 'two' }] });
    expect([a.status, b.status]).toEqual([200, 200]);
    const readingA = readRaw(a).catch(() => undefined);
    const readingB = readRaw(b).catch(() => undefined);
    // a turn answers before it asks the model: wait until both asked, so the count below can only grow by a refusal
    await until(() => harness.openai.requests.length === 2);

    const refusedAt = Date.now();
    const c = await postChat(harness.url, { messages: [{ role: 'user', content: 'three' }] });
    const run = await startWorkflow();
    expect(Date.now() - refusedAt).toBeLessThan(2_000); // at once: not after a model or tool timeout
    for (const refused of [c, run]) {
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toEqual({ error: { code: 'overloaded', message: expect.stringMatching(/^[^\n]+ try again shortly$/) } });
    }
    // neither refusal reached the model or made an execution
    expect(harness.openai.requests).toHaveLength(2);
    const { items } = await harness.sapflow.runtime.store.listExecutions('local', {});
    expect(items).toHaveLength(2);

    // the first client leaves: its turn is cancelled, and its place is taken by a workflow run
    first.abort();
    await readingA;
    await until(() => harness.sapflow.runtime.runs.liveIds().length === 1);
    const admitted = await startWorkflow();
    expect(admitted.status).toBe(202);
    const { id } = (await admitted.json()) as { id: string };

    // full again; the run's cancel frees its place for a chat turn
    expect((await postChat(harness.url, { messages: [{ role: 'user', content: 'four' }] })).status).toBe(503);
    expect((await fetch(`${harness.url}/api/executions/${id}/cancel`, { method: 'POST' })).status).toBe(200);
    const d = new AbortController();
    const again = await postChat(harness.url, { messages: [{ role: 'user', content: 'five' }] }, { signal: d.signal });
    expect(again.status).toBe(200);
    d.abort();
    await readRaw(again).catch(() => undefined);
    await harness.sapflow.runtime.runs.cancelAll();
    await readingB;
  });

  it('counts no refusal and no bad request as a place', async () => {
    await until(() => harness.sapflow.runtime.runs.liveIds().length === 0);
    const bad = await postChat(harness.url, { messages: 'not a list' });
    expect(bad.status).toBe(400);
    const controllers = [new AbortController(), new AbortController()];
    const open = await Promise.all(controllers.map((c, i) => postChat(harness.url, { messages: [{ role: 'user', content: `again ${i}` }] }, { signal: c.signal })));
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    for (const c of controllers) c.abort();
    await Promise.all(open.map((r) => readRaw(r).catch(() => undefined)));
  });
});
