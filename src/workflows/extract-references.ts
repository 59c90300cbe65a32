import { compileExpression } from './compile-expression.js';

/**
 * The root identifiers an expression reads - inputs and task ids - from its parsed AST, so
 * `"a.b" + x` yields `['x']` and `items.exists(i, i > n)` yields `['items', 'n']`.
 * A malformed expression throws `bad_expression`.
 */
export function extractReferences(expression: string): string[] {
  return [...compileExpression(expression).references];
}
