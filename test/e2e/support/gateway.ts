import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSapflow, type StartOptions } from '../../../src/server.js';

export interface TestGateway {
  url: string;
  close(): Promise<void>;
}

/**
 * A real gateway on a free port: embedded PGlite in a throwaway folder (seeded with the sample firm), the offline
 * demo model, local auth. It serves web/dist, which the global setup has just built.
 */
export async function startTestGateway(options: { env?: Record<string, string>; runtime?: StartOptions['runtime'] } = {}): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sapflow-e2e-'));
  const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: dataDir, ...options.env };
  // the journeys need the embedded store's sample firm and the offline demo model, whatever CI exports
  for (const name of ['DATABASE_URL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'TOOLS_CONFIG', 'PORT']) {
    if (!options.env?.[name]) delete env[name];
  }
  const gateway = await startSapflow({ port: 0, host: '127.0.0.1', env, runtime: options.runtime });
  return {
    url: gateway.url,
    close: async () => {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
