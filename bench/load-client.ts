/**
 * Child process of the load bench: CLIENTS concurrent useChat clients, each sending a turn, reading its UI message
 * stream to the end, and sending the next, for SECONDS. Every connection is a client's own keep-alive connection,
 * as a browser tab holds one. Reports every turn's first byte and duration, and its errors by kind: a refused or
 * timed-out connection, a non-2xx answer, a stream that ended without `data: [DONE]`.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { useChatBody } from './load-scene.js';

const url = new URL(`${process.env.TARGET_URL}/api/chat`);
const clients = Number(process.env.CLIENTS);
const seconds = Number(process.env.SECONDS);
const prefix = process.env.CLIENT_PREFIX ?? 'c';
const TURN_TIMEOUT_MS = 60_000;
const DONE = 'data: [DONE]\n\n';

export interface ClientReport {
  turnsInWindow: number;
  firstByteMs: number[];
  turnMs: number[];
  /** `incomplete`: ended with [DONE] but without the three tool outputs and the answer, or with an error chunk. */
  errors: Record<'refused' | 'timeout' | 'status' | 'noDone' | 'incomplete', number>;
  errorSamples: string[];
}

const report: ClientReport = { turnsInWindow: 0, firstByteMs: [], turnMs: [], errors: { refused: 0, timeout: 0, status: 0, noDone: 0, incomplete: 0 }, errorSamples: [] };
const fail = (kind: keyof ClientReport['errors'], detail: string) => {
  report.errors[kind] += 1;
  if (report.errorSamples.length < 5) report.errorSamples.push(`${kind}: ${detail}`);
};

/** What went wrong in a turn that ended but is not whole: its first error chunk, else its end. */
function whyIncomplete(body: string): string {
  const error = body.split('\n').find((line) => line.includes('"type":"error"') || line.includes('"type":"tool-output-error"'));
  return (error ?? body.slice(-200)).replace(/\n/g, '\\n').slice(0, 400);
}

/** The whole turn came: three tool outputs, the answer's text, a `finish`, no `error` chunk. */
function isComplete(body: string): boolean {
  return body.split('"type":"tool-output-available"').length === 4 && body.includes('"type":"text-delta"') && body.includes('"type":"finish"') && !body.includes('"type":"error"');
}

function turn(agent: Agent, chatId: string, deadline: number): Promise<void> {
  const body = useChatBody(chatId);
  const start = performance.now();
  return new Promise<void>((resolve) => {
    let settled = false;
    const settle = () => {
      settled = true;
      resolve();
    };
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      if (res.statusCode !== 200) {
        fail('status', `${res.statusCode}`);
        res.resume();
        res.once('end', settle);
        return;
      }
      let text = '';
      let first = true;
      res.setEncoding('utf8');
      res.on('data', (piece: string) => {
        if (first) {
          first = false;
          report.firstByteMs.push(performance.now() - start);
        }
        text += piece;
      });
      res.once('end', () => {
        const end = performance.now();
        if (!text.endsWith(DONE)) fail('noDone', text.slice(-60).replace(/\n/g, '\\n'));
        else if (!isComplete(text)) fail('incomplete', whyIncomplete(text));
        else {
          report.turnMs.push(end - start);
          if (end <= deadline) report.turnsInWindow += 1;
        }
        settle();
      });
      res.once('error', (error) => {
        if (!settled) {
          fail('noDone', error.message);
          settle();
        }
      });
    });
    req.setTimeout(TURN_TIMEOUT_MS, () => {
      fail('timeout', `no answer within ${TURN_TIMEOUT_MS} ms`);
      req.destroy();
      settle();
    });
    req.once('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      fail(error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET' ? 'refused' : 'timeout', `${error.code ?? ''} ${error.message}`);
      settle();
    });
    req.end(body);
  });
}

async function client(n: number, agent: Agent, deadline: number): Promise<void> {
  for (let i = 0; performance.now() < deadline; i += 1) await turn(agent, `${prefix}${n}-${i}`, deadline);
  agent.destroy();
}

/**
 * Ramp-up, before the measured window: each client opens its connection (a GET /api/health on it), as a page holds
 * one before its user sends anything. 1000 connections opened at once would otherwise wait in the accept queue of
 * a busy gateway - Node 20's libuv accepts one connection per event-loop pass - and that wait is what the health
 * poll measures, on fresh connections, during the run.
 */
function connect(agent: Agent): Promise<void> {
  return new Promise((resolve) => {
    const req = request(new URL('/api/health', url), { agent }, (res) => {
      res.resume();
      res.once('end', resolve);
    });
    req.setTimeout(TURN_TIMEOUT_MS, () => {
      fail('timeout', 'ramp-up: no connection');
      req.destroy();
      resolve();
    });
    req.once('error', (error) => {
      fail('refused', `ramp-up: ${error.message}`);
      resolve();
    });
    req.end();
  });
}

const agents = Array.from({ length: clients }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
process.once('message', async () => {
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(agents.map((agent, n) => client(n, agent, deadline)));
  process.send?.({ report });
});
await Promise.all(agents.map(connect));
process.send?.({ ready: true });
process.on('disconnect', () => process.exit(0));
