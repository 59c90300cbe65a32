/** One Server-Sent Events frame, as the spec's field names. */
export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/**
 * An incremental SSE parser: feed it decoded text in any chunking, get whole frames back.
 * Comments (`: keep-alive`) are dropped; `retry:` is ignored because reconnect timing is the hook's job.
 * A frame cut off by a dropped connection is never returned (as the spec says), so no half JSON escapes.
 */
export function createSseFrameParser(): { push(text: string): SseFrame[] } {
  let buffer = '';
  let frame: { id?: string; event?: string; data: string[] } = { data: [] };

  function takeLine(line: string, out: SseFrame[]): void {
    if (line === '') {
      if (frame.data.length > 0) out.push({ id: frame.id, event: frame.event, data: frame.data.join('\n') });
      frame = { data: [] };
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') frame.data.push(value);
    else if (field === 'event') frame.event = value;
    else if (field === 'id') frame.id = value;
  }

  return {
    push(text) {
      buffer += text;
      const out: SseFrame[] = [];
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) !== -1) {
        // a lone trailing \r may be the first half of \r\n: wait for the next chunk
        if (buffer[newline] === '\r' && newline === buffer.length - 1) break;
        const line = buffer.slice(0, newline);
        const width = buffer.startsWith('\r\n', newline) ? 2 : 1;
        buffer = buffer.slice(newline + width);
        takeLine(line, out);
      }
      return out;
    },
  };
}
