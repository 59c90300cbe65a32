import type { ParseResult } from '@marcbachmann/cel-js';
import { boundedCache } from './bounded-cache.js';
import { badExpression, celReason } from './bad-expression.js';
import { celEnvironment } from './cel-environment.js';
import { fromCelValue, toCelValue } from './cel-values.js';
import { collectReferences } from './collect-references.js';
import type { ExpressionContext } from './types.js';

export interface CompiledExpression {
  source: string;
  /** Root identifiers read from the context: inputs and task ids. */
  references: readonly string[];
  /** The statically inferred CEL type (`bool`, `int`, `dyn`...). */
  type: string;
  /** Evaluates against the context; JS values in, JS values out. Throws `bad_expression`. */
  evaluate(context: ExpressionContext): unknown;
}

const cache = boundedCache<CompiledExpression>();

/** Parses and type-checks a CEL expression (cached); a malformed one throws `bad_expression`. */
export function compileExpression(source: string): CompiledExpression {
  const hit = cache.get(source);
  if (hit) return hit;
  if (typeof source !== 'string' || source.trim() === '') throw badExpression(String(source), 'the expression is empty');
  let program: ParseResult;
  let references: string[];
  let type: string;
  try {
    program = celEnvironment.parse(source);
    references = collectReferences(program.ast);
    const checked = program.check();
    if (!checked.valid) throw checked.error;
    type = String(checked.type ?? 'dyn');
  } catch (error) {
    // the library's error carries its whole AST: keep only its summary
    throw badExpression(source, celReason(error));
  }
  const compiled: CompiledExpression = {
    source,
    references,
    type,
    evaluate: (context) => run(program, source, references, context),
  };
  cache.set(source, compiled);
  return compiled;
}

function run(program: ParseResult, source: string, references: readonly string[], context: ExpressionContext): unknown {
  try {
    // convert only what this expression reads: the context grows with every finished task
    const variables: Record<string, unknown> = {};
    for (const name of references) {
      const value = Object.hasOwn(context, name) ? context[name] : undefined;
      if (value !== undefined) variables[name] = toCelValue(value);
    }
    return fromCelValue(program(variables));
  } catch (error) {
    // also catches a RangeError from converting absurdly deep data: nothing but bad_expression leaves here
    throw badExpression(source, celReason(error));
  }
}
