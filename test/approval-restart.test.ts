import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess } from './support/gateway-process.js';
import { idempotentToolsConfig, startIdempotentToolServer, type IdempotentToolServer } from './support/idempotent-tool-server.js';

/**
 * The durable wait, with real processes: a run parks for an approval, its gateway is killed (-9: the parked run
 * holds nothing a kill could lose), a new gateway on the same store finds it still waiting, and the approval given
 * there completes it - the held call going out exactly once.
 */
const dir = mkdtempSync(join(tmpdir(), 'sapflow-approval-restart-'));
const dataDir = join(dir, 'store');
let tools: IdempotentToolServer;
let gateway: GatewayProcess | undefined;

// `notify` needs approval by configuration (APPROVAL_REQUIRED_TOOLS), not by the definition
const DEFINITION = {
  id: 'notify_after_review',
  tasks: [
    { id: 'score', function: 'score', parameters: { n: 1 } },
    { id: 'notify', function: 'notify', parameters: { value: '${score.result.value}' } },
    { id: 'combine', function: 'combine', parameters: { parts: ['${notify.result.value}'] } },
  ],
};

beforeAll(async () => {
  tools = await startIdempotentToolServer({ latencyMs: [5, 10] });
  writeFileSync(join(dir, 'tools.yaml'), idempotentToolsConfig(tools.url));
});
afterAll(async () => {
  await gateway?.kill9();
  await tools?.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = () => startGateway({ dataDir, env: { TOOLS_CONFIG: join(dir, 'tools.yaml'), APPROVAL_REQUIRED_TOOLS: 'notify' } });
const api = (path: string, init?: RequestInit) => fetch(`${gateway!.url}${path}`, init);
const execution = async (id: string) => (await api(`/api/executions/${id}`)).json() as Promise<any>;
const statusBecomes = async (id: string, status: string) => {
  await expect.poll(async () => (await execution(id)).status, { timeout: 15_000, interval: 50 }).toBe(status);
  return execution(id);
};

describe('a run waiting for approval across a gateway restart', () => {
  it('stays waiting through kill -9 and a new gateway, then completes once approved there', async () => {
    gateway = await start();
    const res = await api('/api/workflows/execute', {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ definition: DEFINITION }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const parked = await statusBecomes(id, 'waiting');
    expect(parked.tasks).toMatchObject({ score: { status: 'completed' }, notify: { status: 'waiting' }, combine: { status: 'pending' } });
    expect(tools.calls.map((c) => c.tool)).toEqual(['score']);

    await gateway.kill9();
    gateway = await start();
    // the new gateway's crash recovery leaves it alone: it waits for a person, not for a process
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await execution(id)).status).toBe('waiting');
    const listed = (await (await api('/api/executions?status=waiting')).json()) as { executions: Array<{ id: string }> };
    expect(listed.executions.map((e) => e.id)).toContain(id);
    expect(tools.calls.map((c) => c.tool)).toEqual(['score']);

    const approved = await api(`/api/executions/${id}/tasks/notify/approval`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ approved: true, reason: 'looked fine' }),
    });
    expect(approved.status).toBe(200);
    const done = await statusBecomes(id, 'completed');
    expect(done.tasks.combine.status).toBe('completed');
    expect(tools.effects.filter((e) => e.tool === 'notify')).toMatchObject([{ key: `${id}:notify` }]);
    // score ran once, before the restart: the resumed run reused it
    expect(tools.calls.map((c) => c.tool)).toEqual(['score', 'notify', 'combine']);
  }, 180_000);
});
