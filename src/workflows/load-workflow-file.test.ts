import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkflowFile } from './load-workflow-file.js';

describe('loadWorkflowFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sapflow-workflows-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads YAML and JSON files, with the id defaulting to the file name', async () => {
    await writeFile(join(dir, 'intake.yaml'), 'tasks:\n  - id: a\n    function: f\n');
    await writeFile(join(dir, 'named.json'), '{"id": "custom", "tasks": [{"id": "a", "function": "f"}]}');
    expect(await loadWorkflowFile(join(dir, 'intake.yaml'))).toMatchObject({ id: 'intake', name: 'intake' });
    expect(await loadWorkflowFile(join(dir, 'named.json'))).toMatchObject({ id: 'custom' });
  });

  it('names the file in syntax errors', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'tasks:\n  - id: a\n   function: f\n');
    await expect(loadWorkflowFile(file)).rejects.toMatchObject({
      code: 'invalid_workflow',
      message: expect.stringContaining(`YAML syntax error in ${file} at line 3`),
    });
  });

  it('reports a missing file as not_found', async () => {
    await expect(loadWorkflowFile(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reports an unreadable path as invalid_workflow', async () => {
    await expect(loadWorkflowFile(dir)).rejects.toMatchObject({ code: 'invalid_workflow', message: expect.stringContaining('EISDIR') });
  });
});
