import { describe, expect, it } from 'vitest';
import { fromCelValue, toCelValue } from './cel-values.js';
import { evaluateExpression } from './evaluate-expression.js';

describe('toCelValue / fromCelValue', () => {
  it('turns safe JS integers into BigInt, deeply, and leaves doubles alone', () => {
    expect(toCelValue({ a: 1, b: [2, 2.5, { c: -3 }], d: 'x', e: null, f: true })).toEqual({ a: 1n, b: [2n, 2.5, { c: -3n }], d: 'x', e: null, f: true });
    expect(toCelValue(2 ** 60)).toBe(2 ** 60);
    expect(toCelValue(Number.NaN)).toBeNaN();
  });

  it('turns BigInt back into numbers, deeply', () => {
    expect(fromCelValue({ a: 1n, b: [2n, 2.5, { c: -3n }] })).toEqual({ a: 1, b: [2, 2.5, { c: -3 }] });
    expect(fromCelValue(new Map<unknown, unknown>([['k', 1n], [2n, 'v']]))).toEqual({ k: 1, '2': 'v' });
  });

  it('drops what JSON would drop and keeps class instances as plain data', () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    expect(toCelValue({ p: new Point(1, 2), u: undefined, fn: () => 1 })).toEqual({ p: { x: 1n, y: 2n } });
  });

  it('unwraps CEL-only values', () => {
    expect(evaluateExpression('[1u, 2u]', {})).toEqual([1, 2]);
    expect(evaluateExpression('optional.of(1)', {})).toBe(1);
    expect(evaluateExpression('optional.none()', {})).toBeNull();
    expect(evaluateExpression('duration("1h")', {})).toBe('3600s');
  });

  it('keeps dates and bytes', () => {
    const date = new Date(0);
    const bytes = new Uint8Array([1]);
    expect(toCelValue({ date, bytes })).toEqual({ date, bytes });
    expect(fromCelValue(date)).toBe(date);
  });
});
