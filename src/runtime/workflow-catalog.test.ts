import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWorkflowCatalog } from './workflow-catalog.js';

const dirs: string[] = [];
const folder = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), 'sapflow-catalog-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const hasTool = (name: string) => ['a', 'b'].includes(name);

describe('loadWorkflowCatalog', () => {
  it('loads the good files, reports each bad one with its path and error, and lets a later folder replace a template', async () => {
    const builtIn = folder({ 'flow.yaml': 'name: Built in\ntasks:\n  - { id: one, function: a }\n', 'notes.txt': 'ignored' });
    const user = folder({
      'flow.yaml': 'name: Mine\ntasks:\n  - { id: one, function: b }\n',
      'cyclic.yaml': 'tasks:\n  - { id: x, function: a, dependencies: [y] }\n  - { id: y, function: a, dependencies: [x] }\n',
      'broken.json': '{ "tasks": [',
      'unknown.yml': 'tasks:\n  - { id: z, function: nope }\n',
    });
    const { catalog, problems } = await loadWorkflowCatalog([builtIn, user], hasTool);
    expect(catalog.list().map((w) => w.id)).toEqual(['flow']);
    expect(catalog.get('flow')?.name).toBe('Mine');
    expect(problems.map((p) => [p.file.replace(user, '<user>'), p.code])).toEqual([
      ['<user>/broken.json', 'invalid_workflow'],
      ['<user>/cyclic.yaml', 'cycle'],
      ['<user>/unknown.yml', 'unknown_function'],
    ]);
    expect(problems.find((p) => p.code === 'cycle')?.message).toContain('x -> y -> x');
    expect(problems.find((p) => p.code === 'unknown_function')?.path).toBe('tasks[0].function');
  });

  it('reports a folder that cannot be read and still loads the others', async () => {
    const good = folder({ 'ok.yaml': 'tasks:\n  - { id: one, function: a }\n' });
    const { catalog, problems } = await loadWorkflowCatalog([join(good, 'missing'), good], hasTool);
    expect(catalog.get('ok')).toBeDefined();
    expect(problems).toMatchObject([{ code: 'not_found' }]);
  });
});
