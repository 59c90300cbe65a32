import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, runSapflow, runSapflowInProcess } from './support/cli-process.js';
import { startToolServer, toolsConfigFor } from './support/cli-tool-server.js';

// Cases about the process - the bin's start-up and exit code, a pipe that is not a terminal, Ctrl-C, the working
// directory - spawn the real CLI (tsx + PGlite start-up): allow for a slow, busy machine. The rest run the same
// command line in-process (runSapflowInProcess: runCli with the same clean environment), a Node + tsx start less each.
const SLOW = 90_000;
const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$/m;

const FLOWS = {
  'flow.yaml': `
name: Echo flow
inputs:
  count: { type: number, required: true }
  label: { type: string, default: plain }
tasks:
  - id: first
    function: echo
    parameters: { count: "\${count}", label: "\${label}" }
  - id: second
    function: echo
    parameters: { doubled: "\${first.result.received.count * 2}" }
  - id: third
    function: echo
    dependencies: [first]
`,
  'partial.yaml': `
tasks:
  - { id: fetch, function: echo, parameters: { what: data } }
  - { id: optional_step, function: reject, critical: false }
  - { id: after_fetch, function: echo, parameters: { got: "\${fetch.result.received.what}" } }
`,
  'failed.yaml': `
tasks:
  - { id: must_work, function: reject }
  - { id: then, function: echo, dependencies: [must_work] }
`,
  'slow.yaml': `
tasks:
  - { id: nap, function: slow, parameters: { ms: 20000 } }
  - { id: after_nap, function: echo, dependencies: [nap] }
`,
  'cycle.yaml': `
tasks:
  - { id: a, function: echo, dependencies: [b] }
  - { id: b, function: echo, dependencies: [a] }
`,
  'unknown-function.yaml': `
tasks:
  - { id: a, function: no_such_tool }
`,
};

let dir: string;
let server: Awaited<ReturnType<typeof startToolServer>>;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sapflow-cli-'));
  server = await startToolServer();
  await writeFile(join(dir, 'tools.yaml'), toolsConfigFor(server.url));
  for (const [name, text] of Object.entries(FLOWS)) await writeFile(join(dir, name), text);
  env = { TOOLS_CONFIG: join(dir, 'tools.yaml') };
});
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.calls.length = 0;
});

describe('sapflow validate', () => {
  it('prints ok with the id and task count', { timeout: SLOW }, async () => {
    const result = await runSapflow(['validate', join(dir, 'flow.yaml')], { env });
    expect(result).toMatchObject({ code: 0, stdout: 'ok flow: 3 tasks\n', stderr: '' });
  });

  it('rejects a cycle with exit 64, the code, the path and the cycle - and no stack', { timeout: SLOW }, async () => {
    const result = await runSapflowInProcess(['validate', join(dir, 'cycle.yaml')], { env });
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^\[cycle\] tasks\[0\]\.dependencies\[0\]: .*a -> b -> a/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it('checks functions against the available tools', { timeout: SLOW }, async () => {
    const withTools = await runSapflowInProcess(['validate', join(dir, 'unknown-function.yaml')], { env });
    expect(withTools.code).toBe(64);
    expect(withTools.stderr).toMatch(/^\[unknown_function\] tasks\[0\]\.function: /);
    // without TOOLS_CONFIG the echo tool does not exist
    const withoutTools = await runSapflowInProcess(['validate', join(dir, 'flow.yaml')]);
    expect(withoutTools.code).toBe(64);
    expect(withoutTools.stderr).toMatch(/^\[unknown_function\]/);
  });

  it('reports a missing file and a bad command line as usage errors', { timeout: SLOW }, async () => {
    const missing = await runSapflowInProcess(['validate', join(dir, 'nope.yaml')], { env });
    expect(missing.code).toBe(64);
    expect(missing.stderr).toMatch(/^\[not_found\] /);
    const badOption = await runSapflowInProcess(['validate', '--frobnicate', 'x.yaml']);
    expect(badOption.code).toBe(64);
    expect(badOption.stderr).toMatch(/^\[usage\] Unknown option '--frobnicate'/);
    const unknownCommand = await runSapflowInProcess(['launch']);
    expect(unknownCommand.code).toBe(64);
    expect(unknownCommand.stderr).toMatch(/^\[usage\] unknown command "launch"/);
  });
});

describe('sapflow graph', () => {
  it('prints the Mermaid flowchart, from another working directory', { timeout: SLOW }, async () => {
    const result = await runSapflow(['graph', 'flow.yaml'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('flowchart TD');
    expect(result.stdout).toContain('t_first --> t_second');
    expect(result.stdout).toContain('t_first --> t_third');
  });
});

describe('sapflow run --json', () => {
  it('streams every event as one JSON line, ends with workflow-finish, exits 0 when completed', { timeout: SLOW }, async () => {
    const result = await runSapflow(['run', join(dir, 'flow.yaml'), '--input', 'count=21', '--json'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const events = jsonLines(result.stdout);
    expect(events[0]).toMatchObject({ type: 'workflow-start', workflowId: 'flow', input: { count: 21, label: 'plain' } });
    expect(events.at(-1)).toMatchObject({ type: 'workflow-finish', status: 'completed' });
    expect(events.every((e) => typeof e.executionId === 'string' && typeof e.at === 'string')).toBe(true);
    expect(events.filter((e) => e.type === 'task-complete').map((e) => e.taskId).sort()).toEqual(['first', 'second', 'third']);
    // the number input arrived as a number, so the expression could double it
    expect(server.calls.find((c) => (c.body as any)?.count !== undefined)?.body).toEqual({ count: 21, label: 'plain' });
    expect(events.at(-1)!.tasks.second.result).toEqual({ received: { doubled: 42 } });
  });

  it('exits 2 when a non-critical task fails (partial), and the rest still runs', { timeout: SLOW }, async () => {
    const result = await runSapflowInProcess(['run', join(dir, 'partial.yaml'), '--json'], { env });
    expect(result.code).toBe(2);
    const events = jsonLines(result.stdout);
    expect(events.find((e) => e.type === 'task-failed')).toMatchObject({ taskId: 'optional_step', error: { code: 'http_error', status: 400 } });
    expect(events.at(-1)).toMatchObject({ type: 'workflow-finish', status: 'partial', tasks: { after_fetch: { status: 'completed' } } });
  });

  it('exits 1 when a critical task fails, skipping what depends on it', { timeout: SLOW }, async () => {
    const result = await runSapflowInProcess(['run', join(dir, 'failed.yaml'), '--json'], { env });
    expect(result.code).toBe(1);
    const finish = jsonLines(result.stdout).at(-1)!;
    expect(finish).toMatchObject({ type: 'workflow-finish', status: 'failed', tasks: { must_work: { status: 'failed' }, then: { status: 'skipped' } } });
  });

  it('cancels on Ctrl-C: the cancelled finish is printed, exit 1', { timeout: SLOW }, async () => {
    let interrupted = false;
    const result = await runSapflow(['run', join(dir, 'slow.yaml'), '--json'], {
      env,
      onStdout: (stdout, child) => {
        if (!interrupted && stdout.includes('"task-start"')) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(interrupted).toBe(true);
    expect(result.code).toBe(1);
    const events = jsonLines(result.stdout);
    expect(events.at(-1)).toMatchObject({ type: 'workflow-finish', status: 'cancelled', tasks: { nap: { status: 'failed', error: { code: 'cancelled' } }, after_nap: { status: 'skipped' } } });
    expect(result.stderr).toContain('cancelling the run');
  });
});

describe('sapflow run inputs', () => {
  it('a missing required input exits 64 before anything runs', { timeout: SLOW }, async () => {
    const result = await runSapflowInProcess(['run', join(dir, 'flow.yaml'), '--json'], { env });
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^\[missing_input\] inputs\.count: Missing required input "count"/);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(server.calls).toEqual([]);
  });

  it('a value that is not the declared type exits 64', { timeout: SLOW }, async () => {
    const result = await runSapflowInProcess(['run', join(dir, 'flow.yaml'), '-i', 'count=many', '--json'], { env });
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/^\[invalid_input\] inputs\.count: /);
    expect(server.calls).toEqual([]);
  });

  it('an unknown template id exits 64', { timeout: SLOW }, async () => {
    const result = await runSapflowInProcess(['run', 'no_such_template'], { env });
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/^\[unknown_workflow\] /);
  });
});

describe('sapflow run (human output)', () => {
  it('without a terminal prints one line per settled task, then the status and results', { timeout: SLOW }, async () => {
    const result = await runSapflow(['run', join(dir, 'partial.yaml')], { env });
    expect(result.code).toBe(2);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^partial \(partial\) · execution [0-9a-f-]{36}$/);
    expect(result.stdout).toMatch(/^✓ fetch +done \d+ms$/m);
    expect(result.stdout).toMatch(/^✗ optional_step +failed .*\[http_error\] POST .* answered 400/m);
    expect(result.stdout).toMatch(/^partial in \d+ms · 3 tasks: 2 done, 1 failed$/m);
    expect(result.stdout).toMatch(/^ {2}after_fetch +\{"received":\{"got":"data"\}\}$/m);
    // no animation and no colour codes on a pipe
    expect(result.stdout).not.toContain('\u001b[');
  });
});
