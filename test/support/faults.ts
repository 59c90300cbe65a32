import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { PGLITE_TEMPLATE_ENV, PGLITE_TEMPLATE_PRELOAD } from './pglite-template.mjs';

/**
 * Fault tests come in two sizes from one file: small in `npm test`, large in `npm run test:faults` (FAULTS=large).
 * The size is chosen here, never by skipping, so CI's no-skip rule holds for both.
 */
export const FAULTS_LARGE = process.env.FAULTS === 'large';

/** The seed of this run's random kill moments; set FAULTS_SEED to replay a failing run. */
export const FAULTS_SEED = Number(process.env.FAULTS_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded generator, so a failing sequence of kill moments can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The environment a child gateway or store script gets: the host's, minus anything that would point it elsewhere. */
export function isolatedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  // CI sets DATABASE_URL / REDIS_URL for the store suite; these tests are about the embedded store on disk
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'FAULTS', 'FAULTS_SEED']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

/** A child process whose complete stdout lines are handed to `onLine` (a line cut off by a kill is never seen). */
export interface LineChild {
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  /** Resolves once the process has exited and its pipes are drained. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL by the child's own pid; resolves when it is gone. */
  kill9(): Promise<void>;
  /** SIGTERM by its pid and wait for the exit, SIGKILL if it takes longer than `ms`; its exit code. */
  stop(ms?: number): Promise<number | null>;
}

/**
 * `node <args>` with its stdout read line by line. With the test run's PGlite template in `env` (test/support/setup.ts
 * puts it in the workers' environment), the child gets its preload: a new DATA_DIR starts from the template, not initdb.
 */
export function spawnLines(
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
  { cwd }: { cwd?: string } = {},
): LineChild {
  const preload = env[PGLITE_TEMPLATE_ENV] ? ['--import', PGLITE_TEMPLATE_PRELOAD] : [];
  const child = spawn(process.execPath, [...preload, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      onLine(line);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const kill9 = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await closed;
  };
  return {
    child,
    stderr: () => err,
    closed,
    kill9,
    async stop(ms = 30_000) {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => void kill9(), ms);
      const { code } = await closed;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `promise`, bounded by `ms`: rejects naming `what` when it does not settle in time. */
export async function within<T>(ms: number, what: string | (() => string), promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${typeof what === 'string' ? what : what()}`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
