import { request, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse, toSseFrame } from '../src/http/sse.js';
import { startChatHarness } from './support/chat-harness.js';

/**
 * Backpressure on SSE answers over real sockets: a client that does not read makes `res.write()` return false; from
 * then on snapshots wait coalesced to the latest, text is all kept, and a client that reads nothing for the stall
 * time is dropped - and for /api/chat that is the turn's client leaving.
 */

const until = async (condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
const tick = () => new Promise((resolve) => setImmediate(resolve));

const FILLER = 'f'.repeat(64 * 1024);
const SNAPSHOTS = 5_000;
const TEXTS = 50;
let server: Server;
let url = '';
const seen = { maxQueuedChars: 0, fillers: 0, stalled: [] as number[], backedUp: false };

beforeAll(async () => {
  const app = express();
  // fills the socket until it is backed up, then sends many snapshots with some text between them
  app.get('/lagging', async (_req, res) => {
    const sse = openSse(res, { stallMs: 30_000 });
    while (!sse.backedUp) {
      sse.write(toSseFrame({ data: { type: 'filler', n: seen.fillers++, fill: FILLER } }));
      await tick();
    }
    seen.backedUp = true;
    for (let i = 0; i < SNAPSHOTS; i += 1) {
      sse.write(toSseFrame({ data: { type: 'data-workflow', id: 'p', data: { n: i, pad: 'x'.repeat(1_000) } } }), 'data-workflow:p');
      if (i % (SNAPSHOTS / TEXTS) === 0) sse.write(toSseFrame({ data: { type: 'text-delta', n: i / (SNAPSHOTS / TEXTS) } }));
      seen.maxQueuedChars = Math.max(seen.maxQueuedChars, sse.queuedChars);
      if (i % 100 === 0) await tick();
    }
    sse.write(toSseFrame({ data: '[DONE]' }));
    sse.end();
  });
  app.get('/stalling', async (_req, res) => {
    const startedAt = Date.now();
    const sse = openSse(res, { stallMs: 200, onClose: () => seen.stalled.push(Date.now() - startedAt) });
    while (!sse.backedUp && !sse.ended) {
      sse.write(toSseFrame({ data: { fill: FILLER } }));
      await tick();
    }
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));

describe('an SSE answer to a client that lags', () => {
  it('keeps only the latest snapshot while the socket is backed up, and every other frame in order', async () => {
    const response = await new Promise<IncomingMessage>((resolve) => request(`${url}/lagging`, resolve).end());
    response.pause();
    await until(() => seen.backedUp);
    // all snapshots were offered while the client read nothing; only the latest of them is held
    await new Promise((resolve) => setTimeout(resolve, 300));
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (piece: string) => (body += piece));
    response.resume();
    await new Promise((resolve) => response.on('end', resolve));

    const chunks = body
      .split('\n\n')
      .filter((frame) => frame.startsWith('data: ') && frame !== 'data: [DONE]')
      .map((frame) => JSON.parse(frame.slice(6)) as { type: string; n: number; data?: { n: number } });
    const fillers = chunks.filter((c) => c.type === 'filler').map((c) => c.n);
    const texts = chunks.filter((c) => c.type === 'text-delta').map((c) => c.n);
    const snapshots = chunks.filter((c) => c.type === 'data-workflow').map((c) => c.data!.n);
    expect(fillers).toEqual([...Array(seen.fillers).keys()]);
    expect(texts).toEqual([...Array(TEXTS).keys()]);
    expect(snapshots.at(-1)).toBe(SNAPSHOTS - 1);
    expect(snapshots.length).toBeLessThan(SNAPSHOTS / 10);
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    // held: at most the text frames and one snapshot, nowhere near the 5 MB of snapshots offered
    expect(seen.maxQueuedChars).toBeLessThan(TEXTS * 100 + 2 * 1_100);
  });

  it('drops a client that reads nothing for the stall time, as a client that left', async () => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    socket.pause();
    socket.write('GET /stalling HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => seen.stalled.length === 1);
    expect(seen.stalled[0]).toBeGreaterThanOrEqual(200);
    socket.destroy();
  });
});

describe('POST /api/chat to a client that stops reading', () => {
  it('disconnects it after SSE_STALL_TIMEOUT_MS and handles the turn as a client disconnect (cancelled)', async () => {
    // a turn that says a lot: enough to fill the socket's buffers of a client that reads none of it
    // then the upstream goes quiet but stays open: only the stall can end this turn
    const text = Array.from({ length: 160 }, (_, i) => `${String(i).padStart(4, '0')}${'w'.repeat(64 * 1024 - 4)}`);
    const harness = await startChatHarness({
      script: [{ text, delayMs: 5, interrupt: { afterFragments: 120, mode: 'hang' } }],
      env: { SSE_STALL_TIMEOUT_MS: '300', LOG_LEVEL: 'silent' },
    });
    try {
      const socket = connect(Number(new URL(harness.url).port), '127.0.0.1');
      socket.pause();
      const body = JSON.stringify({ messages: [{ role: 'user', content: 'say a lot' }] });
      socket.write(`POST /api/chat HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      await until(async () => harness.sapflow.runtime.runs.liveIds().length === 1);
      const [executionId] = harness.sapflow.runtime.runs.liveIds();
      await until(async () => (await harness.sapflow.runtime.store.getExecution(executionId!, 'local'))?.status === 'cancelled', 20_000);
      // the upstream was torn down with it, as for a client that left
      expect(harness.openai.requests[0]!.aborted).toBe(true);
      socket.destroy();
    } finally {
      await harness.close();
    }
  }, 30_000);
});
