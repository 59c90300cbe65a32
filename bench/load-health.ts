/**
 * Child process of the load bench: GET /api/health on a fresh connection every 100 ms (no keep-alive: a load
 * balancer's probe), until told to stop. A poll without an answer within 5 s is a miss.
 */
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

const url = new URL(`${process.env.TARGET_URL}/api/health`);
const MISS_MS = 5_000;
const latencies: number[] = [];
let misses = 0;
let inFlight = 0;

function poll(): void {
  const start = performance.now();
  inFlight += 1;
  let done = false;
  const finish = (ok: boolean) => {
    if (done) return;
    done = true;
    inFlight -= 1;
    if (ok) latencies.push(performance.now() - start);
    else misses += 1;
  };
  const req = request(url, { agent: false }, (res) => {
    res.resume();
    res.once('end', () => finish(res.statusCode === 200));
  });
  req.setTimeout(MISS_MS, () => (finish(false), req.destroy()));
  req.once('error', () => finish(false));
  req.end();
}

let timer: NodeJS.Timeout | undefined;
process.on('message', (message: { cmd: string }) => {
  if (message.cmd === 'start') timer = setInterval(poll, 100);
  if (message.cmd === 'stop') {
    clearInterval(timer);
    const wait = setInterval(() => {
      if (inFlight > 0) return;
      clearInterval(wait);
      process.send?.({ health: { latencies, misses } });
    }, 20);
  }
});
process.send?.({ ready: true });
process.on('disconnect', () => process.exit(0));
