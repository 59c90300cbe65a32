import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { SapflowError, isSapflowError } from '../errors/index.js';
import { createHttpTool, type HttpToolOptions } from './http-tool.js';
import type { Tool } from './tool.js';
import { httpToolEntrySchema } from './tools-config-schema.js';

export interface LoadToolsConfigOptions extends HttpToolOptions {
  env?: Record<string, string | undefined>;
}

/**
 * Read the `TOOLS_CONFIG` file (YAML or JSON) into HTTP tools. Any problem stops start-up with
 * `invalid_tools_config` and one line naming the file, the entry and what is wrong.
 */
export async function loadToolsConfig(
  path: string,
  { env = process.env, fetch }: LoadToolsConfigOptions = {},
): Promise<Tool[]> {
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
  if (!isPlainObject(raw)) fail(`expected an object with a "tools" list, got ${kindOf(raw)}`);
  const root = raw as Record<string, unknown>;
  const extra = Object.keys(root).filter((key) => key !== 'tools');
  if (extra.length > 0) fail(`unknown key ${extra.map((key) => JSON.stringify(key)).join(', ')} (only "tools" is allowed)`);
  if (!Array.isArray(root.tools)) fail(`tools: expected a list, got ${kindOf(root.tools)}`);

  const tools: Tool[] = [];
  const seen = new Map<string, number>();
  (root.tools as unknown[]).forEach((rawEntry, index) => {
    const name = isPlainObject(rawEntry) && typeof rawEntry.name === 'string' ? rawEntry.name : undefined;
    const where = name === undefined ? `tools[${index}]` : `tools[${index}] (${name})`;
    const failEntry = (what: string, cause?: unknown): never => fail(`${where}: ${what}`, cause);

    if (!isPlainObject(rawEntry)) failEntry(`expected an object, got ${kindOf(rawEntry)}`);
    const resolved = substituteEnv(rawEntry as Record<string, unknown>, env, failEntry);
    const parsed = httpToolEntrySchema.safeParse(resolved, { reportInput: true });
    if (!parsed.success) failEntry(describeIssue(parsed.error.issues[0]!));
    const entry = parsed.data!;

    const previous = seen.get(entry.name);
    if (previous !== undefined) failEntry(`name: duplicate of tools[${previous}]`);
    seen.set(entry.name, index);

    try {
      tools.push(createHttpTool(entry, { fetch }));
    } catch (error) {
      const details = isSapflowError(error) ? error.details : undefined;
      failEntry(details ? `${String(details.path)}: ${String(details.reason)}` : String(error), error);
    }
  });
  return tools;
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const ENV_REFERENCE = /^env\.([A-Za-z_][A-Za-z0-9_]*)$/;

/** `${env.X}` is allowed where secrets and hosts go (url, header values) and nowhere else. */
function substituteEnv(
  entry: Record<string, unknown>,
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

  const resolved: Record<string, unknown> = { ...entry, url: substitute(entry.url, 'url') };
  if (isPlainObject(entry.headers)) {
    resolved.headers = Object.fromEntries(
      Object.entries(entry.headers).map(([key, value]) => [key, substitute(value, `headers.${key}`)]),
    );
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
