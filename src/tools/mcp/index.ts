export { createMcpServerSet, type McpServerSet, type McpServerSetOptions, type McpServerHealth } from './mcp-server-set.js';
export { McpConnection, DEFAULT_RESTART_BACKOFF, type McpServerStatus, type RestartBackoff } from './mcp-connection.js';
export { createMcpTool, IDEMPOTENCY_META_KEY, type McpCaller, type McpProgress } from './mcp-tool.js';
export { mcpToolName, mcpServerOf, MCP_NAME_SEPARATOR } from './mcp-tool-name.js';
export { fromCallToolResult, type McpToolOutput } from './mcp-result.js';
export { listAllTools } from './list-all-tools.js';
export { silentMcpLog, type McpLog } from './mcp-log.js';
