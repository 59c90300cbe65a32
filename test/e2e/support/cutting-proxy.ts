import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';

export interface CuttingProxy {
  url: string;
  /** Event-stream requests seen, with the Last-Event-ID each one sent. */
  eventRequests: Array<{ path: string; lastEventId: string | null }>;
  close(): Promise<void>;
}

/**
 * A pass-through proxy in front of the gateway that drops the first `/events` stream like a flaky network:
 * it forwards `framesBeforeCut` whole SSE frames plus half of the next one, then destroys the socket.
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
        if (frames.length <= framesBeforeCut) return;
        const whole = frames.slice(0, framesBeforeCut).join('\n\n') + '\n\n';
        const next = frames[framesBeforeCut]!;
        res.write(whole + next.slice(0, Math.ceil(next.length / 2)), () => {
          answer.destroy();
          res.socket?.destroy();
        });
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
