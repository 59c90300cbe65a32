import { parseTemplate } from './parse-template.js';
import type { ExpressionContext } from './types.js';

/**
 * Resolves a task's parameters against the context, deeply over objects and arrays. A string that
 * is exactly `${expr}` becomes the expression's value with its type (a number stays a number, a
 * list stays a list); `${...}` inside longer text is stringified, objects as JSON.
 * Throws `bad_expression` naming the expression that failed.
 */
export function resolveParameters(parameters: Record<string, unknown>, context: ExpressionContext): Record<string, unknown> {
  return resolveValue(parameters, context) as Record<string, unknown>;
}

function resolveValue(value: unknown, context: ExpressionContext): unknown {
  if (typeof value === 'string') return resolveString(value, context);
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, context));
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // a plain assignment to `__proto__` would replace the prototype instead of adding a key
      if (key === '__proto__') {
        Object.defineProperty(out, key, { value: resolveValue(item, context), enumerable: true, writable: true, configurable: true });
      } else out[key] = resolveValue(item, context);
    }
    return out;
  }
  return value;
}

function resolveString(text: string, context: ExpressionContext): unknown {
  const template = parseTemplate(text);
  if (template.whole) return template.whole.evaluate(context);
  if (template.parts.length <= 1 && typeof template.parts[0] !== 'object') return template.parts[0] ?? '';
  let out = '';
  for (const part of template.parts) out += typeof part === 'string' ? part : stringify(part.evaluate(context));
  return out;
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' || value === undefined) return JSON.stringify(value) ?? '';
  return String(value);
}
