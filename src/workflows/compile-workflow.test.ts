import { describe, expect, it } from 'vitest';
import { SapflowError } from '../errors/index.js';
import { compileWorkflow } from './compile-workflow.js';

const TOOLS = new Set(['list_emails', 'extract_legal_info', 'check_conflicts', 'generate_retainer_letter', 'f']);
const hasTool = (name: string) => TOOLS.has(name);

const LEGAL_INTAKE = {
  id: 'legal_intake',
  name: 'Legal intake',
  inputs: { client_email: { type: 'string', required: true }, max_results: { type: 'number', default: 20 } },
  tasks: [
    { id: 'generate_retainer', function: 'generate_retainer_letter', dependencies: ['conflict_check'], condition: 'conflict_check.result.has_conflicts == false', critical: false },
    { id: 'conflict_check', function: 'check_conflicts', parameters: { client_name: '${extract_client_info.result.name}' } },
    { id: 'extract_client_info', function: 'extract_legal_info', parameters: { email_content: '${list_recent_emails.result}' } },
    { id: 'list_recent_emails', name: 'List recent emails', function: 'list_emails', parameters: { max_results: '${max_results}', query: 'from:${client_email}' } },
  ],
};

const tasks = (...list: Array<Record<string, unknown>>) => ({ id: 'w', inputs: { q: { type: 'string' } }, tasks: list });

function rejection(raw: unknown): { code: string; path: unknown; message: string } {
  try {
    compileWorkflow(raw, { hasTool });
  } catch (error) {
    expect(error).toBeInstanceOf(SapflowError);
    const e = error as SapflowError;
    expect(e.message).not.toContain('\n');
    return { code: e.code, path: e.details?.path, message: e.message };
  }
  throw new Error('expected the definition to be rejected');
}

describe('compileWorkflow', () => {
  it('orders tasks topologically with inferred dependencies and defaults', () => {
    const compiled = compileWorkflow(LEGAL_INTAKE, { hasTool });
    expect(compiled.id).toBe('legal_intake');
    expect(compiled.name).toBe('Legal intake');
    expect(compiled.tasks.map((t) => t.id)).toEqual(['list_recent_emails', 'extract_client_info', 'conflict_check', 'generate_retainer']);
    expect(compiled.tasks[0]).toEqual({
      id: 'list_recent_emails',
      name: 'List recent emails',
      function: 'list_emails',
      parameters: { max_results: '${max_results}', query: 'from:${client_email}' },
      dependencies: [],
      critical: true,
    });
    expect(compiled.tasks[1]).toMatchObject({ name: 'extract_client_info', dependencies: ['list_recent_emails'], critical: true });
    expect(compiled.tasks[3]).toMatchObject({ dependencies: ['conflict_check'], critical: false, condition: 'conflict_check.result.has_conflicts == false' });
    expect(compiled.definition.inputs.max_results).toEqual({ type: 'number', default: 20 });
  });

  it('merges explicit and referenced dependencies without repeats', () => {
    const compiled = compileWorkflow(
      tasks(
        { id: 'a', function: 'f' },
        { id: 'b', function: 'f' },
        { id: 'c', function: 'f', dependencies: ['b'], parameters: { x: '${a.result} ${b.status}', deep: [{ y: '${a.result.z}' }] }, condition: 'b.status == "completed" && q != ""' },
      ),
      { hasTool },
    );
    expect(compiled.tasks.find((t) => t.id === 'c')!.dependencies).toEqual(['b', 'a']);
  });

  it('keeps declaration order where dependencies allow', () => {
    const compiled = compileWorkflow(tasks({ id: 'z', function: 'f' }, { id: 'y', function: 'f' }, { id: 'x', function: 'f', dependencies: ['z'] }), { hasTool });
    expect(compiled.tasks.map((t) => t.id)).toEqual(['z', 'y', 'x']);
  });

  it('accepts an already validated definition', () => {
    const once = compileWorkflow(LEGAL_INTAKE, { hasTool });
    expect(compileWorkflow(once.definition, { hasTool })).toEqual(once);
  });

  it('compiles a 10,000-task chain without exhausting the stack', () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => ({ id: `t${i}`, function: 'f', ...(i > 0 ? { parameters: { prev: `\${t${i - 1}.result}` } } : {}) }));
    const compiled = compileWorkflow({ id: 'chain', tasks: chain.reverse() }, { hasTool });
    expect(compiled.tasks[0]!.id).toBe('t0');
    expect(compiled.tasks[9_999]!.dependencies).toEqual(['t9998']);
  });
});

describe('compileWorkflow errors', () => {
  it.each([
    ['invalid_workflow', 'tasks[0].timeout', tasks({ id: 'a', function: 'f', timeout: -1 }), /^Invalid workflow at tasks\[0\]\.timeout: Too small/],
    ['duplicate_task_id', 'tasks[2].id', tasks({ id: 'a', function: 'f' }, { id: 'b', function: 'f' }, { id: 'a', function: 'f' }), 'Duplicate task id "a" at tasks[2].id (first used at tasks[0].id)'],
    ['unknown_function', 'tasks[1].function', tasks({ id: 'a', function: 'f' }, { id: 'b', function: 'send_fax' }), 'Unknown function "send_fax" at tasks[1].function: no tool has that name'],
    ['bad_expression', 'tasks[2].condition', tasks({ id: 'a', function: 'f' }, { id: 'b', function: 'f' }, { id: 'c', function: 'f', condition: 'a.result >' }), 'Bad expression "a.result >" at tasks[2].condition: Unexpected token: EOF'],
    ['bad_expression', 'tasks[1].parameters.query', tasks({ id: 'a', function: 'f' }, { id: 'b', function: 'f', parameters: { query: 'x ${a.result ++ 1}' } }), 'Bad expression "a.result ++ 1" at tasks[1].parameters.query: Unexpected token: PLUS'],
    ['bad_expression', 'tasks[0].parameters.query', tasks({ id: 'a', function: 'f', parameters: { query: 'from:${q' } }), 'Bad expression "from:${q" at tasks[0].parameters.query: unterminated "${" (no matching "}")'],
    ['bad_expression', 'tasks[0].parameters.list[1]["x-y"]', tasks({ id: 'a', function: 'f', parameters: { list: ['ok', { 'x-y': '${nosuch(q)}' }] } }), "Bad expression \"nosuch(q)\" at tasks[0].parameters.list[1][\"x-y\"]: found no matching overload for 'nosuch(dyn)'"],
    ['bad_expression', 'tasks[0].condition', tasks({ id: 'a', function: 'f', condition: 'size(q) + 1' }), 'Bad expression "size(q) + 1" at tasks[0].condition: a condition must be true or false, but this yields int'],
    ['unknown_reference', 'tasks[1].parameters.query', tasks({ id: 'a', function: 'f' }, { id: 'b', function: 'f', parameters: { query: '${aa.result}' } }), 'Unknown reference "aa" in "aa.result" at tasks[1].parameters.query: not an input or a task id (did you mean "a"?)'],
    ['unknown_reference', 'tasks[0].condition', tasks({ id: 'a', function: 'f', condition: 'nobody.status == "completed"' }), 'Unknown reference "nobody" in "nobody.status == "completed"" at tasks[0].condition: not an input or a task id'],
    ['unknown_reference', 'tasks[1].dependencies[1]', tasks({ id: 'a', function: 'f' }, { id: 'b', function: 'f', dependencies: ['a', 'c'] }), 'Unknown dependency "c" at tasks[1].dependencies[1]: no task has that id'],
    ['unknown_reference', 'tasks[0].dependencies[0]', tasks({ id: 'a', function: 'f', dependencies: ['q'] }), 'Unknown dependency "q" at tasks[0].dependencies[0]: that is an input; dependencies name tasks'],
    ['cycle', 'tasks[0].dependencies[0]', tasks({ id: 'a', function: 'f', dependencies: ['b'] }, { id: 'b', function: 'f', dependencies: ['c'] }, { id: 'c', function: 'f', dependencies: ['a'] }), 'Dependency cycle at tasks[0].dependencies[0]: a -> b -> c -> a (each task depends on the next)'],
    ['cycle', 'tasks[1].parameters.v', tasks({ id: 'x', function: 'f' }, { id: 'c', function: 'f', parameters: { v: '${a.result}' } }, { id: 'a', function: 'f', condition: 'b.status == "done"' }, { id: 'b', function: 'f', parameters: { p: ['${c.result}'] } }), 'Dependency cycle at tasks[1].parameters.v: c -> a -> b -> c (each task depends on the next)'],
    ['cycle', 'tasks[0].dependencies[0]', tasks({ id: 'a', function: 'f', dependencies: ['a'] }), 'Dependency cycle at tasks[0].dependencies[0]: a -> a (each task depends on the next)'],
    ['cycle', 'tasks[0].parameters.me', tasks({ id: 'a', function: 'f', parameters: { me: '${a.status}' } }), 'Dependency cycle at tasks[0].parameters.me: a -> a (each task depends on the next)'],
  ])('%s at %s', (code, path, raw, message) => {
    const error = rejection(raw);
    expect(error.code).toBe(code);
    expect(error.path).toBe(path);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });

  it('names the cycle in dependency order starting from the earliest declared task', () => {
    const error = rejection(tasks({ id: 'c', function: 'f', dependencies: ['a'] }, { id: 'b', function: 'f', dependencies: ['c'] }, { id: 'a', function: 'f', dependencies: ['b'] }));
    expect(error.message).toContain('c -> a -> b -> c');
  });

  it('takes the id from sourceName', () => {
    expect(compileWorkflow({ tasks: [{ id: 'a', function: 'f' }] }, { hasTool, sourceName: 'dir/flow_x.yaml' }).id).toBe('flow_x');
  });

  describe("the original design's format", () => {
    const original = {
      name: 'Legal intake (v1)',
      tasks: [
        { name: 'fetch', function: 'list_emails', parameters: { query: 'from:${client_email}' } },
        { name: 'check', function: 'check_conflicts', condition: 'strict == true', parameters: { client_name: '${fetch.result.name}' } },
      ],
    };

    it('takes ids from names and the references that are not tasks as required inputs of any type', () => {
      const compiled = compileWorkflow(original, { hasTool });
      expect(compiled.id).toBe('legal_intake_v1');
      expect(compiled.tasks.map((t) => [t.id, t.name, t.dependencies])).toEqual([['fetch', 'fetch', []], ['check', 'check', ['fetch']]]);
      expect(compiled.inferredInputs).toEqual(['client_email', 'strict']);
      expect(compiled.definition.inputs.client_email).toMatchObject({ type: 'any', required: true });
      // compiled again (a stored definition on resume), the inputs are declared ones: nothing more is inferred
      expect(compileWorkflow(compiled.definition, { hasTool }).inferredInputs).toEqual([]);
    });

    it('still needs an id or an identifier name for each task', () => {
      const error = rejection({ name: 'x', tasks: [{ name: 'Fetch the emails', function: 'list_emails' }] });
      expect(error).toMatchObject({ code: 'invalid_workflow', path: 'tasks[0].id' });
    });
  });
});
