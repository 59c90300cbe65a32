import { TOOL_NAME_PATTERN } from '../tool-registry.js';

/** The separator between a server's name and its tool's: server names may not contain it (tools-config-schema.ts). */
export const MCP_NAME_SEPARATOR = '__';

export type McpToolName = { ok: true; name: string } | { ok: false; reason: string };

/**
 * The registry name of a server's tool: `<server>__<tool>`. MCP allows names OpenAI does not (`.`, `/`, any
 * Unicode), so every character outside A-Z a-z 0-9 _ - becomes `_` (`files/read.text` -> `files_read_text`); the
 * call still goes out under the server's own name. A name that is still too long for the 64 characters is refused
 * rather than cut, since cutting could make two tools one.
 */
export function mcpToolName(server: string, remote: string): McpToolName {
  const local = remote.replace(/[^A-Za-z0-9_-]/g, '_');
  if (local === '') return { ok: false, reason: 'the server lists a tool with an empty name' };
  const name = `${server}${MCP_NAME_SEPARATOR}${local}`;
  if (!TOOL_NAME_PATTERN.test(name)) return { ok: false, reason: `${name} is longer than the 64 characters a tool name may have` };
  return { ok: true, name };
}

/** The server a registry name belongs to, if it is of the form `<server>__<tool>`. */
export function mcpServerOf(name: string): string | undefined {
  const at = name.indexOf(MCP_NAME_SEPARATOR);
  return at > 0 ? name.slice(0, at) : undefined;
}
