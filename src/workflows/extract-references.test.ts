import { describe, expect, it } from 'vitest';
import { extractReferences } from './extract-references.js';

describe('extractReferences', () => {
  it.each([
    ['list_recent_emails.result', ['list_recent_emails']],
    ['conflict_check.result.has_conflicts == false', ['conflict_check']],
    ['"from:" + client_email', ['client_email']],
    ['a.result.x > b.result.y && a.status == "completed"', ['a', 'b']],
    ['a.result.items.exists(i, i.id == b)', ['a', 'b']],
    ['a.result.filter(i, i > n).map(j, j * k)', ['a', 'n', 'k']],
    ['cel.bind(v, a.result, v + c)', ['a', 'c']],
    ['has(a.result.x) ? a.result.x : d', ['a', 'd']],
    ['type(a) == int', ['a']],
    ['{"k": a, b: 1}', ['a', 'b']],
    ['[1, 2, 3]', []],
    ['"a.result" + \'b\'', []],
  ])('%s reads %j', (expression, expected) => {
    expect(extractReferences(expression)).toEqual(expected);
  });

  it('still sees an outer variable that a macro variable shadows elsewhere', () => {
    expect(extractReferences('a.result.all(i, i > 0) && i')).toEqual(['a', 'i']);
  });

  it('throws bad_expression for a malformed expression', () => {
    expect(() => extractReferences('a..b')).toThrowError(expect.objectContaining({ code: 'bad_expression' }));
    expect(() => extractReferences('unknown_fn(a)')).toThrowError(expect.objectContaining({ code: 'bad_expression' }));
  });
});
