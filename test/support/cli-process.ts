import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CliContext } from '../../src/cli/cli-context.js';
import { runCli } from '../../src/cli/run-cli.js';
import { PGLITE_TEMPLATE_ENV, PGLITE_TEMPLATE_PRELOAD } from './pglite-template.mjs';

export const SAPFLOW_BIN = fileURLToPath(new URL('../../bin/sapflow.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Called on each stdout chunk with the process, e.g. to send SIGINT once a task has started. */
  onStdout?: (text: string, child: ChildProcess) => void;
}

/** What every run of the command gets: an in-memory store without the sample firm (fast, isolated, nothing on disk). */
function cliEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', DATA_DIR: ':memory:', SAPFLOW_SEED_SAMPLE_DATA: 'false', NO_COLOR: '1', ...env };
}

/**
 * The real `sapflow` command in a child process, with a clean environment so the developer's own settings cannot
 * leak in. Its new store starts from the test run's initdb'd PGlite template (test/support/pglite-template.mjs).
 */
export function runSapflow(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const template = process.env[PGLITE_TEMPLATE_ENV];
  return new Promise((resolve, reject) => {
    const preload = template ? ['--import', PGLITE_TEMPLATE_PRELOAD] : [];
    const child = spawn(process.execPath, [...preload, SAPFLOW_BIN, ...args], {
      cwd: options.cwd,
      env: { ...cliEnv(options.env), ...(template ? { [PGLITE_TEMPLATE_ENV]: template } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The same command line through `runCli` in this process, with the same clean environment, its stdout and stderr
 * captured as a pipe would see them (not a terminal): for cases about what the command does, not about the process
 * (its start-up, signals, working directory), which `runSapflow` covers. Saves a Node + tsx start per case.
 */
export async function runSapflowInProcess(args: string[], options: { env?: Record<string, string> } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const pipe = (append: (text: string) => void) =>
    ({
      isTTY: undefined,
      write(chunk: string | Uint8Array) {
        append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      },
    }) as unknown as NodeJS.WriteStream;
  const ctx: CliContext = {
    stdout: pipe((text) => (stdout += text)),
    stderr: pipe((text) => (stderr += text)),
    env: cliEnv(options.env),
    onInterrupt: () => () => {},
    exitNow: (code) => {
      throw new Error(`the command tried to end the process with ${code}`);
    },
  };
  const code = await runCli(args, ctx);
  return { code, stdout, stderr };
}

/** `--json` output as events, one per line. */
export function jsonLines(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, any>);
}
