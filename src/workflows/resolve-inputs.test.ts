import { describe, expect, it } from 'vitest';
import { resolveInputs } from './resolve-inputs.js';
import type { InputDefinition } from './types.js';

const definition = {
  inputs: {
    client_email: { type: 'string', required: true, description: "the client's address" },
    max_results: { type: 'number', default: 20 },
    pages: { type: 'integer' },
    urgent: { type: 'boolean', default: false },
    filters: { type: 'object', default: { folder: 'inbox' } },
    tags: { type: 'array' },
    tier: { type: 'string', enum: ['gold', 'silver'] },
  } satisfies Record<string, InputDefinition>,
};

function expectError(run: () => unknown, code: string, path: string, message: string) {
  expect(run).toThrowError(expect.objectContaining({ code, message, details: expect.objectContaining({ path }) }));
}

describe('resolveInputs', () => {
  it('applies defaults and sets absent optional inputs to null', () => {
    expect(resolveInputs(definition, { client_email: 'a@b.com' })).toEqual({
      client_email: 'a@b.com',
      max_results: 20,
      pages: null,
      urgent: false,
      filters: { folder: 'inbox' },
      tags: null,
      tier: null,
    });
  });

  it('gives each run its own copy of an object default', () => {
    const first = resolveInputs(definition, { client_email: 'a' });
    (first.filters as Record<string, unknown>).folder = 'changed';
    expect(resolveInputs(definition, { client_email: 'a' }).filters).toEqual({ folder: 'inbox' });
  });

  it('keeps provided values and treats null as not given', () => {
    const out = resolveInputs(definition, { client_email: 'a', max_results: 2.5, pages: 3, urgent: true, tags: ['x'], tier: 'gold', filters: null });
    expect(out).toMatchObject({ max_results: 2.5, pages: 3, urgent: true, tags: ['x'], tier: 'gold', filters: { folder: 'inbox' } });
  });

  it('rejects a missing required input', () => {
    expectError(() => resolveInputs(definition, {}), 'missing_input', 'inputs.client_email', `Missing required input "client_email" (the client's address)`);
  });

  it.each([
    [{ max_results: '20' }, 'inputs.max_results', 'Input "max_results" expects a number, got "20"'],
    [{ pages: 1.5 }, 'inputs.pages', 'Input "pages" expects an integer, got 1.5'],
    [{ urgent: 'yes' }, 'inputs.urgent', 'Input "urgent" expects a boolean, got "yes"'],
    [{ filters: [1] }, 'inputs.filters', 'Input "filters" expects an object, got [1]'],
    [{ tags: {} }, 'inputs.tags', 'Input "tags" expects an array, got {}'],
    [{ tier: 'bronze' }, 'inputs.tier', 'Input "tier" must be one of "gold", "silver", got "bronze"'],
    [{ max_result: 3 }, 'inputs.max_result', 'Unknown input "max_result": expected one of client_email, max_results, pages, urgent, filters, tags, tier (did you mean "max_results"?)'],
  ])('rejects %j', (raw, path, message) => {
    expectError(() => resolveInputs(definition, { client_email: 'a', ...raw }), 'invalid_input', path, message);
  });

  it('rejects any input for a workflow that takes none', () => {
    expectError(() => resolveInputs({ inputs: {} }, { x: 1 }), 'invalid_input', 'inputs.x', 'Unknown input "x": this workflow takes no inputs');
  });

  describe('with coerceStrings (CLI --input k=v)', () => {
    const coerce = (raw: Record<string, unknown>) => resolveInputs(definition, { client_email: 'a@b.com', ...raw }, { coerceStrings: true });

    it('coerces text to the declared type', () => {
      expect(coerce({ max_results: '20', pages: ' 3 ', urgent: 'TRUE', filters: '{"folder": "sent"}', tags: '["a", 1]', tier: 'silver' })).toEqual({
        client_email: 'a@b.com',
        max_results: 20,
        pages: 3,
        urgent: true,
        filters: { folder: 'sent' },
        tags: ['a', 1],
        tier: 'silver',
      });
      expect(coerce({ max_results: '-2.5e1', urgent: 'false' })).toMatchObject({ max_results: -25, urgent: false });
      expect(coerce({ client_email: '42' }).client_email).toBe('42');
    });

    it.each([
      [{ max_results: 'twenty' }, 'inputs.max_results', 'Input "max_results" expects a number, got "twenty"'],
      [{ max_results: '' }, 'inputs.max_results', 'Input "max_results" expects a number, got ""'],
      [{ pages: '2.5' }, 'inputs.pages', 'Input "pages" expects an integer, got "2.5"'],
      [{ urgent: 'yes' }, 'inputs.urgent', 'Input "urgent" expects a boolean (true or false), got "yes"'],
      [{ filters: '{folder: sent}' }, 'inputs.filters', 'Input "filters" expects an object as JSON, like {"a": 1}, got "{folder: sent}"'],
      [{ filters: '[1]' }, 'inputs.filters', 'Input "filters" expects an object, got [1]'],
      [{ tags: 'a,b' }, 'inputs.tags', 'Input "tags" expects an array as JSON, like [1, 2], got "a,b"'],
      [{ tier: 'bronze' }, 'inputs.tier', 'Input "tier" must be one of "gold", "silver", got "bronze"'],
    ])('explains %j', (raw, path, message) => {
      expectError(() => coerce(raw), 'invalid_input', path, message);
    });
  });
});
