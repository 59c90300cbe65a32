import type { Tool as McpToolDefinition } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Tool } from '../tool.js';
import type { ToolRegistry } from '../tool-registry.js';
import type { McpServerEntry } from '../tools-config-schema.js';
import { McpConnection, type McpConnectionOptions, type McpServerStatus } from './mcp-connection.js';
import type { McpLog } from './mcp-log.js';
import { createMcpTool } from './mcp-tool.js';
import { mcpServerOf, mcpToolName } from './mcp-tool-name.js';

/** One server as `GET /api/health` shows it. */
export interface McpServerHealth {
  name: string;
  transport: 'stdio' | 'http';
  status: McpServerStatus;
  /** Tools of this server in the registry now. */
  tools: number;
  /** Times it was connected again after it had been up (a restarted child process). */
  restarts: number;
  /** Why it is not up, or why it was last lost. */
  error?: string;
  /** Tools the server lists that could not be registered, and why. */
  skipped?: Array<{ tool: string; reason: string }>;
}

export interface McpServerSet {
  /** Connects every server at once and waits for each first attempt (listed, or failed and retrying in the background). */
  start(): Promise<void>;
  /**
   * A stand-in for `<server>__<tool>` while that server has never listed its tools (unreachable at start): a
   * template naming it loads, and a call fails fast with `tool_unavailable` instead of `unknown_tool`.
   */
  placeholder(name: string): Tool | undefined;
  health(): McpServerHealth[];
  /** Closes every client: stdio children are stopped, nothing is retried any more. */
  close(): Promise<void>;
}

export interface McpServerSetOptions {
  entries: McpServerEntry[];
  registry: Pick<ToolRegistry, 'replace' | 'unregister' | 'list'>;
  log: McpLog;
  /** Tool names (`<server>__<tool>`) that need approval whatever their entry says (APPROVAL_REQUIRED_TOOLS). */
  approvalRequired?: ReadonlySet<string>;
  /** Per-connection overrides (tests: a fast backoff). */
  connection?: Partial<Pick<McpConnectionOptions, 'backoff' | 'connectTimeoutMs' | 'createTransport'>>;
}

/**
 * The MCP servers of TOOLS_CONFIG as tools in the registry: each listing (at connect, on list_changed, after a
 * restart) replaces the server's tools with what it lists now. A server that is down keeps its tools registered,
 * so the model still sees them; calls fail fast with `tool_unavailable` until it is back.
 */
export function createMcpServerSet({ entries, registry, log, approvalRequired = new Set(), connection }: McpServerSetOptions): McpServerSet {
  const servers = entries.map((entry) => {
    const state = { entry, owned: new Set<string>(), skipped: [] as Array<{ tool: string; reason: string }>, listed: false };
    const conn: McpConnection = new McpConnection({
      entry, log, ...connection,
      onTools: (tools) => {
        state.listed = true;
        apply(state, conn, tools);
      },
    });
    return { entry, state, conn };
  });
  const byName = new Map(servers.map((server) => [server.entry.name, server]));
  const placeholders = new Map<string, Tool>();

  function apply(state: (typeof servers)[number]['state'], conn: McpConnection, tools: McpToolDefinition[]): void {
    const { entry } = state;
    const next = new Map<string, Tool>();
    const skipped: Array<{ tool: string; reason: string }> = [];
    const taken = new Set(registry.list().map((tool) => tool.name).filter((name) => !state.owned.has(name)));
    for (const remote of tools) {
      const named = mcpToolName(entry.name, remote.name);
      let reason = named.ok ? undefined : named.reason;
      if (named.ok && next.has(named.name)) reason = `${named.name} is already the name of another tool of this server`;
      else if (named.ok && taken.has(named.name)) reason = `${named.name} is already the name of another tool`;
      if (!named.ok || reason) {
        skipped.push({ tool: remote.name, reason: reason! });
        continue;
      }
      const needsApproval = approvalRequired.has(named.name) || (entry.tools?.[remote.name]?.needs_approval ?? entry.needs_approval ?? false);
      const onSchemaProblem = (why: string) =>
        log.warn({ mcpServer: entry.name, tool: remote.name }, `MCP server ${entry.name}: ${named.name}: inputSchema cannot be turned into a validator (${why}); the server checks its arguments alone`);
      next.set(named.name, createMcpTool({ name: named.name, remote, entry, caller: conn, needsApproval, onSchemaProblem }));
    }
    for (const name of state.owned) if (!next.has(name)) registry.unregister(name);
    for (const tool of next.values()) registry.replace(tool);
    state.owned = new Set(next.keys());
    state.skipped = skipped;
    for (const { tool, reason } of skipped) log.warn({ mcpServer: entry.name, tool }, `MCP server ${entry.name}: tool ${JSON.stringify(tool)} not registered: ${reason}`);
    const listedNames = new Set(tools.map((tool) => tool.name));
    for (const configured of Object.keys(entry.tools ?? {})) {
      if (!listedNames.has(configured)) log.warn({ mcpServer: entry.name, tool: configured }, `MCP server ${entry.name}: mcp_servers tools.${configured} names a tool the server does not list`);
    }
  }

  return {
    start: async () => {
      await Promise.all(servers.map((server) => server.conn.start()));
    },
    placeholder: (name) => {
      const server = byName.get(mcpServerOf(name) ?? '');
      if (!server || server.state.listed) return undefined;
      let tool = placeholders.get(name);
      if (!tool) {
        const conn = server.conn;
        tool = {
          name,
          description: `A tool of MCP server ${server.entry.name}, which has not listed its tools yet`,
          parameters: z.record(z.string(), z.unknown()),
          execute: () => {
            throw conn.unavailableError();
          },
        };
        placeholders.set(name, tool);
      }
      return tool;
    },
    health: () =>
      servers.map(({ entry, state, conn }) => ({
        name: entry.name,
        transport: entry.command !== undefined ? 'stdio' : 'http',
        status: conn.status,
        tools: state.owned.size,
        restarts: conn.restarts,
        ...(conn.lastError ? { error: conn.lastError } : {}),
        ...(state.skipped.length ? { skipped: state.skipped } : {}),
      })),
    close: async () => {
      await Promise.all(servers.map((server) => server.conn.close()));
    },
  };
}
