import { describe, expect, it } from 'vitest';
import type { ToolContext } from '../tool.js';
import { createMcpTool, IDEMPOTENCY_META_KEY, type McpCallOptions, type McpCaller } from './mcp-tool.js';

const ctx = (extra: Partial<ToolContext> = {}): ToolContext & { seen: unknown[] } => {
  const seen: unknown[] = [];
  return { signal: new AbortController().signal, progress: (d) => seen.push(d), user: 'u', executionId: 'run-1', taskId: 'call_1', idempotencyKey: 'run-1:call_1', seen, ...extra };
};

describe('createMcpTool', () => {
  it('calls the server under its own name with the signal, the idempotency key and traceparent in _meta, and maps progress', async () => {
    const calls: Array<{ name: string; args: unknown; options: McpCallOptions }> = [];
    const caller: McpCaller = {
      callTool: async (name, args, options) => {
        calls.push({ name, args, options });
        options.onprogress({ progress: 1, total: 2 });
        options.onprogress({ progress: 2, total: 2, message: 'done' });
        return { content: [{ type: 'text', text: 'read it' }] };
      },
    };
    const tool = createMcpTool({
      name: 'docs__files_read_text',
      remote: { name: 'files.read_text', description: 'Read a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
      entry: { name: 'docs', command: 'node', timeout: 7, retry_count: 1, concurrency: 2 },
      caller,
      needsApproval: false,
    });
    expect(tool).toMatchObject({ name: 'docs__files_read_text', description: 'Read a file', timeout: 7, retry_count: 1, concurrency: 2, needs_approval: undefined });
    expect(tool.parameters.safeParse({ path: 'a' }).success).toBe(true);
    expect(tool.parameters.safeParse({}).success).toBe(false);
    const context = ctx({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    await expect(tool.execute({ path: 'a' }, context)).resolves.toEqual({ text: 'read it' });
    expect(calls[0]).toMatchObject({ name: 'files.read_text', args: { path: 'a' } });
    expect(calls[0]!.options.signal).toBe(context.signal);
    expect(calls[0]!.options.meta).toEqual({ [IDEMPOTENCY_META_KEY]: 'run-1:call_1', traceparent: context.traceparent });
    expect(context.seen).toEqual([{ progress: 1, total: 2 }, { progress: 2, total: 2, message: 'done' }]);
  });

  it('an isError result throws tool_error with the text', async () => {
    const tool = createMcpTool({
      name: 'docs__fail', remote: { name: 'fail', inputSchema: { type: 'object' } }, entry: { name: 'docs', command: 'node' }, needsApproval: true,
      caller: { callTool: async () => ({ isError: true, content: [{ type: 'text', text: 'no such document' }] }) },
    });
    expect(tool.needs_approval).toBe(true);
    await expect(tool.execute({}, ctx())).rejects.toMatchObject({ code: 'tool_error', message: 'docs__fail failed: no such document' });
  });

  it('registers a tool whose schema zod cannot model with a looser validator, and says so', () => {
    const problems: string[] = [];
    const tool = createMcpTool({
      name: 'docs__odd', remote: { name: 'odd', inputSchema: { type: 'object', properties: { a: { type: 'strin' } } } as never },
      entry: { name: 'docs', command: 'node' }, needsApproval: false, caller: { callTool: async () => ({ content: [] }) },
      onSchemaProblem: (why) => problems.push(why),
    });
    expect(problems).toEqual([expect.stringMatching(/strin/)]);
    expect(tool.parameters.safeParse({ a: 1 }).success).toBe(true);
    expect(tool.jsonSchema).toEqual({ type: 'object', properties: { a: { type: 'strin' } } });
  });
});
