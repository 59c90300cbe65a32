import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SapflowError } from '../errors/index.js';
import { compileWorkflow } from './compile-workflow.js';
import type { CompiledTask } from './types.js';

const CODES = ['invalid_workflow', 'duplicate_task_id', 'unknown_function', 'bad_expression', 'unknown_reference', 'cycle'];
const hasTool = (name: string) => name === 'f' || name === 'g';

function expectTopological(tasks: readonly CompiledTask[]) {
  const position = new Map(tasks.map((task, i) => [task.id, i]));
  expect(position.size).toBe(tasks.length);
  tasks.forEach((task, i) => {
    expect(new Set(task.dependencies).size).toBe(task.dependencies.length);
    for (const dep of task.dependencies) expect(position.get(dep)!).toBeLessThan(i);
  });
}

/** Mostly `usual`, sometimes `rare`: definitions must be valid often enough to reach the later checks. */
const mostly = <A, B>(usual: fc.Arbitrary<A>, rare: fc.Arbitrary<B>): fc.Arbitrary<A | B> =>
  fc.oneof({ weight: 12, arbitrary: usual }, { weight: 1, arbitrary: rare });

// ids repeat (duplicates) and are sometimes non-identifiers, reserved words or an input's name
const id = mostly(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.constantFrom('bad-id', '1x', 'int', 'q'));
const reference = mostly(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'q'), fc.constantFrom('zz', 'ab'));
const garbage = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('a +', '}', '${', '"', 'a.result.exists(x, x >', 'size(', '1 + "a"', '[1, 2', 'a..b'));
const expression = mostly(
  fc.oneof(
    reference.map((r) => `${r}.result`),
    fc.tuple(reference, reference).map(([x, y]) => `${x}.status == "completed" && ${y}.result.n > 0`),
    reference.map((r) => `${r}.result.items.exists(i, i > q)`),
  ),
  garbage,
);
const template = fc.oneof(
  expression.map((e) => `\${${e}}`),
  fc.tuple(fc.string({ maxLength: 5 }), expression).map(([text, e]) => `${text}\${${e}} tail`),
  fc.string({ maxLength: 10 }),
);
const parameters = fc.dictionary(fc.constantFrom('x', 'y', 'q-z'), fc.oneof(template, fc.array(template, { maxLength: 2 }), fc.integer()), { maxKeys: 3 });
const task = fc
  .record(
    {
      id,
      function: mostly(fc.constantFrom('f', 'g'), fc.constant('send_fax')),
      dependencies: fc.array(reference, { maxLength: 2 }),
      parameters,
      condition: mostly(expression, fc.constant('size(q) + 1')),
      timeout: mostly(fc.integer({ min: 1, max: 30 }), fc.constantFrom(0, -1, 'soon')),
      critical: mostly(fc.boolean(), fc.constant('yes')),
      typo: mostly(fc.constant(false), fc.constant(true)),
    },
    { requiredKeys: ['id', 'function', 'typo'] },
  )
  .map(({ typo, ...rest }) => (typo ? { ...rest, dependecies: [] } : rest));
const definition = mostly(
  fc.record({ id: fc.constant('w'), inputs: fc.constant({ q: { type: 'string' } }), tasks: fc.array(task, { minLength: 1, maxLength: 5 }) }),
  fc.anything(),
);

describe('compileWorkflow properties', () => {
  it('accepts a definition or rejects it with a known code, and accepted ones come out in topological order', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(definition, (raw) => {
        let compiled;
        try {
          compiled = compileWorkflow(raw, { hasTool });
        } catch (error) {
          expect(error).toBeInstanceOf(SapflowError);
          expect(CODES).toContain((error as SapflowError).code);
          expect((error as SapflowError).message).not.toContain('\n');
          expect(typeof (error as SapflowError).details?.path).toBe('string');
          seen.set((error as SapflowError).code, (seen.get((error as SapflowError).code) ?? 0) + 1);
          return;
        }
        expectTopological(compiled.tasks);
        seen.set('accepted', (seen.get('accepted') ?? 0) + 1);
      }),
      { numRuns: 3_000 },
    );
    // the generator must reach every outcome, or the property proves little
    for (const outcome of [...CODES, 'accepted']) expect(seen.get(outcome) ?? 0).toBeGreaterThan(0);
  });

  it('compiles random DAGs with exactly the declared and referenced dependencies', () => {
    const dag = fc.integer({ min: 1, max: 25 }).chain((n) =>
      fc.tuple(
        fc.array(fc.array(fc.tuple(fc.nat(), fc.constantFrom('explicit', 'parameter', 'condition')), { maxLength: 4 }), { minLength: n, maxLength: n }),
        fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      ),
    );
    fc.assert(
      fc.property(dag, ([edges, declarationOrder]) => {
        const expected = new Map<string, Set<string>>();
        const tasks = edges.map((raw, i) => {
          const deps = i === 0 ? [] : raw.map(([target, how]) => ({ dep: `t${target % i}`, how }));
          expected.set(`t${i}`, new Set(deps.map((d) => d.dep)));
          const explicit = deps.filter((d) => d.how === 'explicit').map((d) => d.dep);
          const referenced = deps.filter((d) => d.how === 'parameter').map((d, k) => [`p${k}`, `\${${d.dep}.result}`]);
          const inCondition = deps.filter((d) => d.how === 'condition').map((d) => `${d.dep}.status == "completed"`);
          return {
            id: `t${i}`,
            function: 'f',
            ...(explicit.length ? { dependencies: explicit } : {}),
            ...(referenced.length ? { parameters: Object.fromEntries(referenced) } : {}),
            ...(inCondition.length ? { condition: inCondition.join(' && ') } : {}),
          };
        });
        const compiled = compileWorkflow({ id: 'dag', tasks: declarationOrder.map((i) => tasks[i]) }, { hasTool });
        expectTopological(compiled.tasks);
        expect(compiled.tasks).toHaveLength(tasks.length);
        for (const t of compiled.tasks) expect(new Set(t.dependencies)).toEqual(expected.get(t.id));
      }),
      { numRuns: 300 },
    );
  });
});
