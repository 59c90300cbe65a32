import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isObservable, lastValueFrom } from 'rxjs';
import { startSapflow, type StartOptions } from '../../../src/server.js';

export interface TestGateway {
  url: string;
  close(): Promise<void>;
}

/**
 * A real gateway on a free port: embedded PGlite in a throwaway folder (seeded with the sample firm), the offline
 * demo model, local auth. It serves web/dist, which the global setup has just built.
 */
export async function startTestGateway(
  options: { env?: Record<string, string>; runtime?: StartOptions['runtime']; toolLatency?: { tools: string[]; ms: number } } = {},
): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sapflow-e2e-'));
  const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: dataDir, ...options.env };
  // the journeys need the embedded store's sample firm and the offline demo model, whatever CI exports
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'TOOLS_CONFIG', 'PORT']) {
    if (!options.env?.[name]) delete env[name];
  }
  const gateway = await startSapflow({ port: 0, host: '127.0.0.1', env, runtime: options.runtime });
  if (options.toolLatency) addLatency(gateway.runtime.tools, options.toolLatency.tools, options.toolLatency.ms);
  return {
    url: gateway.url,
    close: async () => {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The sample firm's rule-based tools answer in milliseconds, so a whole run is over before a browser has connected.
 * Real deployments call models and remote systems that take seconds; give the named tools that kind of latency
 * so the journeys can watch each task run.
 */
function addLatency(tools: { get(name: string): import('../../../src/tools/tool.js').Tool | undefined }, names: string[], ms: number): void {
  for (const name of names) {
    const tool = tools.get(name);
    if (!tool) throw new Error(`No tool ${name} to slow down`);
    const execute = tool.execute.bind(tool);
    tool.execute = async (args, ctx) => {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(ctx.signal.reason); }, { once: true });
      });
      const result = execute(args, ctx);
      return isObservable(result) ? lastValueFrom(result) : await result;
    };
  }
}
