import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, type Tool } from './tool.js';
import { createToolRegistry } from './tool-registry.js';

const echo = (name: string, extra: Partial<Tool> = {}): Tool =>
  defineTool({
    name,
    description: `Echo ${name}`,
    parameters: z.object({ text: z.string().describe('what to echo'), times: z.number().int().default(1) }),
    execute: (args) => args,
    ...extra,
  });

describe('createToolRegistry', () => {
  it('registers, finds and lists tools in order', () => {
    const registry = createToolRegistry([echo('a')]);
    registry.register(echo('b-2_x'));
    expect(registry.has('a')).toBe(true);
    expect(registry.has('zzz')).toBe(false);
    expect(registry.get('b-2_x')?.name).toBe('b-2_x');
    expect(registry.get('zzz')).toBeUndefined();
    expect(registry.list().map((t) => t.name)).toEqual(['a', 'b-2_x']);
  });

  it('produces the model tools from the zod schema, without $schema', () => {
    const [tool] = createToolRegistry([echo('a')]).toModelTools();
    expect(tool).toEqual({
      name: 'a',
      description: 'Echo a',
      parameters: {
        type: 'object',
        properties: {
          text: { type: 'string', description: 'what to echo' },
          times: { type: 'integer', default: 1, minimum: expect.any(Number), maximum: expect.any(Number) },
        },
        // the model writes the input, so a defaulted field is not required of it
        required: ['text'],
      },
    });
  });

  it('sends an explicit jsonSchema verbatim (minus $schema) and caches it', () => {
    const jsonSchema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { email: { type: 'string', format: 'email' } },
    };
    const registry = createToolRegistry([echo('a', { jsonSchema })]);
    const first = registry.toModelTools();
    expect(first[0]!.parameters).toEqual({ type: 'object', properties: { email: { type: 'string', format: 'email' } } });
    expect(registry.toModelTools()[0]).toBe(first[0]);
  });

  it.each(['', 'has space', 'dot.name', 'x'.repeat(65), 'ünïcode'])('rejects the name %j', (name) => {
    expect(() => createToolRegistry([echo(name)])).toThrow(expect.objectContaining({ code: 'invalid_tools_config' }));
  });

  it('accepts a 64-character name', () => {
    expect(createToolRegistry([echo('x'.repeat(64))]).list()).toHaveLength(1);
  });

  it('throws on a duplicate name', () => {
    const registry = createToolRegistry([echo('a')]);
    expect(() => registry.register(echo('a'))).toThrow(/duplicate tool name: a/);
    expect(registry.list()).toHaveLength(1);
  });

  it('fails at registration when the schema cannot be shown to the model', () => {
    const tool = echo('dated', { parameters: z.object({ when: z.date() }) });
    expect(() => createToolRegistry([tool])).toThrow(/tool dated: parameters cannot be expressed as JSON Schema/);
  });

  it('replaces and unregisters tools, and the model is offered what is registered now', () => {
    const registry = createToolRegistry([echo('a'), echo('b')]);
    registry.replace(echo('a', { description: 'new a' }));
    registry.replace(echo('c'));
    expect(registry.unregister('b')).toBe(true);
    expect(registry.unregister('b')).toBe(false);
    expect(registry.list().map((t) => t.name)).toEqual(['a', 'c']);
    expect(registry.toModelTools().map((t) => [t.name, t.description])).toEqual([['a', 'new a'], ['c', 'Echo c']]);
    expect(registry.has('b')).toBe(false);
    expect(() => registry.replace(echo('dot.name'))).toThrow(expect.objectContaining({ code: 'invalid_tools_config' }));
  });

  it('answers get and has for missing names from resolveMissing, without listing them', () => {
    const placeholder = echo('docs__later');
    const registry = createToolRegistry([echo('a')], { resolveMissing: (name) => (name.startsWith('docs__') ? placeholder : undefined) });
    expect(registry.get('docs__later')).toBe(placeholder);
    expect(registry.has('docs__later')).toBe(true);
    expect(registry.has('crm__x')).toBe(false);
    expect(registry.list().map((t) => t.name)).toEqual(['a']);
    expect(registry.toModelTools().map((t) => t.name)).toEqual(['a']);
  });
});
