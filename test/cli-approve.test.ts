import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runSapflowInProcess } from './support/cli-process.js';
import { startToolServer, toolsConfigFor } from './support/cli-tool-server.js';

/** `sapflow run` stops at a task that waits for approval and says how to decide; `sapflow approve` carries it on. */
const FLOW = `
id: reviewed_echo
tasks:
  - { id: draft, function: echo, parameters: { text: "Dear client" } }
  - { id: send, function: echo, approval: required, parameters: { letter: "\${draft.result.received.text}" } }
  - { id: file, function: echo, dependencies: [send] }
`;

let dir: string;
let server: Awaited<ReturnType<typeof startToolServer>>;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sapflow-cli-approve-'));
  server = await startToolServer();
  await writeFile(join(dir, 'tools.yaml'), toolsConfigFor(server.url));
  await writeFile(join(dir, 'reviewed.yaml'), FLOW);
  // a store on disk: the run and the approval are two commands
  env = { TOOLS_CONFIG: join(dir, 'tools.yaml'), DATA_DIR: join(dir, 'store') };
});
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('sapflow run and approve', () => {
  it('stops with exit 3 saying what waits and how to approve; approve runs the rest', { timeout: 90_000 }, async () => {
    const run = await runSapflowInProcess(['run', join(dir, 'reviewed.yaml')], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(3);
    const id = /execution ([0-9a-f-]{36})/.exec(run.stdout)![1]!;
    expect(run.stdout).toContain('The run waits for approval of send');
    expect(run.stdout).toContain('"letter": "Dear client"');
    expect(run.stdout).toContain(`sapflow approve ${id} send`);
    expect(run.stdout).toContain(`/api/executions/${id}/tasks/send/approval`);
    expect(server.calls.map((c) => c.tool)).toEqual(['echo']);

    const approved = await runSapflowInProcess(['approve', id, 'send'], { env });
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain('approved send');
    // the picture goes on past the earlier parking, to the run's end
    expect(approved.stdout).toMatch(/✓ send\s+done/);
    expect(approved.stdout).toMatch(/completed in .* 3 tasks: 3 done/);
    expect(server.calls.map((c) => c.body)).toEqual([{ text: 'Dear client' }, { letter: 'Dear client' }, {}]);

    const again = await runSapflowInProcess(['approve', id, 'send', '--deny'], { env });
    expect(again.code).toBe(64);
    expect(again.stderr).toMatch(/^\[already_decided\]/);
  });

  it('denies with --deny --reason and ends as the run does (failed: the task is critical)', { timeout: 90_000 }, async () => {
    const run = await runSapflowInProcess(['run', join(dir, 'reviewed.yaml'), '--json'], { env });
    expect(run.code).toBe(3);
    const events = jsonLines(run.stdout);
    expect(events.at(-1)).toMatchObject({ type: 'workflow-waiting', waitingTasks: ['send'] });
    const id = events[0]!.executionId as string;
    const denied = await runSapflowInProcess(['approve', id, 'send', '--deny', '--reason', 'wrong client', '--json'], { env });
    expect(denied.code).toBe(1);
    const after = jsonLines(denied.stdout);
    expect(after.find((e) => e.type === 'task-failed')).toMatchObject({ taskId: 'send', error: { code: 'denied', message: 'Denied by local: wrong client' } });
    expect(after.at(-1)).toMatchObject({ type: 'workflow-finish', status: 'failed' });
    const unknown = await runSapflowInProcess(['approve', id, 'nope'], { env });
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/^\[unknown_task\]/);
  });
});
