import { describe, expect, it } from 'vitest';
import { SapflowError } from '../errors/index.js';
import { validateDefinition } from './validate-definition.js';
import { workflowSchema } from './workflow-schema.js';

const task = { id: 'a', function: 'f' };

function rejection(raw: unknown): { path: unknown; message: string } {
  try {
    validateDefinition(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(SapflowError);
    expect((error as SapflowError).code).toBe('invalid_workflow');
    expect((error as SapflowError).message).not.toContain('\n');
    return { path: (error as SapflowError).details?.path, message: (error as SapflowError).message };
  }
  throw new Error('expected invalid_workflow');
}

describe('workflowSchema', () => {
  it('fills in name and inputs', () => {
    expect(workflowSchema.parse({ id: 'w', tasks: [task] })).toEqual({ id: 'w', name: 'w', inputs: {}, tasks: [task] });
  });
});

describe('validateDefinition', () => {
  it.each([
    [{ id: 'w', tasks: [{ ...task, fucntion: 'f' }] }, 'tasks[0].fucntion', 'Invalid workflow at tasks[0].fucntion: unknown field "fucntion" (did you mean "function"?)'],
    [{ id: 'w', task: [task] }, 'task', 'Invalid workflow at task: unknown field "task" (did you mean "tasks"?) (and 1 more problem(s))'],
    [{ id: 'w', inputs: { q: { type: 'string', requried: true } }, tasks: [task] }, 'inputs.q.requried', 'Invalid workflow at inputs.q.requried: unknown field "requried" (did you mean "required"?)'],
    [{ id: 'w', tasks: [{ id: 'a' }] }, 'tasks[0].function', 'Invalid workflow at tasks[0].function: this field is required'],
    [{ tasks: [task] }, 'id', 'Invalid workflow at id: this field is required'],
    [{ id: 'w', tasks: [] }, 'tasks', 'Invalid workflow at tasks: a workflow needs at least one task'],
    [{ id: 'w', tasks: [{ id: 'my-task', function: 'f' }] }, 'tasks[0].id', 'Invalid workflow at tasks[0].id: "my-task" must be an identifier ([A-Za-z_][A-Za-z0-9_]*)'],
    [{ id: 'w', tasks: [{ id: 'int', function: 'f' }] }, 'tasks[0].id', 'Invalid workflow at tasks[0].id: "int" is a reserved word in expressions; choose another name'],
    [{ id: 'w', inputs: { 'e-mail': { type: 'string' } }, tasks: [task] }, 'inputs["e-mail"]', 'Invalid workflow at inputs["e-mail"]: the name "e-mail" must be an identifier ([A-Za-z_][A-Za-z0-9_]*)'],
    [{ id: 'w', inputs: { a: { type: 'string' } }, tasks: [task] }, 'tasks[0].id', 'Invalid workflow at tasks[0].id: "a" is also an input name; expressions could not tell them apart'],
    [{ id: 'w', inputs: { n: { type: 'integer', default: 1.5 } }, tasks: [task] }, 'inputs.n.default', 'Invalid workflow at inputs.n.default: expects an integer, got 1.5'],
    [{ id: 'w', inputs: { n: { type: 'string', enum: ['a', 'b'], default: 'c' } }, tasks: [task] }, 'inputs.n.default', 'Invalid workflow at inputs.n.default: must be one of "a", "b", got "c"'],
    [{ id: 'w', inputs: { n: { type: 'number', enum: [1, 'two'] } }, tasks: [task] }, 'inputs.n.enum[1]', 'Invalid workflow at inputs.n.enum[1]: expects a number, got "two"'],
    [{ id: 'w', inputs: { n: { type: 'text' } }, tasks: [task] }, 'inputs.n.type', expect.stringMatching(/^Invalid workflow at inputs\.n\.type: Invalid option: expected one of "string"\|"number"/)],
    [{ id: 'w', tasks: [{ ...task, timeout: 0 }] }, 'tasks[0].timeout', expect.stringMatching(/^Invalid workflow at tasks\[0\]\.timeout: Too small/)],
    [{ id: 'w', tasks: [{ ...task, retry_count: 1.5 }] }, 'tasks[0].retry_count', expect.stringMatching(/^Invalid workflow at tasks\[0\]\.retry_count: /)],
    [{ id: 'w', tasks: [{ ...task, condition: true }] }, 'tasks[0].condition', 'Invalid workflow at tasks[0].condition: Invalid input: expected string, received boolean'],
    [{ id: 'w', tasks: [{ ...task, dependencies: 'b' }] }, 'tasks[0].dependencies', 'Invalid workflow at tasks[0].dependencies: Invalid input: expected array, received string'],
    [[task], '', 'Invalid workflow: Invalid input: expected object, received array'],
  ])('%j is rejected at %s', (raw, path, message) => {
    expect(rejection(raw)).toEqual({ path, message });
  });

  it('takes the id from the source file name unless one is given', () => {
    expect(validateDefinition({ tasks: [task] }, { sourceName: '/x/legal_intake.yml' }).id).toBe('legal_intake');
    expect(validateDefinition({ id: 'own', tasks: [task] }, { sourceName: '/x/legal_intake.yml' }).id).toBe('own');
    expect(() => validateDefinition({ tasks: [task] }, { sourceName: 'my flow.yaml' })).toThrowError(
      expect.objectContaining({ message: expect.stringContaining('(taken from the file name "my flow.yaml")') }),
    );
  });

  it('accepts every field of the design', () => {
    const full = {
      id: 'legal_intake',
      name: 'Legal intake',
      description: 'Intake',
      inputs: { client_email: { type: 'string', required: true, description: 'who' }, n: { type: 'integer', default: 2, enum: [1, 2] } },
      tasks: [{ ...task, name: 'A', parameters: { q: 1 }, dependencies: [], condition: 'true', timeout: 1.5, retry_count: 2, parallel_group: 'g', critical: false }],
    };
    expect(validateDefinition(full)).toEqual(full);
  });
});
