import type { ListToolsResult, Tool as McpToolDefinition } from '@modelcontextprotocol/sdk/types.js';

/** Pages a server may answer before we take it for a cursor loop. */
const MAX_PAGES = 100;

/** Every tool a server lists, following `nextCursor` across pages (MCP `tools/list` pagination). */
export async function listAllTools(
  listTools: (params: { cursor?: string }) => Promise<ListToolsResult>,
): Promise<McpToolDefinition[]> {
  const tools: McpToolDefinition[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await listTools(cursor === undefined ? {} : { cursor });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined) return tools;
    if (seen.has(cursor)) throw new Error(`tools/list repeated the cursor ${JSON.stringify(cursor)}`);
    seen.add(cursor);
  }
  throw new Error(`tools/list went on for more than ${MAX_PAGES} pages`);
}
