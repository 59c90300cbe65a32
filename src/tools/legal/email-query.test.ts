import { describe, expect, it } from 'vitest';
import { parseEmailQuery, parseInstant, resolveSince } from './email-query.js';

describe('parseEmailQuery', () => {
  it('splits fields, quoted phrases and words', () => {
    expect(parseEmailQuery('from:john@example.com subject:"new client" matter:SP-001 after:2025-03-01 deposit "security deposit"')).toEqual({
      from: ['john@example.com'],
      to: [],
      subject: ['new client'],
      matter: ['SP-001'],
      after: '2025-03-01',
      text: ['deposit', 'security deposit'],
    });
  });

  it('keeps unknown fields as words', () => {
    expect(parseEmailQuery('label:urgent').text).toEqual(['label:urgent']);
    expect(parseEmailQuery(undefined).text).toEqual([]);
  });
});

describe('resolveSince', () => {
  const now = new Date('2025-03-12T15:00:00Z');
  it('reads spans and ISO dates', () => {
    expect(resolveSince('7d', now)!.toISOString()).toBe('2025-03-05T15:00:00.000Z');
    expect(resolveSince('24h', now)!.toISOString()).toBe('2025-03-11T15:00:00.000Z');
    expect(resolveSince('2025-03-01', now)!.toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(resolveSince(undefined, now)).toBeUndefined();
  });
  it('rejects what it cannot read', () => {
    expect(() => resolveSince('last tuesday', now)).toThrow(/cannot read/);
    expect(parseInstant('2025-13-45')).toBeUndefined();
  });
});
