import type { CallToolResult, Tool as McpToolDefinition } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Tool, ToolContext } from '../tool.js';
import type { McpServerEntry } from '../tools-config-schema.js';
import { fromCallToolResult, type McpToolOutput } from './mcp-result.js';

/** The progress a server reports (`notifications/progress`), as it reaches `ctx.progress` and the `task-progress` event. */
export interface McpProgress {
  progress: number;
  total?: number;
  message?: string;
}

export interface McpCallOptions {
  signal: AbortSignal;
  onprogress: (progress: McpProgress) => void;
  /** Sent as the request's `_meta` (the SDK adds the progress token beside it). */
  meta: Record<string, unknown>;
}

/** What a tool needs of its server's connection: one `tools/call` (failing fast with `tool_unavailable` while it is down). */
export interface McpCaller {
  callTool(name: string, args: Record<string, unknown>, options: McpCallOptions): Promise<CallToolResult>;
}

/** `_meta` key of the call's idempotency key: the same on every retry and resume of one call, as HTTP tools' `Idempotency-Key`. */
export const IDEMPOTENCY_META_KEY = 'sapflow/idempotency-key';

/**
 * One tool of an MCP server as a Sapflow tool named `name` (`<server>__<tool>`). Its JSON Schema is the server's
 * `inputSchema`, sent to the model verbatim and turned into a validator as HTTP tools' are; the pipeline enforces
 * the server entry's timeout, retries, concurrency and breaker. Aborting `ctx.signal` makes the SDK send
 * `notifications/cancelled` for the request.
 */
export function createMcpTool(options: {
  name: string;
  remote: McpToolDefinition;
  entry: McpServerEntry;
  caller: McpCaller;
  needsApproval: boolean;
  /** The schema could not be turned into a validator: the tool is registered with a looser one, the server judges. */
  onSchemaProblem?: (reason: string) => void;
}): Tool<Record<string, unknown>, McpToolOutput> {
  const { name, remote, entry, caller } = options;
  const jsonSchema = remote.inputSchema as Record<string, unknown>;
  return {
    name,
    description: remote.description ?? remote.title ?? `${remote.name} (MCP server ${entry.name})`,
    parameters: toValidator(jsonSchema, options.onSchemaProblem),
    jsonSchema,
    timeout: entry.timeout,
    retry_count: entry.retry_count,
    concurrency: entry.concurrency,
    circuit_breaker: entry.circuit_breaker,
    needs_approval: options.needsApproval || undefined,
    async execute(args: Record<string, unknown>, ctx: ToolContext): Promise<McpToolOutput> {
      const meta: Record<string, unknown> = { [IDEMPOTENCY_META_KEY]: ctx.idempotencyKey };
      // W3C trace context in `_meta`, as the MCP trace-context proposal carries it, so the server's spans join the run's
      if (ctx.traceparent) meta.traceparent = ctx.traceparent;
      const result = await caller.callTool(remote.name, args, {
        signal: ctx.signal,
        meta,
        onprogress: ({ progress, total, message }) =>
          ctx.progress({ progress, ...(total !== undefined ? { total } : {}), ...(message !== undefined ? { message } : {}) }),
      });
      return fromCallToolResult(result, name);
    },
  };
}

/**
 * z.fromJSONSchema as for HTTP tools; a schema zod cannot model still lets the tool register (the server checks
 * its own arguments), since one odd tool must not take the whole server's tools away.
 */
function toValidator(schema: Record<string, unknown>, onProblem?: (reason: string) => void): z.ZodType<Record<string, unknown>> {
  try {
    return z.fromJSONSchema(schema as z.core.JSONSchema.JSONSchema) as z.ZodType<Record<string, unknown>>;
  } catch (error) {
    onProblem?.(error instanceof Error ? error.message : String(error));
    return z.record(z.string(), z.unknown());
  }
}
