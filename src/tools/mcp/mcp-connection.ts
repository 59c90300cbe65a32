import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema, type CallToolResult, type Tool as McpToolDefinition } from '@modelcontextprotocol/sdk/types.js';
import { SapflowError } from '../../errors/index.js';
import type { McpServerEntry } from '../tools-config-schema.js';
import { listAllTools } from './list-all-tools.js';
import type { McpLog } from './mcp-log.js';
import type { McpCallOptions, McpCaller } from './mcp-tool.js';
import { createMcpTransport } from './mcp-transport.js';

export type McpServerStatus = 'connecting' | 'ready' | 'down' | 'closed';

export interface RestartBackoff {
  /** Delay before the first reconnect after a loss, in ms: under a second, so a crashed server is back at once. */
  firstMs: number;
  factor: number;
  capMs: number;
  /** A connection that stayed up this long starts the backoff over at `firstMs` when it is lost. */
  stableMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoff = { firstMs: 250, factor: 2, capMs: 30_000, stableMs: 10_000 };

export interface McpConnectionOptions {
  entry: McpServerEntry;
  /** Each time the server's tool list is (re)loaded: on connect and on `notifications/tools/list_changed`. */
  onTools(tools: McpToolDefinition[]): void;
  log: McpLog;
  backoff?: RestartBackoff;
  /** The handshake and the first listing together, per attempt (default 10 s). */
  connectTimeoutMs?: number;
  createTransport?: (entry: McpServerEntry, log: McpLog) => Transport;
}

/** Longer than any tool timeout: the pipeline's deadline aborts the call; the SDK's own 60 s default must not cut it first. */
const CALL_TIMEOUT_MS = 2_000_000_000;

/**
 * One MCP server, kept connected: connect (spawning a stdio server), list its tools, follow list changes; when the
 * connection is lost (the child exited, the HTTP server stopped answering) it is re-made with exponential backoff,
 * the first retry within `firstMs`. Meanwhile `callTool` fails at once with `tool_unavailable`.
 */
export class McpConnection implements McpCaller {
  status: McpServerStatus = 'connecting';
  /** Why the last attempt failed or the connection was lost, for the health page. */
  lastError?: string;
  /** Times the connection was made again after it had been up (a restarted child, a server back). */
  restarts = 0;
  private everReady = false;
  private client?: Client;
  /** The client of an attempt still under way, so close() can stop a child that is still starting. */
  private attempt?: Client;
  private generation = 0;
  private lostGeneration = -1;
  private failures = 0;
  private readyAt = 0;
  private timer?: NodeJS.Timeout;
  /** Re-listings run one after another, so a slow earlier answer never overwrites a later list. */
  private relisting: Promise<void> = Promise.resolve();
  private readonly backoff: RestartBackoff;

  constructor(private readonly options: McpConnectionOptions) {
    this.backoff = options.backoff ?? DEFAULT_RESTART_BACKOFF;
  }

  get name(): string {
    return this.options.entry.name;
  }

  /** The first attempt; resolves when it succeeded or failed (then retries go on in the background), never rejects. */
  start(): Promise<void> {
    return this.connect();
  }

  async callTool(name: string, args: Record<string, unknown>, { signal, onprogress, meta }: McpCallOptions): Promise<CallToolResult> {
    const { client, generation } = this;
    if (!client || this.status !== 'ready') throw this.unavailableError();
    try {
      const result = await client.callTool({ name, arguments: args, _meta: meta }, undefined, { signal, onprogress, timeout: CALL_TIMEOUT_MS });
      return result as CallToolResult;
    } catch (error) {
      // the pipeline aborted us (timeout, cancel, disconnect): its reason is the story; the SDK told the server
      if (signal.aborted) throw error;
      if (isConnectionLost(error)) {
        this.lost(generation, describe(error));
        throw new SapflowError('tool_unavailable', `MCP server ${this.name} went away during the call: ${describe(error)}`, { retryable: true, cause: error });
      }
      if (error instanceof McpError) throw new SapflowError('tool_error', `${this.name}: ${error.message}`, { details: { mcpCode: error.code }, cause: error });
      throw error;
    }
  }

  async close(): Promise<void> {
    this.status = 'closed';
    clearTimeout(this.timer);
    this.generation += 1;
    const clients = [this.client, this.attempt];
    this.client = undefined;
    this.attempt = undefined;
    // stdio: ends the child's stdin, then SIGTERM, then SIGKILL (the SDK's close), so no child outlives us
    await Promise.all(clients.map((client) => client?.close().catch(() => {})));
  }

  private async connect(): Promise<void> {
    if (this.status === 'closed') return;
    const generation = ++this.generation;
    this.status = 'connecting';
    const { entry, log } = this.options;
    const timeout = this.options.connectTimeoutMs ?? 10_000;
    const client = new Client({ name: 'sapflow', version: '0.1.0' }, { capabilities: {} });
    // transport noise (a dropped SSE stream, a stray line on stdout) is not a loss by itself; onclose says when it is
    client.onerror = () => {};
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      this.relisting = this.relisting.then(() => this.relist(client, generation));
    });
    this.attempt = client;
    try {
      const transport = (this.options.createTransport ?? createMcpTransport)(entry, log);
      await client.connect(transport, { timeout });
      const tools = await listAllTools((params) => client.listTools(params, { timeout }));
      if (generation !== this.generation) {
        await client.close().catch(() => {});
        return;
      }
      // set only now: a failed handshake closes the client itself, and its own error is the better reason
      client.onclose = () => this.lost(generation, entry.command !== undefined ? 'the server process exited' : 'the connection closed');
      this.client = client;
      if (this.everReady) this.restarts += 1;
      this.everReady = true;
      this.status = 'ready';
      this.readyAt = Date.now();
      this.lastError = undefined;
      this.options.onTools(tools);
      log.info({ mcpServer: entry.name, tools: tools.length }, `MCP server ${entry.name}: connected, ${tools.length} tools`);
    } catch (error) {
      this.lost(generation, describe(error));
      await client.close().catch(() => {});
    } finally {
      if (this.attempt === client) this.attempt = undefined;
    }
  }

  private async relist(client: Client, generation: number): Promise<void> {
    try {
      const tools = await listAllTools((params) => client.listTools(params, { timeout: this.options.connectTimeoutMs ?? 10_000 }));
      if (generation === this.generation && this.status === 'ready') this.options.onTools(tools);
    } catch (error) {
      this.options.log.warn({ mcpServer: this.name }, `MCP server ${this.name}: could not list its tools again after list_changed: ${describe(error)}`);
    }
  }

  /** Once per connection attempt, whoever notices first (onclose, a failed call, a failed handshake). */
  private lost(generation: number, reason: string): void {
    if (this.status === 'closed' || generation !== this.generation || this.lostGeneration === generation) return;
    this.lostGeneration = generation;
    const wasReady = this.status === 'ready';
    const client = this.client;
    this.client = undefined;
    if (client) void client.close().catch(() => {});
    if (this.readyAt && Date.now() - this.readyAt >= this.backoff.stableMs) this.failures = 0;
    this.readyAt = 0;
    const delay = Math.min(this.backoff.capMs, this.backoff.firstMs * this.backoff.factor ** this.failures);
    this.failures += 1;
    this.status = 'down';
    this.lastError = reason;
    this.options.log.warn(
      { mcpServer: this.name, retryInMs: delay },
      `MCP server ${this.name}: ${wasReady ? 'lost' : 'not reachable'} (${reason}); trying again in ${delay} ms`,
    );
    this.timer = setTimeout(() => void this.connect(), delay);
    // retries alone must not keep a CLI process alive; close() clears it anyway
    this.timer.unref();
  }

  /** What a call gets while the server is not up. */
  unavailableError(): SapflowError {
    const why = this.lastError ? ` (${this.lastError})` : '';
    const what = this.status === 'connecting' ? 'is connecting' : `is down${why}; reconnecting`;
    return new SapflowError('tool_unavailable', `MCP server ${this.name} ${what}`, { retryable: true });
  }
}

/** The server is gone, not the call wrong: a closed connection, a refused socket, a session the server forgot. */
function isConnectionLost(error: unknown): boolean {
  if (error instanceof McpError) return error.code === ErrorCode.ConnectionClosed;
  if (error instanceof StreamableHTTPError) return error.code === 404 || error.code === undefined;
  return error instanceof TypeError && /fetch failed/i.test(error.message);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return (cause && cause !== error.message ? `${error.message} (${cause})` : error.message).replace(/\s+/g, ' ').trim();
}
