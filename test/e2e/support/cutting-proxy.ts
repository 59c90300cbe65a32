import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';

export interface CuttingProxy {
  url: string;
  /** Event-stream requests seen, with the Last-Event-ID each one sent. */
  eventRequests: Array<{ path: string; lastEventId: string | null }>;
  close(): Promise<void>;
}

/**
 * A pass-through proxy in front of the gateway that drops the first `/events` stream like a flaky network:
 * it forwards `framesBeforeCut` whole SSE frames, then half of the next one, then destroys the socket.
 */
export function startCuttingProxy(target: string, framesBeforeCut: number): Promise<CuttingProxy> {
  const eventRequests: CuttingProxy['eventRequests'] = [];
  let cut = false;

  function forward(req: IncomingMessage, res: ServerResponse) {
    const isEvents = /^\/api\/executions\/[^/]+\/events/.test(req.url ?? '');
    if (isEvents) eventRequests.push({ path: req.url!, lastEventId: (req.headers['last-event-id'] as string | undefined) ?? null });
    const upstream = request(new URL(req.url!, target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!isEvents || cut) {
        answer.pipe(res);
        return;
      }
      cut = true;
      let text = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk: string) => {
        text += chunk;
        const frames = text.split('\n\n');
        // count event frames only: a keep-alive comment or a `retry:` field (better-sse's first frame) is not an
        // event the browser applies; a run event carries its seq as `id:`
        const eventEnds = frames.map((frame, i) => (i < frames.length - 1 && /^id:/m.test(frame) ? i : -1)).filter((i) => i >= 0);
        if (eventEnds.length < framesBeforeCut) return;
        const cutAfter = eventEnds[framesBeforeCut - 1]! + 1;
        const whole = frames.slice(0, cutAfter).join('\n\n') + '\n\n';
        const next = frames.slice(cutAfter).join('\n\n');
        // deliver the whole frames, give the browser a moment to read them, then die halfway through the next one
        res.write(whole);
        setTimeout(() => {
          res.write(next.slice(0, Math.ceil(next.length / 2)), () => {
            answer.destroy();
            res.socket?.destroy();
          });
        }, 300);
        answer.removeAllListeners('data');
        answer.removeAllListeners('end');
      });
      answer.on('end', () => res.end(text));
    });
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  }

  const server = createServer(forward);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}`,
        eventRequests,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
