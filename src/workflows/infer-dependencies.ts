import { SapflowError } from '../errors/index.js';
import { badExpression, withPath } from './bad-expression.js';
import { didYouMean } from './closest-name.js';
import { compileExpression } from './compile-expression.js';
import { appendPath } from './format-path.js';
import { parseTemplate } from './parse-template.js';
import type { TaskDefinition } from './types.js';

export interface InferredDependencies {
  /** Explicit dependencies first, then tasks referenced by parameters, then by the condition; no repeats. */
  dependencies: string[];
  /** For each dependency, the definition path that introduced it (for cycle reports). */
  origins: Map<string, string>;
}

/**
 * A task's dependencies: its explicit `dependencies` plus every task its parameters or condition
 * reference. Checks every expression on the way: `bad_expression`, `unknown_reference`.
 */
export function inferDependencies(
  task: TaskDefinition,
  base: string,
  names: {
    inputs: ReadonlySet<string>;
    tasks: ReadonlySet<string>;
    /** Given (a definition with no `inputs:` block), a reference to neither is collected here as an input of the run. */
    inferred?: Set<string>;
  },
): InferredDependencies {
  const origins = new Map<string, string>();
  const note = (id: string, path: string) => {
    if (!origins.has(id)) origins.set(id, path);
  };
  task.dependencies?.forEach((id, j) => {
    const path = `${base}.dependencies[${j}]`;
    if (!names.tasks.has(id)) {
      const why = names.inputs.has(id) ? 'that is an input; dependencies name tasks' : `no task has that id${didYouMean(id, names.tasks)}`;
      throw new SapflowError('unknown_reference', `Unknown dependency "${id}" at ${path}: ${why}`, { details: { path, reference: id } });
    }
    note(id, path);
  });
  const checkReferences = (source: string, references: readonly string[], path: string) => {
    for (const ref of references) {
      if (names.tasks.has(ref)) note(ref, path);
      else if (names.inferred) names.inferred.add(ref);
      else if (!names.inputs.has(ref)) {
        const hint = didYouMean(ref, [...names.inputs, ...names.tasks]);
        throw new SapflowError('unknown_reference', `Unknown reference "${ref}" in "${source}" at ${path}: not an input or a task id${hint}`, {
          details: { path, reference: ref, expression: source },
        });
      }
    }
  };
  forEachString(task.parameters ?? {}, `${base}.parameters`, (text, path) => {
    let parts;
    try {
      parts = parseTemplate(text).parts;
    } catch (error) {
      throw withPath(error, path);
    }
    for (const part of parts) if (typeof part !== 'string') checkReferences(part.source, part.references, path);
  });
  if (task.condition !== undefined) {
    const path = `${base}.condition`;
    let condition;
    try {
      condition = compileExpression(task.condition);
    } catch (error) {
      throw withPath(error, path);
    }
    if (condition.type !== 'bool' && condition.type !== 'dyn') {
      throw badExpression(task.condition, `a condition must be true or false, but this yields ${condition.type}`, path);
    }
    checkReferences(task.condition, condition.references, path);
  }
  return { dependencies: [...origins.keys()], origins };
}

function forEachString(value: unknown, path: string, visit: (text: string, path: string) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, i) => forEachString(item, appendPath(path, i), visit));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) forEachString(item, appendPath(path, key), visit);
  }
}
