import { describe, expect, it } from 'vitest';
import { fromCallToolResult } from './mcp-result.js';

describe('fromCallToolResult', () => {
  it('keeps the text and the structured content, both', () => {
    const result = fromCallToolResult(
      { content: [{ type: 'text', text: 'echo: hi' }, { type: 'text', text: 'second' }], structuredContent: { echoed: 'hi' } },
      'docs__echo',
    );
    expect(result).toEqual({ text: 'echo: hi\n\nsecond', structuredContent: { echoed: 'hi' } });
  });

  it('describes parts that are not text without their bytes', () => {
    const result = fromCallToolResult(
      {
        content: [
          { type: 'image', data: 'aGVsbG8=', mimeType: 'image/png' },
          { type: 'resource', resource: { uri: 'file:///a.txt', text: 'inline text', mimeType: 'text/plain' } },
          { type: 'resource', resource: { uri: 'file:///b.pdf', blob: 'JVBERi0=', mimeType: 'application/pdf' } },
          { type: 'resource_link', uri: 'file:///c.docx', name: 'c.docx' },
        ],
      },
      'docs__get',
    );
    expect(result).toEqual({
      text: 'inline text',
      attachments: [
        { type: 'image', mimeType: 'image/png' },
        { type: 'resource', uri: 'file:///b.pdf', mimeType: 'application/pdf' },
        { type: 'resource_link', uri: 'file:///c.docx', name: 'c.docx', mimeType: undefined },
      ],
    });
  });

  it('gives an empty object for an empty result', () => {
    expect(fromCallToolResult({ content: [] }, 'docs__noop')).toEqual({});
  });

  it('turns isError: true into a tool_error with the server text, not retried', () => {
    const failed = () => fromCallToolResult({ isError: true, content: [{ type: 'text', text: 'the document\nstore is offline' }] }, 'docs__fail');
    expect(failed).toThrow(expect.objectContaining({ code: 'tool_error', retryable: false, message: 'docs__fail failed: the document store is offline' }));
    expect(() => fromCallToolResult({ isError: true, content: [] }, 'docs__fail')).toThrow(/reported an error without a message/);
  });
});
