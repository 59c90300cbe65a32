import { SapflowError } from '../errors/index.js';
import type { ToolRegistry } from '../tools/index.js';
import { isMcpToolName } from './load-tools-and-catalog.js';

/** What a chat turn sees of the registry. */
export type ChatToolView = Pick<ToolRegistry, 'get' | 'has' | 'toModelTools'>;

/**
 * The tools chat turns offer the model and let it call: every tool, or only those CHAT_TOOLS names. A gateway in
 * front of a firm's own tools need not offer the demo firm's legal tools and every template, and each model request
 * carries only what it offers (the built-ins alone are about 30 KB of definitions, serialised into every request).
 * A tool that is not offered is not there for the model: a call to it by name fails as a call to an unknown tool.
 * Workflows are not restricted: their templates name their tools themselves.
 */
export function chatToolsOf(tools: ChatToolView, names: readonly string[]): ChatToolView {
  if (names.length === 0) return tools;
  const offered = new Set(names);
  return {
    get: (name) => (offered.has(name) ? tools.get(name) : undefined),
    has: (name) => offered.has(name) && tools.has(name),
    toModelTools: () => tools.toModelTools().filter((tool) => offered.has(tool.name)),
  };
}

/**
 * CHAT_TOOLS must name tools (a typo would hide a tool without a word), checked once the templates have joined the
 * registry. A name `<server>__<tool>` of a configured MCP server is taken on trust: the server may not be up yet.
 */
export function assertChatToolsExist(names: readonly string[], has: (name: string) => boolean, mcpServers: readonly string[]): void {
  const unknown = names.filter((name) => !has(name) && !isMcpToolName(name, mcpServers));
  if (unknown.length > 0) {
    throw new SapflowError('invalid_config', `CHAT_TOOLS: no tool named ${unknown.map((n) => JSON.stringify(n)).join(', ')}`);
  }
}
