import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createRuntime } from '../src/runtime/create-runtime.js';
import { runToolCall } from '../src/streams/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sapflow-runtime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createRuntime', () => {
  it('offers every template as a tool that runs the workflow as its own logged execution', async () => {
    const runtime = await createRuntime(loadConfig({ DATA_DIR: ':memory:' }));
    try {
      const tool = runtime.tools.get('workflow_legal_intake');
      expect(tool?.description).toContain('Legal intake');
      const events = await lastValueFrom(
        runToolCall({ executionId: 'chat-1', taskId: 'call_1', toolName: tool!.name, tool, args: { client_email: 'john@example.com' }, user: 'local' }, runtime.engine).pipe(toArray()),
      );
      const done = events.at(-1);
      expect(done?.type).toBe('task-complete');
      const result = (done as { result: { executionId: string; status: string; tasks: Record<string, { status: string }> } }).result;
      expect(result.status).toBe('completed');
      expect(result.tasks.generate_retainer.status).toBe('completed');
      expect(result.tasks.notify_conflict.status).toBe('skipped');
      expect(events.some((e) => e.type === 'task-progress')).toBe(true);
      await runtime.writer.flush();
      const execution = await runtime.store.getExecution(result.executionId, 'local');
      expect(execution).toMatchObject({ workflowId: 'legal_intake', kind: 'workflow', status: 'completed' });
    } finally {
      await runtime.close();
    }
  });

  it('refuses to start on a bad TOOLS_CONFIG, naming the file and the entry', async () => {
    const file = join(dir, 'tools.yaml');
    writeFileSync(file, 'tools:\n  - name: bad name\n    description: x\n    parameters: { type: object }\n    url: http://127.0.0.1:1/x\n');
    await expect(createRuntime(loadConfig({ DATA_DIR: ':memory:', TOOLS_CONFIG: file }))).rejects.toMatchObject({
      code: 'invalid_tools_config',
      message: expect.stringContaining(`${file}: tools[0]`),
    });
  });

  it('reports a WORKFLOWS_DIR file that does not load, and still starts with the rest', async () => {
    writeFileSync(join(dir, 'mine.yaml'), 'name: Mine\ntasks:\n  - { id: one, function: list_emails }\n');
    writeFileSync(join(dir, 'broken.yaml'), 'tasks:\n  - { id: one, function: no_such_tool }\n');
    const runtime = await createRuntime(loadConfig({ DATA_DIR: ':memory:', WORKFLOWS_DIR: dir }));
    try {
      expect(runtime.catalog.get('mine')?.name).toBe('Mine');
      expect(runtime.catalog.get('legal_intake')).toBeDefined();
      expect(runtime.notices.join('\n')).toContain(`${join(dir, 'broken.yaml')} not loaded: [unknown_function] tasks[0].function`);
    } finally {
      await runtime.close();
    }
  });
});
