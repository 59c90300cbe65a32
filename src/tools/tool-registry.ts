import { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import type { ModelTool } from '../protocol/index.js';
import type { Tool } from './tool.js';

export interface ToolRegistry {
  /** Adds a tool; a name already taken is `invalid_tools_config`. */
  register(tool: Tool): void;
  /** Swaps in a new version of a registered tool (an MCP server listed it again), or adds it. */
  replace(tool: Tool): void;
  /** Removes a tool (its MCP server stopped listing it); true if it was there. */
  unregister(name: string): boolean;
  /**
   * A registered tool, else what `resolveMissing` stands in for the name (a placeholder for a tool of an MCP
   * server that has not listed yet, which fails fast with `tool_unavailable`).
   */
  get(name: string): Tool | undefined;
  has(name: string): boolean;
  list(): Tool[];
  /** The tools as they are offered to the model: name, description, JSON Schema of the arguments. */
  toModelTools(): ModelTool[];
}

/** OpenAI's own limit on function names; the workflow language and the CLI rely on it too. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface ToolRegistryOptions {
  /** Answers `get`/`has` for names not registered; never listed nor offered to the model. */
  resolveMissing?: (name: string) => Tool | undefined;
}

export function createToolRegistry(tools: Tool[] = [], { resolveMissing }: ToolRegistryOptions = {}): ToolRegistry {
  const entries = new Map<string, { tool: Tool; model: ModelTool }>();

  const checkName = (tool: Tool): void => {
    if (typeof tool.name !== 'string' || !TOOL_NAME_PATTERN.test(tool.name)) {
      throw new SapflowError(
        'invalid_tools_config',
        `tool name ${JSON.stringify(tool.name)} must be 1-64 characters of A-Z, a-z, 0-9, _ or -`,
        { details: { tool: tool.name } },
      );
    }
  };
  const register = (tool: Tool): void => {
    checkName(tool);
    if (entries.has(tool.name)) {
      throw new SapflowError('invalid_tools_config', `duplicate tool name: ${tool.name}`, {
        details: { tool: tool.name },
      });
    }
    // converted once, at registration, so a schema the model cannot be shown fails at start-up, not mid-chat
    entries.set(tool.name, { tool, model: toModelTool(tool) });
  };

  for (const tool of tools) register(tool);

  return {
    register,
    replace: (tool) => {
      checkName(tool);
      entries.set(tool.name, { tool, model: toModelTool(tool) });
    },
    unregister: (name) => entries.delete(name),
    get: (name) => entries.get(name)?.tool ?? resolveMissing?.(name),
    has: (name) => entries.has(name) || resolveMissing?.(name) !== undefined,
    list: () => [...entries.values()].map((entry) => entry.tool),
    toModelTools: () => [...entries.values()].map((entry) => entry.model),
  };
}

function toModelTool(tool: Tool): ModelTool {
  let schema: Record<string, unknown>;
  try {
    // io 'input': the model writes the arguments, so defaulted fields are optional for it
    schema = tool.jsonSchema ?? (z.toJSONSchema(tool.parameters, { io: 'input' }) as Record<string, unknown>);
  } catch (error) {
    throw new SapflowError(
      'invalid_tools_config',
      `tool ${tool.name}: parameters cannot be expressed as JSON Schema: ${error instanceof Error ? error.message : String(error)}`,
      { details: { tool: tool.name }, cause: error },
    );
  }
  const { $schema: _dialect, ...parameters } = schema;
  return { name: tool.name, description: tool.description, parameters };
}
