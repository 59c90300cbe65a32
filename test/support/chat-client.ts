import { Chat } from '@ai-sdk/react';
import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import {
  DefaultChatTransport as DefaultChatTransportV5,
  readUIMessageStream as readUIMessageStreamV5,
  type UIMessage as UIMessageV5,
} from 'ai-v5';

/** What the `ai` client made of a response: every chunk it parsed, every message snapshot, the final message. */
export interface ClientResult {
  chunks: UIMessageChunk[];
  snapshots: number;
  message: UIMessage | undefined;
}

export function userMessage(text: string, id = 'u1'): UIMessage {
  return { id, role: 'user', parts: [{ type: 'text', text }] };
}

/**
 * Consumes POST /api/chat exactly as useChat does: the `ai` package's `DefaultChatTransport` (its SSE and chunk
 * parsing) and `readUIMessageStream` with `terminateOnError`, so a bad chunk or an `error` chunk throws.
 * `version: 5` runs ai 5's own code (the `ai-v5` alias) over the same wire.
 */
export async function readWithAiClient(
  url: string,
  messages: UIMessage[],
  { version = 7, abortSignal, body }: { version?: 5 | 7; abortSignal?: AbortSignal; body?: Record<string, unknown> } = {},
): Promise<ClientResult> {
  const chunks: UIMessageChunk[] = [];
  const record = () =>
    new TransformStream<UIMessageChunk, UIMessageChunk>({
      transform(chunk, controller) {
        chunks.push(chunk);
        controller.enqueue(chunk);
      },
    });
  const request = { chatId: 'chat-1', messages, trigger: 'submit-message' as const, messageId: undefined, abortSignal, body };
  let snapshots = 0;
  let message: UIMessage | undefined;
  if (version === 7) {
    const stream = await new DefaultChatTransport({ api: `${url}/api/chat` }).sendMessages(request);
    for await (const snapshot of readUIMessageStream({ stream: stream.pipeThrough(record()), terminateOnError: true })) {
      snapshots += 1;
      message = snapshot;
    }
  } else {
    const stream = await new DefaultChatTransportV5({ api: `${url}/api/chat` }).sendMessages({
      ...request,
      messages: messages as UIMessageV5[],
    });
    // the v5 and v7 chunk types differ only in fields Sapflow does not send
    const recorded = stream.pipeThrough(record() as TransformStream<any, any>);
    for await (const snapshot of readUIMessageStreamV5({ stream: recorded, terminateOnError: true })) {
      snapshots += 1;
      message = snapshot as unknown as UIMessage;
    }
  }
  return { chunks, snapshots, message };
}

/** One SSE frame as it came off the socket, with its arrival time (`Date.now()`). */
export interface RawFrame {
  text: string;
  at: number;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  /** The frames, comments included, in order. */
  frames: RawFrame[];
  /** The JSON of every `data:` frame but `[DONE]`. */
  chunks: Array<Record<string, unknown> & { type: string }>;
  body: string;
}

export function postChat(url: string, body: unknown, init: { signal?: AbortSignal; raw?: string } = {}): Promise<Response> {
  return fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: init.raw ?? JSON.stringify(body),
    signal: init.signal,
  });
}

/** Reads a whole response frame by frame, stamping each frame with the time it arrived. */
export async function readRaw(response: Response, onFrame?: (frame: RawFrame) => void): Promise<RawResponse> {
  const frames: RawFrame[] = [];
  let body = '';
  let buffer = '';
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    const text = decoder.decode(read.value, { stream: true });
    body += text;
    buffer += text;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = { text: buffer.slice(0, end), at: Date.now() };
      buffer = buffer.slice(end + 2);
      frames.push(frame);
      onFrame?.(frame);
    }
  }
  const chunks = frames
    .filter((f) => f.text.startsWith('data: ') && f.text !== 'data: [DONE]')
    .map((f) => JSON.parse(f.text.slice('data: '.length)) as Record<string, unknown> & { type: string });
  return { status: response.status, headers: response.headers, frames, chunks, body };
}

type ReactChatTransport = NonNullable<ConstructorParameters<typeof Chat>[0]>['transport'];

/**
 * A `Chat` from @ai-sdk/react - the state behind `useChat`, usable without rendering. @ai-sdk/react 3 carries its own
 * ai 6, so this runs ai 6's message assembly and status handling over ai 7's transport (the types differ, the wire
 * does not); the messages are read back as ai 7's `UIMessage`.
 */
export function reactChat(url: string) {
  const chat = new Chat({ transport: new DefaultChatTransport({ api: `${url}/api/chat` }) as unknown as ReactChatTransport });
  return {
    send: (text: string) => chat.sendMessage({ text }),
    get status() {
      return chat.status;
    },
    get error() {
      return chat.error;
    },
    get messages() {
      return chat.messages as unknown as UIMessage[];
    },
  };
}
