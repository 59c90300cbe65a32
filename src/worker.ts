import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from './config.js';
import { SapflowError } from './errors/index.js';
import { metricsHandler } from './http/metrics-route.js';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime/create-runtime.js';

export interface StartWorkerOptions {
  env?: Record<string, string | undefined>;
  runtime?: RuntimeOptions;
  /** Overrides WORKER_PORT (tests: 0). */
  port?: number;
  host?: string;
}

export interface RunningWorker {
  runtime: Runtime;
  /** Where its `GET /health` answers; undefined without WORKER_PORT. */
  url?: string;
  close(): Promise<void>;
}

/**
 * `npm run worker`: a process that runs workflow runs off the cluster's queue (WORKER_CONCURRENCY at a time) and
 * resumes the runs of processes that went away; no API but `GET /health` on WORKER_PORT when set.
 */
export async function startWorker(options: StartWorkerOptions = {}): Promise<RunningWorker> {
  const config = loadConfig({ ...(options.env ?? process.env) });
  if (!config.REDIS_URL) throw new SapflowError('invalid_config', 'A worker needs REDIS_URL (and DATABASE_URL): it takes its runs from the cluster\'s queue');
  const runtime = await createRuntime(config, { ...options.runtime, role: 'worker' });
  let server: Server | undefined;
  try {
    const port = options.port ?? config.WORKER_PORT;
    if (port !== undefined) server = await listenHealth(runtime, port, options.host ?? config.HOST);
    await runtime.recovery.start();
  } catch (error) {
    server?.close();
    await runtime.close();
    throw error;
  }
  const address = server?.address() as AddressInfo | undefined;
  let closing: Promise<void> | undefined;
  return {
    runtime,
    url: address ? `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}` : undefined,
    close: () =>
      (closing ??= (async () => {
        server?.closeAllConnections();
        if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
        // hands its runs over (their leases released, another process resumes them at once), then leaves the queue
        await runtime.close();
      })()),
  };
}

/** The worker's own `GET /health`: what it is, whether Redis answers, its queue and how many runs it has. */
function listenHealth(runtime: Runtime, port: number, host: string): Promise<Server> {
  const metrics = metricsHandler(runtime);
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') return metrics(req, res);
    if (req.method !== 'GET' || path !== '/health') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'Only GET /health and GET /metrics are served here' } }));
      return;
    }
    runtime.cluster!.health().then(
      (health) => {
        const body = { status: health.redis.reachable ? 'ok' : 'degraded', ...health, database: runtime.db.kind, running: runtime.runs.liveIds().length, concurrency: runtime.config.WORKER_CONCURRENCY };
        res.writeHead(health.redis.reachable ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
      () => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'internal_error', message: 'health check failed' } })),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
