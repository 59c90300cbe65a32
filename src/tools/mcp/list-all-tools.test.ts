import { describe, expect, it } from 'vitest';
import { listAllTools } from './list-all-tools.js';

const tool = (name: string) => ({ name, inputSchema: { type: 'object' as const } });

describe('listAllTools', () => {
  it('follows nextCursor across pages', async () => {
    const pages: Record<string, { tools: ReturnType<typeof tool>[]; nextCursor?: string }> = {
      '': { tools: [tool('a'), tool('b')], nextCursor: 'p2' },
      p2: { tools: [tool('c')], nextCursor: 'p3' },
      p3: { tools: [tool('d')] },
    };
    const asked: Array<string | undefined> = [];
    const tools = await listAllTools(async ({ cursor }) => (asked.push(cursor), pages[cursor ?? '']!));
    expect(tools.map((t) => t.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(asked).toEqual([undefined, 'p2', 'p3']);
  });

  it('stops a server that repeats a cursor', async () => {
    await expect(listAllTools(async () => ({ tools: [tool('a')], nextCursor: 'again' }))).rejects.toThrow(/repeated the cursor "again"/);
  });
});
