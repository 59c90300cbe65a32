import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMcpHttpTestServer, type McpHttpTestServer } from './support/mcp-test-server-http.js';
import { loadConfig } from '../src/config.js';
import { loadToolsAndCatalog } from '../src/runtime/load-tools-and-catalog.js';

let dir: string;
let server: McpHttpTestServer;
let toolsConfig: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sapflow-load-tools-'));
  server = await startMcpHttpTestServer();
  toolsConfig = join(dir, 'tools.json');
  await writeFile(toolsConfig, JSON.stringify({ mcp_servers: [{ name: 'crm', url: server.url, tools: { fail: { needs_approval: true } } }] }));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('loadToolsAndCatalog with MCP servers', () => {
  it('registers the servers tools before the templates load, with approvals from the entry and APPROVAL_REQUIRED_TOOLS', async () => {
    const config = loadConfig({ TOOLS_CONFIG: toolsConfig, APPROVAL_REQUIRED_TOOLS: 'crm__echo' });
    const { tools, mcp } = await loadToolsAndCatalog(config, []);
    try {
      expect(tools.get('crm__echo')?.needs_approval).toBe(true);
      expect(tools.get('crm__fail')?.needs_approval).toBe(true);
      expect(tools.get('crm__slow')?.needs_approval).toBeFalsy();
    } finally {
      await mcp.close();
    }
  });

  it('still refuses an APPROVAL_REQUIRED_TOOLS name that is no tool and belongs to no configured server', async () => {
    const config = loadConfig({ TOOLS_CONFIG: toolsConfig, APPROVAL_REQUIRED_TOOLS: 'docs__echo' });
    await expect(loadToolsAndCatalog(config, [])).rejects.toMatchObject({ code: 'invalid_config', message: 'APPROVAL_REQUIRED_TOOLS: no tool named "docs__echo"' });
  });
});
