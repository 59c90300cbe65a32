import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { SapflowError, oneLine } from '../../errors/index.js';

/** What the model (and the tool card) gets from an MCP tool: its text and its structured content, both when both. */
export interface McpToolOutput {
  /** The text parts of the result's `content`, joined by blank lines. */
  text?: string;
  /** The result's `structuredContent` as the server sent it. */
  structuredContent?: Record<string, unknown>;
  /** Parts that are not text (images, audio, resources), described without their bytes, which a model cannot read as JSON. */
  attachments?: Array<{ type: string; mimeType?: string; uri?: string; name?: string }>;
}

/**
 * An MCP `tools/call` result as the pipeline's value: `isError: true` throws a `tool_error` carrying the server's
 * text (not retried: the server ran the tool and said no), anything else becomes an `McpToolOutput`.
 */
export function fromCallToolResult(result: CallToolResult, toolName: string): McpToolOutput {
  const texts: string[] = [];
  const attachments: NonNullable<McpToolOutput['attachments']> = [];
  for (const part of result.content ?? []) {
    if (part.type === 'text') texts.push(part.text);
    else if (part.type === 'resource' && 'text' in part.resource) texts.push(part.resource.text);
    else if (part.type === 'resource') attachments.push({ type: part.type, uri: part.resource.uri, mimeType: part.resource.mimeType });
    else if (part.type === 'resource_link') attachments.push({ type: part.type, uri: part.uri, name: part.name, mimeType: part.mimeType });
    else attachments.push({ type: part.type, mimeType: part.mimeType });
  }
  const text = texts.join('\n\n');
  if (result.isError) {
    throw new SapflowError('tool_error', `${toolName} failed: ${oneLine(text, 400) || 'the server reported an error without a message'}`, {
      details: { tool: toolName },
    });
  }
  return {
    ...(texts.length > 0 ? { text } : {}),
    ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
    ...(attachments.length > 0 ? { attachments } : {}),
  };
}
