import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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

/**
 * The real `sapflow` command in a child process, on an in-memory store without the sample firm (fast, isolated,
 * nothing left on disk), with a clean environment so the developer's own settings cannot leak in.
 */
export function runSapflow(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SAPFLOW_BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: ':memory:', SAPFLOW_SEED_SAMPLE_DATA: 'false', NO_COLOR: '1', ...options.env },
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

/** `--json` output as events, one per line. */
export function jsonLines(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, any>);
}
