import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { cleanRedis, testRedisPrefix } from '../test/support/cluster.js';
import { startGateway, type GatewayProcess } from '../test/support/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import { startWorkerProcess, type WorkerProcess } from '../test/support/worker-process.js';

/** One call the tool server received: its key, when it arrived, and whether its caller hung up before the answer. */
export interface ToolCall {
  key: string;
  tool: string;
  receivedAt: number;
  hungUp: boolean;
}

/** The bench's HTTP tools: `POST /tools/<name>` answers after the `ms` the call asks for (200 by default). */
export interface BenchToolServer {
  url: string;
  calls: ToolCall[];
  close(): Promise<void>;
}

export async function startBenchToolServer(): Promise<BenchToolServer> {
  const calls: ToolCall[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const args = (body ? JSON.parse(body) : {}) as { ms?: number };
      const call: ToolCall = { key: String(req.headers['idempotency-key'] ?? ''), tool: req.url ?? '', receivedAt: Date.now(), hungUp: false };
      calls.push(call);
      const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true })), args.ms ?? 200);
      res.on('close', () => {
        if (!res.writableFinished) call.hungUp = true;
        clearTimeout(timer);
      });
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const TOOLS = ['bench_conflicts', 'bench_time', 'bench_mail'];

/** Three HTTP tools (no concurrency limit of their own) and two workflows: three in parallel, and slow -> done. */
async function writeConfig(dir: string, toolsUrl: string) {
  const toolsConfig = join(dir, 'tools.yaml');
  await writeFile(
    toolsConfig,
    ['tools:', ...TOOLS.flatMap((name) => [
      `  - name: ${name}`,
      '    description: a bench tool that answers after the ms it is asked for',
      '    parameters: { type: object, properties: { ms: { type: number } } }',
      `    url: ${toolsUrl}/tools/${name}`,
      '    timeout: 60',
      '    retry_count: 0',
    ]), ''].join('\n'),
  );
  const workflows = join(dir, 'workflows');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(workflows);
  await writeFile(
    join(workflows, 'bench_io.yaml'),
    ['id: bench_io', 'name: Three 200 ms HTTP tools in parallel', 'tasks:', ...TOOLS.flatMap((name, i) => [`  - id: t${i}`, `    function: ${name}`, '    parameters: { ms: 200 }']), ''].join('\n'),
  );
  await writeFile(
    join(workflows, 'bench_failover.yaml'),
    ['id: bench_failover', 'name: A slow call in flight at the kill, then a quick one', 'tasks:',
      '  - id: slow', '    function: bench_conflicts', '    parameters: { ms: 3000 }',
      '  - id: after', '    function: bench_time', '    dependencies: [slow]', '    parameters: { ms: 10 }', ''].join('\n'),
  );
  return { toolsConfig, workflows };
}

/** A cluster of real processes on a fresh Postgres database and a Redis prefix of its own. */
export interface ClusterRig {
  gateway: GatewayProcess;
  workers: WorkerProcess[];
  tools: BenchToolServer;
  db: pg.Pool;
  env: Record<string, string>;
  addWorker(): Promise<WorkerProcess>;
  /** POST /api/workflows/execute with `Prefer: respond-async`; the run's id. */
  submit(workflowId: string): Promise<string>;
  close(): Promise<void>;
}

export async function startClusterRig({ redisUrl, databaseUrl, leaseMs }: { redisUrl: string; databaseUrl: string; leaseMs?: number }): Promise<ClusterRig> {
  const dir = await mkdtemp(join(tmpdir(), 'sapflow-bench-cluster-'));
  const tools = await startBenchToolServer();
  const database: TestDatabase = await createTestDatabase(databaseUrl);
  const db = new pg.Pool({ connectionString: database.url, max: 4 });
  const prefix = testRedisPrefix();
  const { toolsConfig, workflows } = await writeConfig(dir, tools.url);
  const env: Record<string, string> = {
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    DATABASE_URL: database.url,
    TOOLS_CONFIG: toolsConfig,
    WORKFLOWS_DIR: workflows,
    WORKER_CONCURRENCY: '10',
    ...(leaseMs ? { RUN_LEASE_MS: String(leaseMs) } : {}),
  };
  // the gateway only enqueues: every run is a worker's, so the worker count is the only thing that changes
  const gateway = await startGateway({ dataDir: join(dir, 'unused'), env: { ...env, RUN_WORKFLOWS: 'false' } });
  const workers: WorkerProcess[] = [];
  const rig: ClusterRig = {
    gateway,
    workers,
    tools,
    db,
    env,
    async addWorker() {
      const worker = await startWorkerProcess({ env });
      workers.push(worker);
      return worker;
    },
    async submit(workflowId) {
      const res = await fetch(`${gateway.url}/api/workflows/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', prefer: 'respond-async' },
        body: JSON.stringify({ workflow_id: workflowId }),
      });
      if (res.status !== 202) throw new Error(`execute answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop(10_000).catch(() => w.kill9())));
      await gateway.stop(10_000).catch(() => gateway.kill9());
      await tools.close();
      await db.end();
      await database.drop().catch(() => {});
      await cleanRedis(prefix).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

/** Resolves once every run in `ids` has ended; rejects after `timeoutMs`. The runs' statuses and last finish. */
export async function waitForRuns(db: pg.Pool, ids: string[], timeoutMs = 120_000): Promise<{ statuses: Record<string, number>; lastFinishedAt: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ status: string; n: string; last: Date | null }>(
      `SELECT status, count(*) AS n, max(finished_at) AS last FROM workflow_executions WHERE id = ANY($1) GROUP BY status`,
      [ids],
    );
    const statuses = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    const live = (statuses.pending ?? 0) + (statuses.running ?? 0);
    const ended = rows.reduce((n, r) => n + Number(r.n), 0);
    if (live === 0 && ended === ids.length) {
      return { statuses, lastFinishedAt: Math.max(...rows.map((r) => (r.last ? r.last.getTime() : 0))) };
    }
    if (Date.now() > deadline) throw new Error(`runs still live after ${timeoutMs} ms: ${JSON.stringify(statuses)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The first `task-start` of each run, from the log (the `at` its worker stamped), in ms since the epoch. */
export async function firstTaskStarts(db: pg.Pool, ids: string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ execution_id: string; at: string }>(
    `SELECT execution_id, min(payload ->> 'at') AS at FROM workflow_logs WHERE execution_id = ANY($1) AND type = 'task-start' GROUP BY execution_id`,
    [ids],
  );
  return new Map(rows.map((r) => [r.execution_id, Date.parse(r.at)]));
}
