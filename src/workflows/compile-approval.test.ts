import { describe, expect, it } from 'vitest';
import { SapflowError } from '../errors/index.js';
import { compileWorkflow } from './compile-workflow.js';

const hasTool = (name: string) => name === 'f';
const one = (task: Record<string, unknown>) => ({ id: 'w', inputs: {}, tasks: [{ id: 't', function: 'f', ...task }] });

function rejection(raw: unknown): { code: string; path: unknown; message: string } {
  try {
    compileWorkflow(raw, { hasTool });
  } catch (error) {
    expect(error).toBeInstanceOf(SapflowError);
    const e = error as SapflowError;
    return { code: e.code, path: e.details?.path, message: e.message };
  }
  throw new Error('expected the definition to be rejected');
}

describe('approval on a workflow task', () => {
  it('keeps `approval: required` and takes approval_timeout as seconds or as a duration', () => {
    expect(compileWorkflow(one({ approval: 'required', approval_timeout: 90 }), { hasTool }).tasks[0]).toMatchObject({ approval: 'required', approval_timeout: 90 });
    expect(compileWorkflow(one({ approval: 'required', approval_timeout: '30m' }), { hasTool }).tasks[0]!.approval_timeout).toBe(1800);
    expect(compileWorkflow(one({ approval_timeout: '2d' }), { hasTool }).tasks[0]!.approval_timeout).toBe(172_800);
    expect(compileWorkflow(one({}), { hasTool }).tasks[0]).not.toHaveProperty('approval');
  });

  it('compiles again from what it stored (a resumed run compiles the stored definition)', () => {
    const first = compileWorkflow(one({ approval: 'required', approval_timeout: '1h' }), { hasTool });
    const again = compileWorkflow({ ...first.definition, tasks: first.tasks }, { hasTool });
    expect(again.tasks).toEqual(first.tasks);
  });

  it.each([
    [{ approval: 'yes' }, 'tasks[0].approval', 'must be "required"'],
    [{ approval: true }, 'tasks[0].approval', 'must be "required"'],
    [{ approval_timeout: 'soon' }, 'tasks[0].approval_timeout', '"soon" must be seconds'],
    [{ approval_timeout: '0s' }, 'tasks[0].approval_timeout', 'must be seconds'],
    [{ approval_timeout: -5 }, 'tasks[0].approval_timeout', 'Too small'],
    [{ aproval: 'required' }, 'tasks[0].aproval', 'did you mean "approval"'],
  ])('refuses %j with invalid_workflow at its path', (task, path, text) => {
    const problem = rejection(one(task));
    expect(problem.code).toBe('invalid_workflow');
    expect(problem.path).toBe(path);
    expect(problem.message.toLowerCase()).toContain(text.toLowerCase());
  });
});
