import { describe, expect, it } from 'vitest';
import { createSseFrameParser } from './sse-frame-parser.js';

describe('createSseFrameParser', () => {
  it('returns whole frames whatever the chunking, and drops comments', () => {
    const text = ': keep-alive\n\nid: 1\nevent: task-start\ndata: {"a":1}\n\nid: 2\r\ndata: line1\r\ndata: line2\r\n\r\n';
    for (const size of [1, 3, 7, text.length]) {
      const parser = createSseFrameParser();
      const frames = [];
      for (let i = 0; i < text.length; i += size) frames.push(...parser.push(text.slice(i, i + size)));
      expect(frames).toEqual([
        { id: '1', event: 'task-start', data: '{"a":1}' },
        { id: '2', event: undefined, data: 'line1\nline2' },
      ]);
    }
  });

  it('never returns a frame cut off by a dropped connection', () => {
    const parser = createSseFrameParser();
    expect(parser.push('id: 1\ndata: {"whole":true}\n\nid: 2\ndata: {"cut')).toEqual([{ id: '1', event: undefined, data: '{"whole":true}' }]);
  });
});
