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
 * Whether `name` cannot serve as a CEL variable: a name the environment already binds (`int`,
 * `cel`, `optional`...), which would shadow the task or input, or a reserved word (`in`, `as`,
 * `null`...), which does not even parse as an identifier.
 */
export function isReservedName(name: string): boolean {
  if (celEnvironment.hasVariable(name)) return true;
  let known = reserved.get(name);
  if (known === undefined) {
    try {
      // `null` and `true` parse, but as literals rather than identifiers
      known = celEnvironment.parse(name).ast.op !== 'id';
    } catch {
      known = true;
    }
    reserved.set(name, known);
  }
  return known;
}
