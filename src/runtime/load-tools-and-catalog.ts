import type { Config } from '../config.js';
import { SapflowError } from '../errors/index.js';
import type { Tool } from '../tools/tool.js';
import { createToolRegistry, readToolsConfig, type McpServerEntry, type ToolRegistry } from '../tools/index.js';
import { createMcpServerSet, silentMcpLog, type McpLog, type McpServerSet, type McpServerSetOptions } from '../tools/mcp/index.js';
import { BUILT_IN_WORKFLOWS_DIR, loadWorkflowCatalog, type CatalogProblem, type WorkflowCatalog } from './workflow-catalog.js';

export interface ToolsAndCatalog {
  tools: ToolRegistry;
  catalog: WorkflowCatalog;
  problems: CatalogProblem[];
  /** The TOOLS_CONFIG `mcp_servers` (none: an empty set); the caller closes it, which stops their child processes. */
  mcp: McpServerSet;
}

export interface LoadToolsOptions {
  /** Where MCP connection news goes (a server lost, back, not reachable). */
  log?: McpLog;
  /** Per-connection overrides of the MCP servers (tests). */
  mcpConnection?: McpServerSetOptions['connection'];
}

/**
 * The registry before the templates join it - `builtIn`, then TOOLS_CONFIG tools, then `extra`, then the tools the
 * MCP servers list - and the templates checked against it. Every MCP server's first connection attempt is awaited
 * before the templates load, so `function: docs__search` finds its tool; a server not reachable then is retried in
 * the background, and a template naming its tools loads anyway (a call fails with `tool_unavailable` until it is up).
 * Shared by `createRuntime` and the CLI's database-free `loadDefinitions`, so the two cannot drift apart; each caller
 * then registers one tool per template with its own `WorkflowRuns`.
 */
export async function loadToolsAndCatalog(config: Config, builtIn: Tool[], extra: Tool[] = [], options: LoadToolsOptions = {}): Promise<ToolsAndCatalog> {
  const fromFile = config.TOOLS_CONFIG ? await readToolsConfig(config.TOOLS_CONFIG) : { tools: [], mcpServers: [] };
  const { tools: approved, mcpNames } = requireApprovals([...builtIn, ...fromFile.tools, ...extra], fromFile.mcpServers, config.APPROVAL_REQUIRED_TOOLS);
  // the registry asks the set only once both exist: for calls and template checks, never while they are built
  const tools = createToolRegistry(approved, { resolveMissing: (name) => mcp.placeholder(name) });
  const mcp = createMcpServerSet({
    entries: fromFile.mcpServers, registry: tools, log: options.log ?? silentMcpLog, approvalRequired: mcpNames, connection: options.mcpConnection,
  });
  await mcp.start();
  const dirs = [BUILT_IN_WORKFLOWS_DIR, ...(config.WORKFLOWS_DIR ? [config.WORKFLOWS_DIR] : [])];
  const { catalog, problems } = await loadWorkflowCatalog(dirs, (name) => tools.has(name));
  return { tools, catalog, problems, mcp };
}

/**
 * APPROVAL_REQUIRED_TOOLS marks tools as needing approval; a name that is no tool stops start-up (a typo would let it
 * run unseen). A name `<server>__<tool>` of a configured MCP server is taken on trust and applied when the server
 * lists that tool, since the server may not be reachable yet.
 */
function requireApprovals(tools: Tool[], servers: McpServerEntry[], names: string[]): { tools: Tool[]; mcpNames: Set<string> } {
  const known = new Set(tools.map((tool) => tool.name));
  const ofServer = (name: string) => isMcpToolName(name, servers.map((server) => server.name));
  const unknown = names.filter((name) => !known.has(name) && !ofServer(name));
  if (unknown.length > 0) {
    throw new SapflowError('invalid_config', `APPROVAL_REQUIRED_TOOLS: no tool named ${unknown.map((n) => JSON.stringify(n)).join(', ')}`);
  }
  const wanted = new Set(names);
  return {
    tools: tools.map((tool) => (wanted.has(tool.name) && !tool.needs_approval ? { ...tool, needs_approval: true } : tool)),
    mcpNames: new Set(names.filter(ofServer)),
  };
}

/** `<server>__<tool>` of one of `servers`: a configured MCP server's tool, which may not be listed yet. */
export function isMcpToolName(name: string, servers: readonly string[]): boolean {
  return servers.some((server) => name.startsWith(`${server}__`) && name.length > server.length + 2);
}
