import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSapflow, type RunningSapflow } from '../src/server.js';
import { readWithAiClient, userMessage } from './support/chat-client.js';

/** No OPENAI_API_KEY: the offline demo model drives the whole pipeline with the built-in legal tools. */

let sapflow: RunningSapflow;
beforeAll(async () => {
  sapflow = await startSapflow({ port: 0, host: '127.0.0.1', env: { DATA_DIR: ':memory:' } });
});
afterAll(() => sapflow?.close());

describe('the offline demo model through /api/chat', () => {
  it('is announced in the health check', async () => {
    const health = (await (await fetch(`${sapflow.url}/api/health`)).json()) as { model: string; tools: string[] };
    expect(health.model).toBe('offline-demo');
    expect(health.tools).toEqual(expect.arrayContaining(['triage_emails', 'scan_billable_time']));
  });

  it.each([7, 5] as const)('triages the emails and scans the billable time in one turn, with a summary (ai %i)', async (version) => {
    const { message, chunks } = await readWithAiClient(
      sapflow.url,
      [userMessage('Triage my emails from today AND scan my billable time for this week')],
      { version },
    );
    const tools = (message?.parts ?? []).filter((p) => 'toolCallId' in p) as Array<{ type: string; state: string; output?: unknown; errorText?: string }>;
    const byType = Object.fromEntries(tools.map((t) => [t.type, t]));
    expect(Object.keys(byType)).toEqual(expect.arrayContaining(['tool-triage_emails', 'tool-scan_billable_time']));
    for (const name of ['tool-triage_emails', 'tool-scan_billable_time']) {
      expect(byType[name]?.state, `${name}: ${byType[name]?.errorText ?? ''}`).toBe('output-available');
      expect(byType[name]?.output).toBeTruthy();
    }
    // both were called in the same model step, in parallel
    const types = chunks.map((c) => c.type);
    expect(types.lastIndexOf('tool-input-available')).toBeLessThan(types.indexOf('finish-step'));

    const text = (message?.parts ?? []).filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('');
    expect(text).toMatch(/Offline demo model/);
    expect(text).toMatch(/triage_emails: /);
    expect(text).toMatch(/scan_billable_time: /);

    const progress = (message?.parts ?? []).filter((p) => p.type === 'data-workflow') as Array<{ data: { status: string; counts: { completed: number } } }>;
    expect(progress).toHaveLength(1);
    expect(progress[0]!.data.status).toBe('completed');
    expect(progress[0]!.data.counts.completed).toBe(tools.length);
  });
});
