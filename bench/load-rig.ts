import { fork, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProbeSample } from './load-probe.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const TSX = import.meta.resolve('tsx');

/** A child process of the load bench, spoken to over IPC. */
export interface BenchChild {
  proc: ChildProcess;
  /** The next message that has `key`, its value. */
  next<T>(key: string): Promise<T>;
  send(message: unknown): void;
  stop(): Promise<void>;
}

/**
 * Forks `bench/<file>` under tsx with `--expose-gc` (the probe's full collections). Its stdout goes to `logFile`
 * when given (a gateway's log, measured by the soak), else nowhere; stderr is the bench's own.
 */
export function forkBenchChild(
  file: string,
  { args = [], env = {}, logFile, execArgv = [] }: { args?: string[]; env?: Record<string, string>; logFile?: string; execArgv?: string[] } = {},
): BenchChild {
  const stdout = logFile ? openSync(logFile, 'a') : 'ignore';
  const proc = fork(join(BENCH_DIR, file), args, {
    execArgv: ['--expose-gc', ...execArgv, '--import', TSX],
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'inherit', 'ipc'],
  });
  const waiting: Array<{ key: string; resolve: (value: any) => void }> = [];
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.on('message', (message: Record<string, unknown>) => {
    const at = waiting.findIndex((w) => w.key in message);
    if (at < 0) return;
    const [{ key, resolve }] = waiting.splice(at, 1) as [{ key: string; resolve: (value: unknown) => void }];
    resolve(message[key]);
  });
  return {
    proc,
    next: <T>(key: string) =>
      new Promise<T>((resolve, reject) => {
        waiting.push({ key, resolve });
        void exited.then(() => reject(new Error(`${file} exited before sending ${key}`)));
      }),
    send: (message) => proc.send(message as never),
    stop: async () => {
      // a disconnect lets the child exit by itself (process.exit: a --cpu-prof profile gets written); SIGTERM if not
      if (proc.connected) proc.disconnect();
      const timer = setTimeout(() => proc.kill('SIGTERM'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Asks a gateway's probe for a sample (after a full collection when `gc`). */
export async function probe(gateway: BenchChild, gc = false): Promise<ProbeSample> {
  const answer = gateway.next<ProbeSample>('sample');
  gateway.send({ probe: 'sample', gc });
  return answer;
}

export async function resetProbe(gateway: BenchChild): Promise<void> {
  const answer = gateway.next('reset');
  gateway.send({ probe: 'reset' });
  await answer;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
