import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSapflowInProcess } from './support/cli-process.js';
import { startTestServer, type TestServer } from './support/start-test-server.js';

/** A workflow as the original design wrote them: `name:` for ids, run parameters referenced with no `inputs:` block. */
const ORIGINAL = `
name: legal_intake_workflow
description: New client intake, as first written
tasks:
  - name: read_emails
    function: list_emails
    parameters:
      query: "from:\${client_email}"
      max_results: 5
  - name: conflict_check
    function: check_conflicts
    dependencies: [read_emails]
    parameters:
      client_name: "\${client_name}"
      client_email: "\${client_email}"
`;

describe('workflows in the original design\'s format', () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sapflow-original-'));
    await writeFile(join(dir, 'intake.yaml'), ORIGINAL);
    // the sample firm, so the legal tools have a firm to look in
    server = await startTestServer({ env: { SAPFLOW_SEED_SAMPLE_DATA: 'true' } });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const execute = (body: unknown) =>
    server.fetch('/api/workflows/execute', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });

  it('run unchanged: the references that are not tasks are the run\'s inputs', async () => {
    const res = await execute({ definition: ORIGINAL, parameters: { client_email: 'jane.doe@example.com', client_name: 'Jane Doe' } });
    expect(res.status).toBe(200);
    const run = (await res.json()) as { status: string; workflowId: string; tasks: Record<string, { status: string }> };
    expect(run).toMatchObject({ status: 'completed', workflowId: 'legal_intake_workflow' });
    expect(Object.keys(run.tasks).sort()).toEqual(['conflict_check', 'read_emails']);
  });

  it('refuse a run without an inferred input before anything runs, with missing_input naming it', async () => {
    const res = await execute({ definition: ORIGINAL, parameters: { client_email: 'jane.doe@example.com' } });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string; path?: string } };
    expect(error.code).toBe('missing_input');
    expect(error.message).toContain('"client_name"');
    const listed = (await (await server.fetch('/api/executions')).json()) as { executions: unknown[] };
    expect(listed.executions).toHaveLength(1); // only the run above: the refused one never started
  });

  it('keep declared inputs typed and unknown references an error when there is an inputs: block', async () => {
    const typed = `${ORIGINAL.replace('tasks:', 'inputs:\n  client_email: { type: string, required: true }\ntasks:')}`;
    const res = await execute({ definition: typed, parameters: { client_email: 'jane.doe@example.com', client_name: 'Jane' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unknown_reference');
  });

  it('sapflow validate lists the inputs it inferred, so a typo shows', async () => {
    const result = await runSapflowInProcess(['validate', join(dir, 'intake.yaml')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok intake: 2 tasks');
    expect(result.stdout).toContain('inputs inferred from references (no inputs: block): client_email, client_name');
  });
});
