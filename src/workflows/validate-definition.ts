import { basename, extname } from 'node:path';
import type { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import { didYouMean } from './closest-name.js';
import { formatPath } from './format-path.js';
import type { WorkflowDefinition } from './types.js';
import { workflowSchema } from './workflow-schema.js';

const KNOWN_FIELDS: Record<string, string[]> = {
  workflow: ['id', 'name', 'description', 'inputs', 'tasks'],
  task: ['id', 'name', 'function', 'parameters', 'dependencies', 'condition', 'timeout', 'retry_count', 'parallel_group', 'critical', 'approval', 'approval_timeout'],
  input: ['type', 'required', 'default', 'description', 'enum'],
};

/**
 * Checks a raw definition against `workflowSchema`. The id defaults to the source's file name
 * (`flows/intake.yaml` -> `intake`). The first problem becomes an `invalid_workflow` error with its path.
 */
export function validateDefinition(raw: unknown, options: { sourceName?: string } = {}): WorkflowDefinition {
  const { sourceName } = options;
  let input = raw;
  const idFromFile = sourceName === undefined ? undefined : basename(sourceName, extname(sourceName));
  // no id: the file's name, or else (the original design's format, which has only a name) the name made an id
  const idFromName = isRecord(raw) && typeof raw.name === 'string' ? slug(raw.name) : undefined;
  const defaultId = idFromFile ?? idFromName;
  if (defaultId && isRecord(raw) && raw.id === undefined) input = { ...raw, id: defaultId };
  const parsed = workflowSchema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  if (input === null || input === undefined) fail('Invalid workflow: the definition is empty', '', sourceName);
  // an unknown field usually explains the "required" issues beside it (`fucntion:`), so report it first
  const issues = parsed.error.issues;
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  const { path, message } = describeIssue(issue);
  const fromName = path === 'id' && input !== raw ? ` (taken from ${idFromFile ? `the file name "${sourceName}"` : 'its name'})` : '';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem(s))` : '';
  return fail(`Invalid workflow${path ? ` at ${path}` : ''}: ${message}${fromName}${more}`, path, sourceName);
}

function describeIssue(issue: z.core.$ZodIssue): { path: string; message: string } {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const known = KNOWN_FIELDS[kindAt(issue.path)] ?? [];
    return { path: formatPath([...issue.path, key]), message: `unknown field "${key}"${didYouMean(key, known)}` };
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? issue.message;
    return { path, message: `the name "${String(issue.path.at(-1))}" ${inner.replace(/^Invalid string: /, '')}` };
  }
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
    return { path, message: 'this field is required' };
  }
  if (typeof issue.input === 'string' && /^(must|is) /.test(issue.message)) {
    return { path, message: `"${issue.input}" ${issue.message}` };
  }
  return { path, message: issue.message };
}

/** Which object an issue path points into: the workflow itself, a task or an input. */
function kindAt(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return 'workflow';
  if (path[0] === 'tasks' && path.length === 2) return 'task';
  if (path[0] === 'inputs' && path.length === 2) return 'input';
  return '';
}

function fail(message: string, path: string, source: string | undefined): never {
  throw new SapflowError('invalid_workflow', message, { details: source === undefined ? { path } : { path, source } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Legal intake (v2)` -> `legal_intake_v2`: a name as the id it stands for. */
function slug(name: string): string | undefined {
  const id = name.trim().toLowerCase().replace(/[^a-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 128);
  return id === '' ? undefined : id;
}
