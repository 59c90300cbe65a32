/** The log lines the MCP tools write; a pino logger is one (tools/ does not import telemetry/). */
export interface McpLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export const silentMcpLog: McpLog = { info: () => {}, warn: () => {} };
