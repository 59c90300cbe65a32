/**
 * The SSE transport bench (issue 10): what better-sse costs against Sapflow's own `openSse`, both writing through
 * the same backpressure outbox, over real sockets in one process. STREAMS answers open at once, each sent EVENTS
 * events (a run's events: id, event type, JSON data), read to the end by node:http clients. Reports the time to push
 * everything and the live heap per open answer (after a full collection, every answer open, nothing sent yet).
 * `npm run bench sse`.
 */
import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { openRunSession, type RunSession } from '../src/http/open-session.js';
import { openSse, toSseFrame } from '../src/http/sse.js';
import { formatTable } from './engine-table.js';
import { writeResults } from './run.js';

const STREAMS = Number(process.env.SSE_STREAMS ?? 500);
const EVENTS = Number(process.env.SSE_EVENTS ?? 200);
// twice: the first pass frees what finalizers of the previous round let go
const gc = () => {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
};
type Transport = 'openSse' | 'better-sse';

interface Figures { transport: Transport; heapPerStreamKB: number; pushMs: number; eventsPerSecond: number; bytesPerEvent: number }

async function measure(transport: Transport): Promise<Figures> {
  const open: Array<{ push(seq: number): void; end(): void }> = [];
  let ready!: () => void;
  const allOpen = new Promise<void>((resolve) => (ready = resolve));
  const app = express();
  app.get('/events', async (req, res) => {
    if (transport === 'openSse') {
      const sse = openSse(res);
      open.push({ push: (seq) => sse.write(toSseFrame({ id: seq, event: 'task-complete', data: { type: 'task-complete', taskId: `t${seq}`, result: { n: seq } } })), end: () => sse.end() });
    } else {
      const session = (await openRunSession(req, res)) as RunSession;
      open.push({ push: (seq) => session.session.push({ type: 'task-complete', taskId: `t${seq}`, result: { n: seq } }, 'task-complete', String(seq)), end: session.end });
    }
    if (open.length === STREAMS) ready();
  });
  const server: Server = app.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  let bytes = 0;
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  const before = process.memoryUsage().heapUsed;
  const done = Array.from({ length: STREAMS }, () =>
    new Promise<void>((resolve, reject) => {
      request(url, { agent }, (res) => {
        res.on('data', (piece: Buffer) => (bytes += piece.length));
        res.once('end', resolve);
      }).once('error', reject).end();
    }),
  );
  await allOpen;
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  // client and server share this heap: both sides of an open stream are counted, for both transports alike
  const heapPerStreamKB = (process.memoryUsage().heapUsed - before) / STREAMS / 1024;
  bytes = 0;
  const start = performance.now();
  for (let seq = 1; seq <= EVENTS; seq += 1) {
    for (const stream of open) stream.push(seq);
    if (seq % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  for (const stream of open) stream.end();
  await Promise.all(done);
  const pushMs = performance.now() - start;
  server.close();
  return { transport, heapPerStreamKB, pushMs, eventsPerSecond: (STREAMS * EVENTS) / (pushMs / 1000), bytesPerEvent: bytes / (STREAMS * EVENTS) };
}

const results: Figures[] = [];
for (const round of [0, 1]) for (const transport of ['openSse', 'better-sse'] as Transport[]) {
  const figures = await measure(transport);
  if (round === 1) results.push(figures); // the first round warms up
}
console.log(`SSE transports: ${STREAMS} answers open at once, ${EVENTS} events each, read to the end (client and server in one process)`);
console.log(formatTable(['transport', 'heap per open answer', 'push + deliver', 'events/s', 'bytes/event'], results.map((r) => [r.transport, `${r.heapPerStreamKB.toFixed(1)} KB`, `${Math.round(r.pushMs)} ms`, Math.round(r.eventsPerSecond).toString(), r.bytesPerEvent.toFixed(1)])));
await writeResults('sse', { generatedAt: new Date().toISOString(), streams: STREAMS, events: EVENTS, results });
