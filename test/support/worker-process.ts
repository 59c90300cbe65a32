import { fileURLToPath } from 'node:url';
import { isolatedEnv, spawnLines, within, type LineChild } from './faults.js';

const WORKER_BIN = fileURLToPath(new URL('../../bin/worker.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface WorkerProcess {
  pid: number;
  output(): string;
  /** `kill -9` by its own pid; resolves once it is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (runs handed over) and wait for the exit; SIGKILL if it takes longer than `ms`. */
  stop(ms?: number): Promise<number | null>;
}

/** `node bin/worker.js` as `npm run worker` starts it; resolves once it announced its queue. */
export async function startWorkerProcess({ env, startTimeoutMs = 90_000 }: { env: Record<string, string>; startTimeoutMs?: number }): Promise<WorkerProcess> {
  let stdout = '';
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const child: LineChild = spawnLines(
    [WORKER_BIN],
    isolatedEnv({ SAPFLOW_SEED_SAMPLE_DATA: 'false', ...env }),
    (line) => {
      stdout += `${line}\n`;
      if (line.startsWith('Sapflow worker on queue')) onReady();
    },
    { cwd: REPO_ROOT },
  );
  const output = () => `${stdout}${child.stderr()}`;
  const died = child.closed.then(({ code, signal }): never => {
    throw new Error(`the worker exited (code ${code}, signal ${signal}) before it was ready:\n${output()}`);
  });
  try {
    await within(startTimeoutMs, () => `the worker to start:\n${output()}`, Promise.race([ready, died]));
  } catch (error) {
    await child.kill9();
    throw error;
  }
  died.catch(() => {});
  return {
    pid: child.child.pid!,
    output,
    kill9: () => child.kill9(),
    stop: (ms) => child.stop(ms),
  };
}
