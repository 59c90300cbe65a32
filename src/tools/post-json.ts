import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** What a tool's service answered: the status line and the whole body as text. */
export interface PostAnswer {
  status: number;
  statusText: string;
  text: string;
  /** The Location header, on a redirect. */
  location?: string;
}

export type PostJson = (url: string, init: { headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<PostAnswer>;

// Connections to a tool's service are kept and reused across calls, as fetch's pool does.
const AGENTS = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

/**
 * One POST with node:http rather than fetch: on this project's 2-core machine fetch cost 0.6-0.8 ms of CPU per call
 * against 0.2-0.3 ms for node:http (6000 keep-alive calls to a local server, each way), and a run calls its HTTP
 * tools several times: in the cluster bench that was ~1 ms of a worker's ~13 ms per run. Rejects with the socket's
 * error (ECONNREFUSED, ECONNRESET...) or, once `signal` is aborted, with an AbortError.
 */
export const postJson: PostJson = async (url, init) => {
  let target = url;
  for (let attempt = 1, hops = 0; ; attempt++) {
    try {
      const answer = await postOnce(target, init);
      // 307/308 keep the method and the body, and are followed as fetch follows them, but only on the same origin:
      // the configured headers (Authorization) are not for another host. 301/302/303 would turn the call into a GET
      // without its arguments, so those stay the service's answer (an http_error that names the status)
      const next = redirectTarget(answer, target);
      if (!next || hops >= MAX_REDIRECTS) return answer;
      target = next;
      hops++;
      attempt = 0; // a new address: its own stale-connection retries
    } catch (error) {
      // A kept connection the service closed as it was being reused (its keep-alive ran out in between) fails before
      // any answer; the call goes again on another connection, as Node's docs advise. Only then: anything else is
      // the call's own failure, for the pipeline's retry policy. The Idempotency-Key goes with it, unchanged.
      const stale = (error as { staleSocket?: boolean }).staleSocket === true;
      if (!stale || init.signal.aborted || attempt >= MAX_SENDS) throw error;
    }
  }
};

/** Sends of one call at most, each after the last found its kept connection closed. */
const MAX_SENDS = 3;
/** Redirects (307/308) followed at most, as fetch does (20 there; a tool's service needs few). */
const MAX_REDIRECTS = 5;

function redirectTarget({ status, location }: PostAnswer, from: string): string | undefined {
  if ((status !== 307 && status !== 308) || !location) return undefined;
  const next = new URL(location, from);
  return next.origin === new URL(from).origin ? next.href : undefined;
}

function postOnce(url: string, { headers, body, signal }: Parameters<PostJson>[1]): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const agent = target.protocol === 'https:' ? AGENTS['https:'] : AGENTS['http:'];
    let answered = false;
    const req = send(target, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent, signal }, (res) => {
      answered = true;
      res.setEncoding('utf8');
      let text = '';
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', text, location: res.headers.location }));
      res.on('error', reject);
      // the service went away halfway through its answer
      res.on('close', () => {
        if (!res.complete) reject(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' }));
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered && req.reusedSocket && error.code === 'ECONNRESET') Object.assign(error, { staleSocket: true });
      reject(error);
    });
    req.end(body);
  });
}
