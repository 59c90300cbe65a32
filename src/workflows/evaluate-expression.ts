import { badExpression } from './bad-expression.js';
import { compileExpression } from './compile-expression.js';
import type { ExpressionContext } from './types.js';

/**
 * Evaluates a CEL expression against `{ ...inputs, <taskId>: { result, status, error } }`.
 * Integers come back as JS numbers; any failure is a `bad_expression` naming the expression.
 */
export function evaluateExpression(expression: string, context: ExpressionContext): unknown {
  return compileExpression(expression).evaluate(context);
}

/** A task's `condition`: must yield a boolean - `"false"` or `0` are mistakes, not falsy values. */
export function evaluateCondition(expression: string, context: ExpressionContext): boolean {
  const value = evaluateExpression(expression, context);
  if (typeof value !== 'boolean') {
    throw badExpression(expression, `a condition must be true or false, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}
