import type { AddressInfo } from 'node:net';
import { loadConfig } from './config.js';
import { createApp, type AppOptions } from './http/create-app.js';
import { createRestOptions } from './http/rest-options.js';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime/create-runtime.js';

export interface StartOptions {
  env?: Record<string, string | undefined>;
  port?: number;
  host?: string;
  runtime?: RuntimeOptions;
  app?: AppOptions;
}

export interface RunningSapflow {
  url: string;
  runtime: Runtime;
  close(): Promise<void>;
}

/** Starts a gateway: runtime (store, tools, templates, model), HTTP server. Tests start one on port 0. */
export async function startSapflow(options: StartOptions = {}): Promise<RunningSapflow> {
  const config = loadConfig({ ...(options.env ?? process.env) });
  const runtime = await createRuntime(config, { role: 'gateway', ...options.runtime });
  const app = createApp(runtime, options.app ?? createRestOptions(runtime));
  const port = options.port ?? config.PORT;
  const host = options.host ?? config.HOST;
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    // a burst of clients (up to MAX_ACTIVE_TURNS) must wait in the accept queue, not have their SYNs dropped and
    // retried seconds later: Node's default backlog is 511 (the kernel caps it at net.core.somaxconn)
    const s = app.listen({ port, host, backlog: Math.max(511, config.MAX_ACTIVE_TURNS) }, () => resolve(s));
    s.once('error', reject);
  });
  // runs left behind by a process that went away (on the embedded store: every live one) go on here
  await runtime.recovery.start();
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    runtime,
    close: () =>
      (closing ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await runtime.close();
      })()),
  };
}
