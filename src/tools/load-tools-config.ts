import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { SapflowError, isSapflowError } from '../errors/index.js';
import { createHttpTool, type HttpToolOptions } from './http-tool.js';
import type { Tool } from './tool.js';
import { httpToolEntrySchema, mcpServerEntrySchema, type McpServerEntry } from './tools-config-schema.js';

export interface LoadToolsConfigOptions extends HttpToolOptions {
  env?: Record<string, string | undefined>;
}

/** What a `TOOLS_CONFIG` file holds: HTTP tools ready to register, and the MCP servers whose tools are listed at start. */
export interface ToolsConfig {
  tools: Tool[];
  mcpServers: McpServerEntry[];
}

/** The HTTP tools of the `TOOLS_CONFIG` file (see `readToolsConfig` for its MCP servers too). */
export async function loadToolsConfig(path: string, options: LoadToolsConfigOptions = {}): Promise<Tool[]> {
  return (await readToolsConfig(path, options)).tools;
}

/**
 * Read the `TOOLS_CONFIG` file (YAML or JSON): `tools:` (HTTP tools) and `mcp_servers:`, either or both. Any problem
 * stops start-up with `invalid_tools_config` and one line naming the file, the entry and what is wrong.
 */
export async function readToolsConfig(
  path: string,
  { env = process.env, post }: LoadToolsConfigOptions = {},
): Promise<ToolsConfig> {
  const fail = (what: string, cause?: unknown): never => {
    throw new SapflowError('invalid_tools_config', `${path}: ${what}`, { details: { file: path }, cause });
  };

  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(error)})`, error);
  }

  let raw: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser serves both
    raw = parseYaml(text);
  } catch (error) {
    // the yaml library appends a multi-line code frame; its first line already has the position
    const first = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/:\s*$/, '');
    fail(`not valid YAML or JSON: ${first}`, error);
  }
  if (!isPlainObject(raw)) fail(`expected an object with a "tools" or "mcp_servers" list, got ${kindOf(raw)}`);
  const root = raw as Record<string, unknown>;
  const extra = Object.keys(root).filter((key) => key !== 'tools' && key !== 'mcp_servers');
  if (extra.length > 0) fail(`unknown key ${extra.map((key) => JSON.stringify(key)).join(', ')} (only "tools" and "mcp_servers" are allowed)`);
  if (root.tools === undefined && root.mcp_servers === undefined) fail('expected a "tools" or "mcp_servers" list, got neither');
  if (root.tools !== undefined && !Array.isArray(root.tools)) fail(`tools: expected a list, got ${kindOf(root.tools)}`);
  if (root.mcp_servers !== undefined && !Array.isArray(root.mcp_servers)) fail(`mcp_servers: expected a list, got ${kindOf(root.mcp_servers)}`);

  const mcpServers = readMcpServers((root.mcp_servers ?? []) as unknown[], env, fail);
  const prefixes = new Map(mcpServers.map((server, index) => [`${server.name}__`, index]));

  const tools: Tool[] = [];
  const seen = new Map<string, number>();
  ((root.tools ?? []) as unknown[]).forEach((rawEntry, index) => {
    const name = isPlainObject(rawEntry) && typeof rawEntry.name === 'string' ? rawEntry.name : undefined;
    const where = name === undefined ? `tools[${index}]` : `tools[${index}] (${name})`;
    const failEntry = (what: string, cause?: unknown): never => fail(`${where}: ${what}`, cause);

    if (!isPlainObject(rawEntry)) failEntry(`expected an object, got ${kindOf(rawEntry)}`);
    const resolved = substituteEnv(rawEntry as Record<string, unknown>, ['url', 'headers'], env, failEntry);
    const parsed = httpToolEntrySchema.safeParse(resolved, { reportInput: true });
    if (!parsed.success) failEntry(describeIssue(parsed.error.issues[0]!));
    const entry = parsed.data!;

    const previous = seen.get(entry.name);
    if (previous !== undefined) failEntry(`name: duplicate of tools[${previous}]`);
    seen.set(entry.name, index);
    // a server's tools appear later, when it lists them: a clash then would depend on what the server says
    const server = [...prefixes].find(([prefix]) => entry.name.startsWith(prefix));
    if (server) failEntry(`name: ${server[0]}* is where the tools of mcp_servers[${server[1]}] go`);

    try {
      tools.push(createHttpTool(entry, { post }));
    } catch (error) {
      const details = isSapflowError(error) ? error.details : undefined;
      failEntry(details ? `${String(details.path)}: ${String(details.reason)}` : String(error), error);
    }
  });
  return { tools, mcpServers };
}

function readMcpServers(
  entries: unknown[],
  env: Record<string, string | undefined>,
  fail: (what: string) => never,
): McpServerEntry[] {
  const seen = new Map<string, number>();
  return entries.map((rawEntry, index) => {
    const name = isPlainObject(rawEntry) && typeof rawEntry.name === 'string' ? rawEntry.name : undefined;
    const where = name === undefined ? `mcp_servers[${index}]` : `mcp_servers[${index}] (${name})`;
    const failEntry = (what: string): never => fail(`${where}: ${what}`);

    if (!isPlainObject(rawEntry)) failEntry(`expected an object, got ${kindOf(rawEntry)}`);
    const resolved = substituteEnv(rawEntry as Record<string, unknown>, ['url', 'headers', 'env'], env, failEntry);
    const parsed = mcpServerEntrySchema.safeParse(resolved, { reportInput: true });
    if (!parsed.success) failEntry(describeIssue(parsed.error.issues[0]!));
    const entry = parsed.data!;

    const previous = seen.get(entry.name);
    if (previous !== undefined) failEntry(`name: duplicate of mcp_servers[${previous}]`);
    seen.set(entry.name, index);
    for (const header of Object.keys(entry.headers ?? {})) {
      try {
        new Headers({ [header]: entry.headers![header]! });
      } catch {
        // caught here rather than on every call, where it would pass for a network error
        failEntry(`headers.${header}: not a valid HTTP header name or value`);
      }
    }
    return entry;
  });
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const ENV_REFERENCE = /^env\.([A-Za-z_][A-Za-z0-9_]*)$/;

/** `${env.X}` is allowed where secrets and hosts go (url, header values, a child's environment) and nowhere else. */
function substituteEnv(
  entry: Record<string, unknown>,
  keys: Array<'url' | 'headers' | 'env'>,
  env: Record<string, string | undefined>,
  failEntry: (what: string) => never,
): Record<string, unknown> {
  const substitute = (value: unknown, path: string): unknown => {
    if (typeof value !== 'string') return value;
    return value.replace(PLACEHOLDER, (_match, inner: string) => {
      const name = ENV_REFERENCE.exec(inner.trim())?.[1];
      if (name === undefined) return failEntry(`${path}: unsupported placeholder \${${inner}} (only \${env.NAME} is allowed)`);
      const found = env[name];
      if (found === undefined) return failEntry(`${path}: environment variable ${name} is not set`);
      return found;
    });
  };

  const resolved: Record<string, unknown> = { ...entry };
  for (const key of keys) {
    const value = entry[key];
    if (key === 'url') {
      if (value !== undefined) resolved.url = substitute(value, 'url');
    } else if (isPlainObject(value)) {
      resolved[key] = Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, substitute(inner, `${key}.${name}`)]));
    }
  }
  return resolved;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`)).join('');
  // zod's "expected string, received undefined" reads badly for a key that is simply absent
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  return path === '' ? message : `${path}: ${message}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}
