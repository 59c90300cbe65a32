import { SapflowError } from '../errors/index.js';
import { inferDependencies } from './infer-dependencies.js';
import { topologicalOrder } from './topological-order.js';
import type { CompiledTask, CompiledWorkflow } from './types.js';
import { validateDefinition } from './validate-definition.js';

export interface CompileWorkflowOptions {
  /** Whether a tool of this name exists; every task's `function` must name one. */
  hasTool: (name: string) => boolean;
  /** The file the definition came from: supplies the default id. */
  sourceName?: string;
}

/**
 * Validates a raw definition completely - schema, ids, functions, expressions, references, cycles -
 * before anything runs, and returns its tasks in a topological order with their full dependencies.
 * Errors are SapflowErrors with a stable code and `details.path`: `invalid_workflow`,
 * `duplicate_task_id`, `unknown_function`, `bad_expression`, `unknown_reference`, `cycle`.
 */
export function compileWorkflow(raw: unknown, options: CompileWorkflowOptions): CompiledWorkflow {
  const definition = validateDefinition(raw, { sourceName: options.sourceName });
  const firstIndex = new Map<string, number>();
  definition.tasks.forEach((task, i) => {
    const earlier = firstIndex.get(task.id);
    if (earlier !== undefined) {
      const path = `tasks[${i}].id`;
      throw new SapflowError('duplicate_task_id', `Duplicate task id "${task.id}" at ${path} (first used at tasks[${earlier}].id)`, {
        details: { path, taskId: task.id },
      });
    }
    firstIndex.set(task.id, i);
  });
  // the original design's format declares no inputs: what its expressions name besides tasks are the run's inputs
  const inferred = Object.keys(definition.inputs).length === 0 ? new Set<string>() : undefined;
  const names = { inputs: new Set(Object.keys(definition.inputs)), tasks: new Set(firstIndex.keys()), inferred };
  const origins = new Map<string, Map<string, string>>();
  const tasks = definition.tasks.map((task, i): CompiledTask => {
    const base = `tasks[${i}]`;
    if (!options.hasTool(task.function)) {
      const path = `${base}.function`;
      throw new SapflowError('unknown_function', `Unknown function "${task.function}" at ${path}: no tool has that name`, {
        details: { path, function: task.function },
      });
    }
    const found = inferDependencies(task, base, names);
    origins.set(task.id, found.origins);
    return {
      id: task.id,
      name: task.name ?? task.id,
      function: task.function,
      parameters: task.parameters ?? {},
      dependencies: found.dependencies,
      ...(task.condition === undefined ? {} : { condition: task.condition }),
      ...(task.timeout === undefined ? {} : { timeout: task.timeout }),
      ...(task.retry_count === undefined ? {} : { retry_count: task.retry_count }),
      ...(task.parallel_group === undefined ? {} : { parallel_group: task.parallel_group }),
      critical: task.critical ?? true,
      ...(task.approval === undefined ? {} : { approval: task.approval }),
      ...(task.approval_timeout === undefined ? {} : { approval_timeout: task.approval_timeout }),
    };
  });
  const ordered = topologicalOrder(tasks, (from, to) => origins.get(from)!.get(to)!);
  const inferredInputs = [...(inferred ?? [])].sort();
  if (inferredInputs.length === 0) return { definition, id: definition.id, name: definition.name, tasks: ordered, inferredInputs };
  // required and of any type: a run without one is refused with missing_input before anything runs
  const inputs = Object.fromEntries(inferredInputs.map((name) => [name, { type: 'any' as const, required: true, description: 'inferred from a reference (no inputs: block)' }]));
  return { definition: { ...definition, inputs }, id: definition.id, name: definition.name, tasks: ordered, inferredInputs };
}
