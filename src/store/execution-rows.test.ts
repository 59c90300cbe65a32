import { describe, expect, it } from 'vitest';
import { toJsonb } from './execution-rows.js';

describe('toJsonb', () => {
  it('replaces NUL, which jsonb rejects, in values and keys alike', () => {
    expect(JSON.parse(toJsonb({ ['k\u0000']: ['a\u0000b', '\u0000\u0000'] })!)).toEqual({ 'k\uFFFD': ['a\uFFFDb', '\uFFFD\uFFFD'] });
  });

  it('leaves text that only looks like an escaped NUL as it was', () => {
    for (const text of ['a\\u0000b', 'x\\\\u0000y', 'tail\\']) expect(JSON.parse(toJsonb(text)!)).toBe(text);
    // a literal backslash right before a real NUL
    expect(JSON.parse(toJsonb('a\\\u0000')!)).toBe('a\\\uFFFD');
  });

  it('is plain JSON otherwise, and nothing for undefined', () => {
    expect(toJsonb({ a: 1, b: 'é' })).toBe('{"a":1,"b":"é"}');
    expect(toJsonb(undefined)).toBeNull();
  });
});
