import { z } from 'zod';
import { isReservedName } from './cel-environment.js';
import { checkInputValue } from './check-input-value.js';
import type { WorkflowDefinition } from './types.js';

/** Task ids and input names are CEL variables, so they must be identifiers CEL does not claim. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const identifier = z
  .string()
  .regex(IDENTIFIER, { error: 'must be an identifier ([A-Za-z_][A-Za-z0-9_]*)' })
  .refine((name) => !IDENTIFIER.test(name) || !isReservedName(name), { error: 'is a reserved word in expressions; choose another name' });

const inputSchema = z
  .strictObject({
    type: z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array', 'any']),
    required: z.boolean().optional(),
    default: z.unknown().optional(),
    description: z.string().optional(),
    enum: z.array(z.unknown()).min(1).optional(),
  })
  .superRefine((input, ctx) => {
    // a bad default or enum would only surface at run time; catch it with the definition
    input.enum?.forEach((value, i) => {
      const problem = checkInputValue({ type: input.type }, value);
      if (problem) ctx.addIssue({ code: 'custom', path: ['enum', i], message: problem });
    });
    const problem = input.default === undefined ? undefined : checkInputValue(input, input.default);
    if (problem) ctx.addIssue({ code: 'custom', path: ['default'], message: problem });
  });

const taskSchema = z.strictObject({
  id: identifier,
  name: z.string().min(1).optional(),
  function: z.string().min(1),
  parameters: z.record(z.string(), z.unknown()).optional(),
  dependencies: z.array(z.string()).optional(),
  condition: z.string().optional(),
  timeout: z.number().positive().finite().optional(),
  retry_count: z.number().int().min(0).max(100).optional(),
  parallel_group: z.string().min(1).optional(),
  critical: z.boolean().optional(),
  // only `required`: a workflow may add a person's say, never take away one its tool's configuration asks for
  approval: z.literal('required', { error: 'must be "required" (leave it out for no approval)' }).optional(),
  approval_timeout: z.union([z.number().positive().finite(), z.string()]).transform((value, ctx) => {
    const seconds = typeof value === 'number' ? value : parseDuration(value);
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${value}" must be seconds (a positive number) or a duration such as "90s", "30m", "24h" or "7d"` });
      return z.NEVER;
    }
    return seconds;
  }).optional(),
});

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** `"30m"` -> 1800; a duration as seconds, or undefined when it is not one. */
function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$/.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  return seconds > 0 && Number.isFinite(seconds) ? seconds : undefined;
}

/**
 * The YAML/JSON shape of a workflow, with the original design's snake_case fields. Strict: an
 * unknown field is an error, so `dependecies:` is caught rather than silently ignored.
 * Duplicate task ids are left to `compileWorkflow`, which reports them as `duplicate_task_id`.
 */
export const workflowSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, {
      error: 'must be 1-128 characters of letters, digits, "_", "-" or "."',
    }),
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    inputs: z.record(identifier, inputSchema).optional(),
    tasks: z.array(z.preprocess(nameAsId, taskSchema)).min(1, { error: 'a workflow needs at least one task' }),
  })
  .superRefine((workflow, ctx) => {
    const inputs = workflow.inputs ?? {};
    workflow.tasks.forEach((task, i) => {
      if (Object.hasOwn(inputs, task.id)) {
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'id'], message: `"${task.id}" is also an input name; expressions could not tell them apart` });
      }
    });
  })
  .transform(
    (workflow): WorkflowDefinition => ({ ...workflow, name: workflow.name ?? workflow.id, inputs: workflow.inputs ?? {} }),
  );

/**
 * The original design's format names a task by `name:` where this one has `id:`: a task without an id whose name is
 * an identifier takes it as its id (and keeps it as its name).
 */
function nameAsId(task: unknown): unknown {
  if (typeof task !== 'object' || task === null || Array.isArray(task)) return task;
  const { id, name } = task as { id?: unknown; name?: unknown };
  return id === undefined && typeof name === 'string' && IDENTIFIER.test(name) ? { ...task, id: name } : task;
}
