import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse, toSseFrame } from '../src/http/sse.js';
import { UI_MESSAGE_STREAM_HEADERS } from '../src/http/chat-route.js';
import { readRaw, readWithAiClient, userMessage } from './support/chat-client.js';

/**
 * The keep-alive of /api/chat's SSE answer. The route keeps the 15 s default, too long for a test, so `openSse`
 * itself is driven over a real socket with a short interval, and the ai client is shown to ignore the comments.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const closes: string[] = [];

let server: Server;
let url = '';
beforeAll(async () => {
  const app = express();
  app.post('/idle', async (_req, res) => {
    const sse = openSse(res, { keepAliveMs: 40 });
    sse.write(toSseFrame({ data: { n: 1 } }));
    await sleep(190);
    sse.write(toSseFrame({ data: { n: 2 } }));
    sse.end();
  });
  app.post('/busy', async (_req, res) => {
    const sse = openSse(res, { keepAliveMs: 40 });
    for (let n = 0; n < 8; n += 1) {
      sse.write(toSseFrame({ data: { n } }));
      await sleep(20);
    }
    sse.end();
  });
  app.post('/leave', (_req, res) => {
    openSse(res, { keepAliveMs: 40, onClose: () => closes.push('client left') });
  });
  app.post('/end', (_req, res) => {
    const sse = openSse(res, { onClose: () => closes.push('after our own end') });
    sse.end();
  });
  // a UI message stream with idle gaps, as /api/chat sends while tools run
  app.post('/api/chat', async (_req, res) => {
    const sse = openSse(res, { keepAliveMs: 30, headers: UI_MESSAGE_STREAM_HEADERS });
    const send = (chunk: unknown) => sse.write(toSseFrame({ data: chunk }));
    send({ type: 'start', messageId: 'm1' });
    send({ type: 'start-step' });
    await sleep(100);
    send({ type: 'text-start', id: 't1' });
    send({ type: 'text-delta', id: 't1', delta: 'after a pause' });
    await sleep(100);
    send({ type: 'text-end', id: 't1' });
    send({ type: 'finish-step' });
    send({ type: 'finish', finishReason: 'stop' });
    sse.write(toSseFrame({ data: '[DONE]' }));
    sse.end();
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (path: string, signal?: AbortSignal) => fetch(`${url}${path}`, { method: 'POST', signal });

describe('SSE keep-alive', () => {
  it('sends a comment whenever nothing else was sent for the interval', async () => {
    const raw = await readRaw(await post('/idle'));
    expect(raw.headers.get('content-type')).toBe('text/event-stream');
    expect(raw.headers.get('x-accel-buffering')).toBe('no');
    const texts = raw.frames.map((f) => f.text);
    expect(texts[0]).toBe('data: {"n":1}');
    expect(texts.at(-1)).toBe('data: {"n":2}');
    const comments = texts.filter((t) => t === ': keep-alive');
    // 190 ms of silence at 40 ms: four, give or take a timer
    expect(comments.length).toBeGreaterThanOrEqual(3);
    expect(comments.length).toBeLessThanOrEqual(5);
    expect(texts.slice(1, -1).every((t) => t === ': keep-alive')).toBe(true);
  });

  it('sends none while frames keep flowing', async () => {
    const raw = await readRaw(await post('/busy'));
    expect(raw.frames.map((f) => f.text)).not.toContain(': keep-alive');
    expect(raw.frames).toHaveLength(8);
  });

  it('calls onClose when the client goes away, not when the answer ends normally', async () => {
    await readRaw(await post('/end'));
    const controller = new AbortController();
    const response = await post('/leave', controller.signal);
    const reading = readRaw(response).catch(() => undefined);
    await sleep(60);
    controller.abort();
    await reading;
    await sleep(20);
    expect(closes).toEqual(['client left']);
  });

  it('is ignored by the ai client (7 and 5)', async () => {
    const raw = await readRaw(await post('/api/chat'));
    expect(raw.frames.filter((f) => f.text === ': keep-alive').length).toBeGreaterThanOrEqual(4);
    for (const version of [7, 5] as const) {
      const { message } = await readWithAiClient(url, [userMessage('hi')], { version });
      expect(message?.parts.filter((p) => p.type === 'text')).toEqual([expect.objectContaining({ text: 'after a pause' })]);
    }
  });
});
