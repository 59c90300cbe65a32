export { defineTool, type Tool, type ToolContext, type CircuitBreakerOptions } from './tool.js';
export { createToolRegistry, TOOL_NAME_PATTERN, type ToolRegistry } from './tool-registry.js';
export { createHttpTool, type HttpToolOptions } from './http-tool.js';
export { loadToolsConfig, readToolsConfig, type LoadToolsConfigOptions, type ToolsConfig } from './load-tools-config.js';
export { httpToolEntrySchema, mcpServerEntrySchema, type HttpToolEntry, type McpServerEntry } from './tools-config-schema.js';
