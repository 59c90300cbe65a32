import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSession, NodeHttp1Connection, type Session } from 'better-sse';
import { countStream } from './request-metrics.js';
import { KEEP_ALIVE_MS, SSE_HEADERS, STALL_MS } from './sse.js';
import { createSseOutbox, type SseOutbox, type SseOutboxOptions } from './sse-outbox.js';

/** better-sse's Node connection, writing through the backpressure-aware outbox (better-sse itself ignores write()'s false). */
class OutboxConnection extends NodeHttp1Connection {
  readonly outbox: SseOutbox;

  constructor(req: IncomingMessage, res: ServerResponse, options: ConstructorParameters<typeof NodeHttp1Connection>[2], outbox: Omit<SseOutboxOptions, 'onStall'>) {
    super(req, res, options);
    this.outbox = createSseOutbox(res, outbox);
  }

  override sendChunk = (chunk: string) => this.outbox.write(chunk);
}

export interface RunSession {
  session: Session;
  /** Ends the answer once what is queued is written (better-sse leaves ending to its caller). */
  end(): void;
}

/**
 * A better-sse session for a run's event stream: keep-alive comments, `retry:` for EventSource clients, the
 * client's `Last-Event-ID` as `session.lastId`, over an outbox that honours backpressure and drops a client that
 * stalls for `stallMs`. Resolves once the head is sent; undefined when the client left before that.
 */
export async function openRunSession(
  req: IncomingMessage,
  res: ServerResponse,
  { headers = {}, stallMs = STALL_MS, coalesceMs, keepAliveMs = KEEP_ALIVE_MS }: { headers?: Record<string, string>; stallMs?: number; coalesceMs?: number; keepAliveMs?: number } = {},
): Promise<RunSession | undefined> {
  const connection = new OutboxConnection(req, res, { headers: { ...SSE_HEADERS, ...headers } }, { stallMs, coalesceMs });
  const session = await createSession(connection, { keepAlive: keepAliveMs });
  if (res.destroyed) return undefined;
  const uncount = countStream(res as Parameters<typeof countStream>[0]);
  res.once('close', uncount);
  return { session, end: () => connection.outbox.end() };
}
