import { describe, expect, it } from 'vitest';
import { SapflowError } from '../errors/index.js';
import { evaluateCondition, evaluateExpression } from './evaluate-expression.js';

const context = {
  max_results: 20,
  client_email: 'a@b.com',
  x: { result: { count: 3, items: [1, 2], score: 0.7, empty: [] }, status: 'completed' },
  a: { result: { items: [{ id: 1 }, { id: 2 }], score: 1 }, status: 'completed' },
  conflict_check: { result: { has_conflicts: false }, status: 'completed' },
};

function failure(run: () => unknown): SapflowError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SapflowError);
    return error as SapflowError;
  }
  throw new Error('expected a failure');
}

describe('evaluateCondition with JS numbers', () => {
  it.each([
    ['x.result.count > 0', true],
    ['conflict_check.result.has_conflicts == false', true],
    ['size(a.result.items) > 0', true],
    ['size(x.result.empty) > 0', false],
    ['x.result.score >= 0.5', true],
    ['a.result.score >= 0.5', true], // an integer-valued score against a double literal
    ['a.result.score == 1.0', true],
    ['x.result.count == 3.0', true],
    ['x.result.count + 1 == 4', true], // integers arrive as CEL ints, so int arithmetic works
    ['x.result.score * 2.0 > 1.0', true],
    ['max_results / 3 == 6', true], // int / int is integer division, as in CEL
    ['max_results / 8.0 == 2.5', true], // mixed int and double arithmetic yields a double
    ['x.result.score + 1 > 1.5', true],
    ['x.result.items.exists(i, i > 1)', true],
    ['a.result.items.map(i, i.id).all(id, id < 3)', true],
    ['x.status == "completed" && client_email.contains("@") == false', false],
    ['client_email.endsWith("@b.com")', true],
  ])('%s is %s', (expression, expected) => {
    expect(evaluateCondition(expression, context)).toBe(expected);
  });

  it('rejects a condition that does not yield a boolean', () => {
    const error = failure(() => evaluateCondition('x.result.count', context));
    expect(error.code).toBe('bad_expression');
    expect(error.message).toBe('Bad expression "x.result.count": a condition must be true or false, got number 3');
  });
});

describe('evaluateExpression', () => {
  it('returns JS numbers, never BigInt, deeply', () => {
    expect(evaluateExpression('max_results', context)).toBe(20);
    expect(evaluateExpression('size(a.result.items) * 10', context)).toBe(20);
    expect(evaluateExpression('x.result', context)).toEqual({ count: 3, items: [1, 2], score: 0.7, empty: [] });
    expect(evaluateExpression('[1, 2.5, {"k": 3}]', {})).toEqual([1, 2.5, { k: 3 }]);
  });

  it('keeps doubles and strings as they are', () => {
    expect(evaluateExpression('x.result.score', context)).toBe(0.7);
    expect(evaluateExpression('"from:" + client_email', context)).toBe('from:a@b.com');
  });

  it('names the expression when evaluation fails', () => {
    const error = failure(() => evaluateExpression('x.result.missing', context));
    expect(error.code).toBe('bad_expression');
    expect(error.message).toBe('Bad expression "x.result.missing": No such key: missing');
    expect(failure(() => evaluateExpression('nobody.result', context)).message).toBe(
      'Bad expression "nobody.result": Unknown variable: nobody',
    );
  });

  it('rejects malformed expressions with a one-line message', () => {
    const error = failure(() => evaluateExpression('a +', context));
    expect(error.code).toBe('bad_expression');
    expect(error.message).toBe('Bad expression "a +": Unexpected token: EOF');
    expect(failure(() => evaluateExpression('   ', context)).message).toContain('the expression is empty');
  });

  it('offers optional chaining for results that may lack a key', () => {
    expect(evaluateExpression('x.result.?missing.orValue(5)', context)).toBe(5);
  });

  it('gives no access to prototypes or functions', () => {
    for (const expression of ['x.constructor', 'x.__proto__', 'x["__proto__"]', 'x.toString', 'client_email.constructor']) {
      expect(failure(() => evaluateExpression(expression, context)).code).toBe('bad_expression');
    }
  });

  it('ignores context keys the expression does not read, whatever they hold', () => {
    expect(evaluateExpression('x.status', { ...context, other: { fn: () => 1, sym: Symbol('s') } })).toBe('completed');
  });

  it('turns absurdly deep data into bad_expression rather than a RangeError', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    expect(failure(() => evaluateExpression('x.result', { x: { result: deep } })).code).toBe('bad_expression');
  });

  it('drops undefined fields, so has() sees them as absent', () => {
    expect(evaluateCondition('has(t.error)', { t: { result: 1, status: 'completed', error: undefined } })).toBe(false);
  });
});
