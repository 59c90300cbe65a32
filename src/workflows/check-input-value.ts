import type { InputDefinition } from './types.js';

const ARTICLE: Record<InputDefinition['type'], string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  any: 'a value',
};

/** What is wrong with `value` for an input declared as `input` (type, then `enum`), or undefined if nothing. */
export function checkInputValue(input: InputDefinition, value: unknown): string | undefined {
  if (!hasType(input.type, value)) return `expects ${ARTICLE[input.type]}, got ${describeValue(value)}`;
  if (input.enum && !input.enum.some((allowed) => sameValue(allowed, value))) {
    return `must be one of ${input.enum.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(value)}`;
  }
  return undefined;
}

function hasType(type: InputDefinition['type'], value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'any':
      return value !== undefined && value !== null;
  }
}

export function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** Structural equality for JSON values, so `enum: [[1, 2]]` accepts `[1, 2]`. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
