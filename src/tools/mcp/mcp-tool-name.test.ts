import { describe, expect, it } from 'vitest';
import { mcpServerOf, mcpToolName } from './mcp-tool-name.js';

describe('mcpToolName', () => {
  it('names a server tool <server>__<tool>', () => {
    expect(mcpToolName('docs', 'search')).toEqual({ ok: true, name: 'docs__search' });
    expect(mcpToolName('my-crm', 'find_client-2')).toEqual({ ok: true, name: 'my-crm__find_client-2' });
  });

  it('turns characters OpenAI does not allow into _, keeping the rest', () => {
    expect(mcpToolName('docs', 'files/read.text')).toEqual({ ok: true, name: 'docs__files_read_text' });
    expect(mcpToolName('docs', 'résumé')).toEqual({ ok: true, name: 'docs__r_sum_' });
  });

  it('refuses a name that would not fit 64 characters, and an empty one', () => {
    const long = mcpToolName('docs', 'x'.repeat(59));
    expect(long).toEqual({ ok: false, reason: `docs__${'x'.repeat(59)} is longer than the 64 characters a tool name may have` });
    expect(mcpToolName('docs', 'x'.repeat(58))).toEqual({ ok: true, name: `docs__${'x'.repeat(58)}` });
    expect(mcpToolName('docs', '')).toMatchObject({ ok: false });
  });
});

describe('mcpServerOf', () => {
  it('reads the server back from a registry name', () => {
    expect(mcpServerOf('docs__search')).toBe('docs');
    expect(mcpServerOf('docs__files__x')).toBe('docs');
    expect(mcpServerOf('list_emails')).toBeUndefined();
    expect(mcpServerOf('__x')).toBeUndefined();
  });
});
