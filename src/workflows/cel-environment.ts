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
