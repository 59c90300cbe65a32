import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { finalize, Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../store/index.js';
import { openRunSession } from './open-session.js';
import { createRunChannels } from './run-channels.js';

/** Reads an SSE answer's events (id and type) as they come. */
async function* frames(response: Response): AsyncGenerator<{ id?: string; event?: string }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]));
      if ('data' in fields) yield { id: fields.id, event: fields.event };
    }
  }
}

const event = (seq: number, type = 'task-complete'): StoredEvent<{ type: string }> => ({ seq, event: { type } });

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

describe('run channels (better-sse): one subscription per run, every follower from its own seq', () => {
  it('broadcasts one subscription to every session; a late one catches up from the log, each seq once, in order', async () => {
    const live = new Subject<StoredEvent<{ type: string }>>();
    const log: StoredEvent<{ type: string }>[] = [];
    const follows: number[] = [];
    let unsubscribed = false;
    const channels = createRunChannels({
      follow: (_id, _user, afterSeq) => {
        follows.push(afterSeq);
        return live.pipe(finalize(() => (unsubscribed = true)));
      },
      readAfter: async (_id, _user, afterSeq) => log.filter((e) => e.seq > afterSeq),
    });
    const app = express();
    app.get('/events', async (req, res) => {
      const opened = await openRunSession(req, res);
      if (opened) channels.join('x1', 'u1', Number(req.get('last-event-id') ?? 0), opened.session as never, opened.end);
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
    const publish = (seq: number, type?: string) => {
      log.push(event(seq, type));
      live.next(event(seq, type));
    };

    const a = frames(await fetch(url));
    publish(1);
    publish(2);
    expect((await a.next()).value).toEqual({ id: '1', event: 'task-complete' });
    expect((await a.next()).value).toEqual({ id: '2', event: 'task-complete' });

    // the log is ahead of the channel (3 is durable, not yet broadcast) when b joins from after 1
    log.push(event(3));
    const b = frames(await fetch(url, { headers: { 'last-event-id': '1' } }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    live.next(event(3));
    publish(4);
    publish(5, 'workflow-finish');
    live.complete();

    const rest = async (it: AsyncGenerator<{ id?: string }>) => {
      const ids: string[] = [];
      for await (const f of it) ids.push(f.id!);
      return ids;
    };
    expect(await rest(a)).toEqual(['3', '4', '5']);
    expect(await rest(b)).toEqual(['2', '3', '4', '5']);
    expect(follows).toEqual([0]);
    expect(unsubscribed).toBe(true);
  });

  it('lets the run go on when one follower leaves, and drops the subscription when the last one does', async () => {
    const live = new Subject<StoredEvent<{ type: string }>>();
    const channels = createRunChannels({ follow: () => live, readAfter: async () => [] });
    const app = express();
    app.get('/events', async (req, res) => {
      const opened = await openRunSession(req, res);
      if (opened) channels.join('x1', 'u1', 0, opened.session as never, opened.end);
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
    const leaving = new AbortController();
    const a = frames(await fetch(url, { signal: leaving.signal }));
    const staying = new AbortController();
    const b = frames(await fetch(url, { signal: staying.signal }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    live.next(event(1));
    expect((await a.next()).value?.id).toBe('1');
    expect((await b.next()).value?.id).toBe('1');
    leaving.abort();
    await a.return(undefined).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(live.observed).toBe(true);
    live.next(event(2));
    expect((await b.next()).value?.id).toBe('2');
    staying.abort();
    await b.return(undefined).catch(() => undefined);
    await expect.poll(() => live.observed).toBe(false);
  });
});
