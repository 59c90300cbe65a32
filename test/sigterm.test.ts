import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createExecutionStore, openDatabase } from '../src/store/index.js';

const dataDir = mkdtempSync(join(tmpdir(), 'sapflow-sigterm-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** `npm start` as a user runs it, stopped by SIGTERM in the middle of a run: the run's log must survive. */
describe('SIGTERM', () => {
  it('cancels the running workflow, flushes its log and exits 0', async () => {
    // an HTTP tool that never answers: the run is surely still going when SIGTERM arrives
    let toolCalled!: () => void;
    const called = new Promise<void>((resolve) => (toolCalled = resolve));
    const hanging = createServer(() => toolCalled()).listen(0, '127.0.0.1');
    await new Promise((resolve) => hanging.once('listening', resolve));
    const toolsConfig = join(dataDir, 'tools.yaml');
    writeFileSync(toolsConfig, `tools:
  - name: wait_forever
    description: Never answers
    parameters: { type: object, properties: {} }
    url: http://127.0.0.1:${(hanging.address() as AddressInfo).port}/wait
    timeout: 600
`);
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: join(dataDir, 'store'), TOOLS_CONFIG: toolsConfig };
    for (const name of ['DATABASE_URL', 'OPENAI_API_KEY', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL']) delete env[name];
    const server = spawn(process.execPath, ['bin/server.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stderr.on('data', (d) => (output += d));
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout.on('data', (d) => {
        output += d;
        const found = /listening on (http:\/\/\S+)/.exec(output);
        if (found) resolve(found[1]);
      });
      server.once('exit', (code) => reject(new Error(`server exited ${code}: ${output}`)));
    });
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));

    const definition = {
      id: 'sigterm_probe',
      tasks: [
        { id: 'quick', function: 'list_emails', parameters: { max_results: 1 } },
        { id: 'slow', function: 'wait_forever', dependencies: ['quick'] },
      ],
    };
    const started = await fetch(`${url}/api/workflows/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ definition, parameters: {} }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    await called;
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('SIGTERM: flushing execution logs');

    hanging.close();
    const db = await openDatabase({ dataDir: join(dataDir, 'store') });
    try {
      const store = createExecutionStore(db);
      const execution = await store.getExecution(id, 'local');
      expect(execution?.status).toBe('cancelled');
      expect(execution?.tasks.quick.status).toBe('completed');
      expect(execution?.tasks.slow).toMatchObject({ status: 'failed', error: { code: 'cancelled' } });
      const events = await store.readEvents(id, 'local');
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)?.event.type).toBe('workflow-finish');
    } finally {
      await db.close();
    }
  }, 60_000);
});
