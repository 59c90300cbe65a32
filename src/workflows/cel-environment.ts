import { Environment } from '@marcbachmann/cel-js';

/**
 * The one CEL environment every workflow expression is parsed and evaluated in. Inputs and task
 * entries are not declared up front (they differ per workflow), so unlisted variables are `dyn`.
 * Built once: creating an Environment is the expensive part of the library.
 */
export const celEnvironment = new Environment({
  unlistedVariablesAreDyn: true,
  // tool results are JSON, where `[1, "a"]` is ordinary
  homogeneousAggregateLiterals: false,
  // `a.result.?items.orValue([])` lets a condition tolerate a missing key instead of failing
  enableOptionalTypes: true,
});

// JS has one number type, so `count / 8.0` or `score * 2` must not fail on CEL's int/double split:
// mixed arithmetic yields a double (int-with-int stays exact integer arithmetic, as CEL defines it)
const MIXED: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
};
for (const [op, apply] of Object.entries(MIXED)) {
  celEnvironment.registerOperator(`int ${op} double: double`, (a: bigint, b: number) => apply(Number(a), b));
  celEnvironment.registerOperator(`double ${op} int: double`, (a: number, b: bigint) => apply(a, Number(b)));
}

const reserved = new Map<string, boolean>();

/**
 * Whether `name` cannot serve as a CEL variable: a reserved word (`in`, `as`, `null`...) or a name
 * the environment already binds (`int`, `cel`, `optional`...), which would shadow the task or input.
 */
export function isReservedName(name: string): boolean {
  let known = reserved.get(name);
  if (known === undefined) {
    try {
      celEnvironment.evaluate(name, {});
      known = true;
    } catch (error) {
      known = (error as { code?: string }).code !== 'unknown_variable';
    }
    reserved.set(name, known);
  }
  return known;
}
