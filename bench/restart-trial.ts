import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { WorkflowEvent } from '../src/protocol/index.js';
import { startGateway, type GatewayProcess } from '../test/support/gateway-process.js';

/** One request to the slow tool: which step asked, with which key, when it arrived (`Date.now()`). */
export interface SlowToolCall {
  step: string;
  key: string | null;
  receivedAt: number;
}

export interface SlowToolServer {
  url: string;
  calls: SlowToolCall[];
  /** While true, `lookup` calls are never answered (the bench kills the gateway while one is in flight). */
  holding: boolean;
  /** Resolves with the next call of `step` for `key`. */
  next(step: string, key: string): Promise<SlowToolCall>;
  close(): Promise<void>;
}

/**
 * The one slow HTTP tool of the restart bench, `POST /tools/slow_lookup`: `prepare` answers at once, `lookup` is held
 * while `holding` (it is what is in flight at the kill) and answers after 50 ms otherwise, `report` answers at once.
 */
export async function startSlowToolServer(): Promise<SlowToolServer> {
  const waiters: { step: string; key: string; resolve: (call: SlowToolCall) => void }[] = [];
  const state: SlowToolServer = {
    url: '',
    calls: [],
    holding: true,
    next: (step, key) => new Promise((resolve) => waiters.push({ step, key, resolve })),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const args = (body ? JSON.parse(body) : {}) as { step?: string; from?: unknown };
      const call: SlowToolCall = { step: String(args.step), key: req.headers['idempotency-key']?.toString() ?? null, receivedAt: Date.now() };
      state.calls.push(call);
      for (const waiter of waiters.splice(0)) {
        if (waiter.step === call.step && waiter.key === call.key) waiter.resolve(call);
        else waiters.push(waiter);
      }
      const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: `${call.step} done`, from: args.from ?? null }));
      if (call.step !== 'lookup') return answer();
      if (state.holding) return; // answered never: the caller is killed meanwhile and the connection closes
      const timer = setTimeout(answer, 50);
      res.on('close', () => clearTimeout(timer));
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = state.close;
  state.close = () => {
    server.closeAllConnections();
    return close();
  };
  return state;
}

export function slowToolsConfig(url: string): string {
  return [
    'tools:',
    '  - name: slow_lookup',
    '    description: A lookup that is slow while the bench holds it',
    '    parameters: { type: object }',
    `    url: ${url}/tools/slow_lookup`,
    '    timeout: 60',
    '    retry_count: 0',
    '',
  ].join('\n');
}

/** prepare -> lookup (in flight at the kill) -> report, data passed along; after the resume `prepare` is reused. */
export const RESTART_DEFINITION = {
  id: 'restart_probe',
  name: 'Restart probe',
  tasks: [
    { id: 'prepare', function: 'slow_lookup', parameters: { step: 'prepare' } },
    { id: 'lookup', function: 'slow_lookup', parameters: { step: 'lookup', from: '${prepare.result.value}' } },
    { id: 'report', function: 'slow_lookup', parameters: { step: 'report', from: '${lookup.result.value}' } },
  ],
};

export interface RestartTrial {
  /** The resumed run's first new `task-start`, from the new process's `Sapflow listening` line (negative: before it). */
  afterUpMs: number;
  /** The same from the new process's spawn. */
  afterSpawnMs: number;
  /** The same from the kill. */
  afterKillMs: number;
  /** The tool server's own clock: the resumed `lookup` call's arrival, from the listening line. */
  toolCallAfterUpMs: number;
  /** Spawn to the listening line (migrations, tools, templates, crash recovery). */
  startMs: number;
  /** Postgres: from the killed process's lease expiry (read from the row) to the task-start; null on the embedded store. */
  afterLeaseExpiryMs: number | null;
  reusedTasks: string[];
  resumedTask: string;
}

export interface RestartRig {
  gateway: GatewayProcess;
  dataDir: string;
  env: Record<string, string>;
  tools: SlowToolServer;
  /** Postgres: the database the gateway uses, to read the lease; undefined on the embedded store. */
  databaseUrl?: string;
}

/**
 * One trial: start a run, kill -9 the gateway while `lookup` is in flight, start it again (the rig then holds the new
 * process), read the run's log over SSE to its `workflow-finish`, and time the first `task-start` after `run-resumed`.
 */
export async function runRestartTrial(rig: RestartRig): Promise<RestartTrial> {
  rig.tools.holding = true;
  const response = await fetch(`${rig.gateway.url}/api/workflows/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', prefer: 'respond-async' },
    body: JSON.stringify({ definition: RESTART_DEFINITION, parameters: {} }),
  });
  if (response.status !== 202) throw new Error(`execute answered ${response.status}: ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  await rig.tools.next('lookup', `${id}:lookup`);
  // the log writer flushes every 20 ms: let `lookup`'s task-start reach the log, as it would in a real outage
  await new Promise((resolve) => setTimeout(resolve, 200));

  const killedAt = Date.now();
  await rig.gateway.kill9();
  const leaseExpiry = rig.databaseUrl ? await readLeaseExpiry(rig.databaseUrl, id) : null;
  rig.tools.holding = false;
  const resumedCall = rig.tools.next('lookup', `${id}:lookup`);

  const spawnedAt = Date.now();
  rig.gateway = await startGateway({ dataDir: rig.dataDir, env: rig.env });
  const upAt = Date.now();

  const events = await readRunEvents(rig.gateway.url, id);
  const finish = events.at(-1);
  if (finish?.type !== 'workflow-finish' || finish.status !== 'completed') throw new Error(`the resumed run did not complete: ${JSON.stringify(finish)}`);
  const resumedAt = events.findIndex((e) => e.type === 'run-resumed');
  const resumed = events[resumedAt];
  const firstStart = events.slice(resumedAt + 1).find((e) => e.type === 'task-start');
  if (resumed?.type !== 'run-resumed' || firstStart?.type !== 'task-start') throw new Error(`no run-resumed then task-start in the log of ${id}`);
  if (rig.tools.calls.filter((c) => c.key === `${id}:prepare`).length !== 1) throw new Error('the completed task `prepare` was called again');
  const startedAt = Date.parse(firstStart.at);
  const toolCall = await resumedCall;
  return {
    afterUpMs: startedAt - upAt,
    afterSpawnMs: startedAt - spawnedAt,
    afterKillMs: startedAt - killedAt,
    toolCallAfterUpMs: toolCall.receivedAt - upAt,
    startMs: upAt - spawnedAt,
    afterLeaseExpiryMs: leaseExpiry === null ? null : startedAt - leaseExpiry,
    reusedTasks: resumed.reusedTasks,
    resumedTask: firstStart.taskId,
  };
}

/** GET /api/executions/:id/events (the log replayed, then live) up to the run's `workflow-finish`. */
export async function readRunEvents(url: string, id: string, timeoutMs = 120_000): Promise<WorkflowEvent[]> {
  const response = await fetch(`${url}/api/executions/${encodeURIComponent(id)}/events`, { signal: AbortSignal.timeout(timeoutMs) });
  if (response.status !== 200 || !response.body) throw new Error(`events answered ${response.status}`);
  const events: WorkflowEvent[] = [];
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffer += decoder.decode(read.value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame
        .split('\n')
        // `data:value` with one optional space after the colon (better-sse writes none)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
        .join('\n');
      if (!data) continue; // a keep-alive comment
      const event = JSON.parse(data) as WorkflowEvent;
      events.push(event);
      if (event.type === 'workflow-finish') {
        await reader.cancel().catch(() => {});
        return events;
      }
    }
  }
  throw new Error(`the event stream of ${id} ended before workflow-finish`);
}

async function readLeaseExpiry(databaseUrl: string, id: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ lease_expires_at: Date }>('SELECT lease_expires_at FROM workflow_executions WHERE id = $1', [id]);
    if (!rows[0]) throw new Error(`no execution ${id} in the database`);
    return rows[0].lease_expires_at.getTime();
  } finally {
    await client.end();
  }
}
