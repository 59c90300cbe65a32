import { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import type { ModelTool } from '../protocol/index.js';
import type { Tool } from './tool.js';

export interface ToolRegistry {
  register(tool: Tool): void;
  get(name: string): Tool | undefined;
  has(name: string): boolean;
  list(): Tool[];
  /** The tools as they are offered to the model: name, description, JSON Schema of the arguments. */
  toModelTools(): ModelTool[];
}

/** OpenAI's own limit on function names; the workflow language and the CLI rely on it too. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function createToolRegistry(tools: Tool[] = []): ToolRegistry {
  const entries = new Map<string, { tool: Tool; model: ModelTool }>();

  const register = (tool: Tool): void => {
    if (typeof tool.name !== 'string' || !TOOL_NAME_PATTERN.test(tool.name)) {
      throw new SapflowError(
        'invalid_tools_config',
        `tool name ${JSON.stringify(tool.name)} must be 1-64 characters of A-Z, a-z, 0-9, _ or -`,
        { details: { tool: tool.name } },
      );
    }
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
    get: (name) => entries.get(name)?.tool,
    has: (name) => entries.has(name),
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
