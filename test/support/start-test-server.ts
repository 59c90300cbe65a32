import { startSapflow, type RunningSapflow } from '../../src/server.js';
import type { RuntimeOptions } from '../../src/runtime/create-runtime.js';
import type { AppOptions } from '../../src/http/create-app.js';

export interface TestServer extends RunningSapflow {
  /** `fetch` against the server: `path` is relative to its origin. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/**
 * A real gateway on 127.0.0.1:<random port> with an in-memory embedded store and the offline model. The host
 * environment is not read (no stray AUTH_* or OPENAI_* from the shell): pass what a test needs in `env`.
 */
export async function startTestServer(options: { env?: Record<string, string | undefined>; runtime?: RuntimeOptions; app?: AppOptions } = {}): Promise<TestServer> {
  const server = await startSapflow({
    // errors only: the suite provokes tool failures on purpose, and run lines would drown its output
    env: { DATA_DIR: ':memory:', HOST: '127.0.0.1', LOG_LEVEL: 'error', ...options.env },
    port: 0,
    host: '127.0.0.1',
    runtime: options.runtime,
    app: options.app,
  });
  return {
    ...server,
    fetch: (path, init) => fetch(`${server.url}${path}`, init),
  };
}

export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/** The frames of an SSE response as they arrive (comments such as keep-alives are skipped). */
export async function* readSse(response: Response): AsyncGenerator<SseFrame> {
  if (!response.body) throw new Error('the response has no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const frame = parseSseBlock(block);
        if (frame) yield frame;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** Every frame of an SSE response, until the server ends it. */
export async function collectSse(response: Response): Promise<SseFrame[]> {
  const frames: SseFrame[] = [];
  for await (const frame of readSse(response)) frames.push(frame);
  return frames;
}

function parseSseBlock(block: string): SseFrame | undefined {
  const frame: { id?: string; event?: string; data: string[] } = { data: [] };
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') frame.data.push(value);
  }
  if (frame.data.length === 0 && frame.id === undefined && frame.event === undefined) return undefined;
  return { ...(frame.id === undefined ? {} : { id: frame.id }), ...(frame.event === undefined ? {} : { event: frame.event }), data: frame.data.join('\n') };
}
