import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createExecutionStore, openDatabase } from '../src/store/index.js';
import { PGLITE_TEMPLATE_ENV, PGLITE_TEMPLATE_PRELOAD } from './support/pglite-template.mjs';

const dataDir = mkdtempSync(join(tmpdir(), 'sapflow-sigterm-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Starts `npm start` as a user runs it, on the given store; resolves with its URL once it listens. */
function startGateway(env: NodeJS.ProcessEnv) {
  const preload = env[PGLITE_TEMPLATE_ENV] ? ['--import', PGLITE_TEMPLATE_PRELOAD] : [];
  const server = spawn(process.execPath, [...preload, 'bin/server.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stderr.on('data', (d) => (output += d));
  const url = new Promise<string>((resolve, reject) => {
    server.stdout.on('data', (d) => {
      output += d;
      const found = /listening on (http:\/\/\S+)/.exec(output);
      if (found) resolve(found[1]);
    });
    server.once('exit', (code) => reject(new Error(`server exited ${code}: ${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  return { server, url, exited, output: () => output };
}

/** `npm start` stopped by SIGTERM in the middle of a run (a deploy): the run is handed over, not lost or cancelled. */
describe('SIGTERM', () => {
  it('hands the running workflow over: the log is flushed, exit 0, and the next start resumes it without running a completed task again', async () => {
    // an HTTP tool that never answers its first call (the run is surely still going at SIGTERM), then answers
    const keys: (string | undefined)[] = [];
    let toolCalled!: () => void;
    const called = new Promise<void>((resolve) => (toolCalled = resolve));
    const tool = createServer((req, res) => {
      keys.push(req.headers['idempotency-key'] as string | undefined);
      if (keys.length === 1) return toolCalled();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"answered":true}');
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => tool.once('listening', resolve));
    const toolsConfig = join(dataDir, 'tools.yaml');
    writeFileSync(toolsConfig, `tools:
  - name: wait_once
    description: Hangs on its first call
    parameters: { type: object, properties: {} }
    url: http://127.0.0.1:${(tool.address() as AddressInfo).port}/wait
    timeout: 600
`);
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: join(dataDir, 'store'), TOOLS_CONFIG: toolsConfig };
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'OPENAI_API_KEY', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL']) delete env[name];
    const first = startGateway(env);
    const url = await first.url;

    const definition = {
      id: 'sigterm_probe',
      tasks: [
        { id: 'quick', function: 'list_emails', parameters: { max_results: 1 } },
        { id: 'slow', function: 'wait_once', dependencies: ['quick'] },
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
    first.server.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('SIGTERM: handing runs over and flushing execution logs');

    const db = await openDatabase({ dataDir: join(dataDir, 'store') });
    try {
      const execution = await createExecutionStore(db).getExecution(id, 'local');
      expect(execution?.status).toBe('running');
      expect(execution?.tasks.quick.status).toBe('completed');
      expect(execution?.tasks.slow.status).toBe('running');
    } finally {
      await db.close();
    }

    const second = startGateway(env);
    const again = await second.url;
    try {
      let execution: { status: string; tasks: Record<string, { status: string; result?: unknown }> } | undefined;
      for (let i = 0; i < 100 && execution?.status !== 'completed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        execution = (await (await fetch(`${again}/api/executions/${id}`)).json()) as typeof execution;
      }
      expect(execution?.status).toBe('completed');
      expect(execution?.tasks.slow.result).toEqual({ answered: true });
      // the in-flight call was sent again with the same key; the completed one was not run again
      expect(keys).toEqual([`${id}:slow`, `${id}:slow`]);
      const log = await fetch(`${again}/api/executions/${id}/events`);
      const types = [...(await log.text()).matchAll(/^event: ?(.+)$/gm)].map((m) => m[1]);
      expect(types.filter((t) => t === 'workflow-start')).toHaveLength(1);
      expect(types.filter((t) => t === 'run-resumed')).toHaveLength(1);
      expect(types.filter((t) => t === 'task-complete')).toHaveLength(2);
      expect(types.at(-1)).toBe('workflow-finish');
    } finally {
      second.server.kill('SIGTERM');
      await second.exited;
      tool.close();
    }
  }, 120_000);
});
