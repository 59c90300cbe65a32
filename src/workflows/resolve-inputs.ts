import { SapflowError } from '../errors/index.js';
import { checkInputValue, describeValue } from './check-input-value.js';
import { didYouMean } from './closest-name.js';
import type { InputDefinition, WorkflowDefinition } from './types.js';

export interface ResolveInputsOptions {
  /** Values arrive as text (CLI `--input k=v`): turn them into the declared type first. */
  coerceStrings?: boolean;
}

/**
 * The inputs a run sees: provided values checked against their declarations, defaults filled in,
 * and optional inputs with no value set to `null` (so `x == null` works in a condition rather than
 * failing on an unknown variable). `null` counts as "not given", as JSON clients tend to send it.
 * Throws `missing_input` or `invalid_input` with the path `inputs.<name>`.
 */
export function resolveInputs(
  definition: Pick<WorkflowDefinition, 'inputs'>,
  raw: Record<string, unknown>,
  options: ResolveInputsOptions = {},
): Record<string, unknown> {
  const declared = definition.inputs;
  for (const name of Object.keys(raw)) {
    if (!Object.hasOwn(declared, name)) {
      const known = Object.keys(declared);
      const expected = known.length === 0 ? 'this workflow takes no inputs' : `expected one of ${known.join(', ')}${didYouMean(name, known)}`;
      throw inputError('invalid_input', name, `Unknown input "${name}": ${expected}`);
    }
  }
  const resolved: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(declared)) {
    let value = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (value === undefined || value === null) {
      if (input.default !== undefined) value = structuredClone(input.default);
      else if (input.required) throw inputError('missing_input', name, `Missing required input "${name}"${input.description ? ` (${input.description})` : ''}`);
      else value = null;
    } else {
      if (options.coerceStrings && typeof value === 'string') value = coerce(name, input, value);
      const problem = checkInputValue(input, value);
      if (problem) throw inputError('invalid_input', name, `Input "${name}" ${problem}`);
    }
    resolved[name] = value;
  }
  return resolved;
}

function coerce(name: string, input: InputDefinition, text: string): unknown {
  const fail = (what: string): never => {
    throw inputError('invalid_input', name, `Input "${name}" expects ${what}, got ${describeValue(text)}`);
  };
  const trimmed = text.trim();
  switch (input.type) {
    case 'string':
    case 'any':
      return text;
    case 'number':
    case 'integer': {
      const n = trimmed === '' ? NaN : Number(trimmed);
      if (!Number.isFinite(n)) return fail(input.type === 'number' ? 'a number' : 'an integer');
      if (input.type === 'integer' && !Number.isSafeInteger(n)) return fail('an integer');
      return n;
    }
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      return fail('a boolean (true or false)');
    }
    case 'object':
    case 'array':
      try {
        return JSON.parse(text);
      } catch {
        return fail(input.type === 'object' ? 'an object as JSON, like {"a": 1}' : 'an array as JSON, like [1, 2]');
      }
  }
}

function inputError(code: 'missing_input' | 'invalid_input', name: string, message: string): SapflowError {
  return new SapflowError(code, message, { details: { path: `inputs.${name}`, input: name } });
}
