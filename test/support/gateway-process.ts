import { fileURLToPath } from 'node:url';
import { isolatedEnv, spawnLines, within, type LineChild } from './faults.js';

const SERVER_BIN = fileURLToPath(new URL('../../bin/server.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  url: string;
  pid: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** `kill -9` by its own pid; resolves once it is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (logs flushed) and wait for the exit; SIGKILL if it takes longer than `ms`. */
  stop(ms?: number): Promise<number | null>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `node bin/server.js` as a user starts it, on the embedded store in `dataDir`, listening on a free port of
 * 127.0.0.1; resolves once it printed `Sapflow listening on <url>`. The host's DATABASE_URL and friends are removed.
 */
export async function startGateway({
  dataDir,
  env = {},
  startTimeoutMs = 90_000,
  signal,
}: {
  dataDir: string;
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** Aborted before it listens: `kill -9` it there (mid start-up: migrations, crash recovery) and reject. */
  signal?: AbortSignal;
}): Promise<GatewayProcess> {
  let stdout = '';
  let onUrl!: (url: string) => void;
  const listening = new Promise<string>((resolve) => (onUrl = resolve));
  const child: LineChild = spawnLines(
    [SERVER_BIN],
    isolatedEnv({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SAPFLOW_SEED_SAMPLE_DATA: 'false', ...env }),
    (line) => {
      stdout += `${line}\n`;
      const found = /Sapflow listening on (http:\/\/\S+)/.exec(line);
      if (found) onUrl(found[1]!);
    },
    { cwd: REPO_ROOT },
  );
  const output = () => `${stdout}${child.stderr()}`;
  const died = child.closed.then(({ code, signal }): never => {
    throw new Error(`the gateway exited (code ${code}, signal ${signal}) before it listened:\n${output()}`);
  });
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new Error('killed while starting', { cause: signal?.reason }));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  let url: string;
  try {
    url = await within(startTimeoutMs, () => `the gateway to listen:\n${output()}`, Promise.race([listening, died, aborted]));
  } catch (error) {
    await child.kill9();
    throw error;
  }
  died.catch(() => {}); // from here on an exit is reported through `exited`
  return {
    url,
    pid: child.child.pid!,
    output,
    kill9: () => child.kill9(),
    stop: (ms) => child.stop(ms),
    exited: child.closed,
  };
}
