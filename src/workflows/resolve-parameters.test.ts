import { describe, expect, it } from 'vitest';
import { parseTemplate } from './parse-template.js';
import { resolveParameters } from './resolve-parameters.js';

const context = {
  max_results: 20,
  client_email: 'a@b.com',
  urgent: false,
  list_recent_emails: { result: [{ subject: 'Hi', size: 1.5 }], status: 'completed' },
  extract: { result: { name: 'Acme', tags: ['x'], missing: null }, status: 'completed' },
};

describe('resolveParameters', () => {
  it('keeps the type of a value that is exactly ${expr}', () => {
    expect(
      resolveParameters(
        {
          max_results: '${max_results}',
          urgent: '${urgent}',
          emails: '${list_recent_emails.result}',
          name: '${extract.result.name}',
          nothing: '${extract.result.missing}',
          computed: '${max_results * 2}',
          ratio: '${max_results / 8.0}',
        },
        context,
      ),
    ).toEqual({
      max_results: 20,
      urgent: false,
      emails: [{ subject: 'Hi', size: 1.5 }],
      name: 'Acme',
      nothing: null,
      computed: 40,
      ratio: 2.5,
    });
    expect(typeof resolveParameters({ n: '${max_results}' }, context).n).toBe('number');
  });

  it('stringifies ${...} inside longer text, objects as JSON', () => {
    expect(
      resolveParameters(
        {
          query: 'from:${client_email}',
          summary: '${max_results} emails, urgent=${urgent}, tags=${extract.result.tags}',
          dump: 'result: ${extract.result}',
          padded: ' ${max_results}',
        },
        context,
      ),
    ).toEqual({
      query: 'from:a@b.com',
      summary: '20 emails, urgent=false, tags=["x"]',
      dump: 'result: {"name":"Acme","tags":["x"],"missing":null}',
      padded: ' 20',
    });
  });

  it('resolves deeply through objects and arrays, leaving other values alone', () => {
    expect(
      resolveParameters({ filter: { to: ['${client_email}', 'x@y.z'], limit: '${max_results}' }, flag: true, n: 3, none: null }, context),
    ).toEqual({ filter: { to: ['a@b.com', 'x@y.z'], limit: 20 }, flag: true, n: 3, none: null });
  });

  it('understands braces and quotes inside expressions', () => {
    expect(resolveParameters({ m: '${ {"k": "}"} }', s: 'x${"}{"}y', r: "${r'\\d{2}'}" }, context)).toEqual({ m: { k: '}' }, s: 'x}{y', r: '\\d{2}' });
  });

  it('writes a literal ${ for $${', () => {
    expect(resolveParameters({ text: 'cost: $${price} for ${client_email}' }, context)).toEqual({ text: 'cost: ${price} for a@b.com' });
  });

  it('fails with bad_expression naming the expression', () => {
    expect(() => resolveParameters({ q: '${extract.result.nope}' }, context)).toThrowError(
      expect.objectContaining({ code: 'bad_expression', message: 'Bad expression "extract.result.nope": No such key: nope' }),
    );
    expect(() => resolveParameters({ q: 'a ${client_email' }, context)).toThrowError(
      expect.objectContaining({ code: 'bad_expression', message: expect.stringContaining('unterminated "${"') }),
    );
    expect(() => resolveParameters({ q: '${}' }, context)).toThrowError(expect.objectContaining({ code: 'bad_expression' }));
  });

  it('parses each template once', () => {
    expect(parseTemplate('from:${client_email}')).toBe(parseTemplate('from:${client_email}'));
  });

  it('keeps a "__proto__" parameter as data', () => {
    const out = resolveParameters(JSON.parse('{"__proto__": {"polluted": "${client_email}"}}'), context);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: 'a@b.com' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
