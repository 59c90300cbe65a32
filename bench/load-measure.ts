import { forkBenchChild, percentile, probe, resetProbe, sleep, type BenchChild } from './load-rig.js';
import type { ClientReport } from './load-client.js';

/** Load generator processes per measurement (their clients split evenly); none of them is the gateway's. */
export const LOAD_PROCESSES = 2;

export interface LoadFigures {
  clients: number;
  seconds: number;
  turns: number;
  turnsPerSecond: number;
  errors: number;
  errorKinds: ClientReport['errors'];
  errorSamples: string[];
  firstByteP50Ms: number;
  firstByteP99Ms: number;
  turnP50Ms: number;
  turnP99Ms: number;
  peakLoopDelayMs: number;
  /** The gateway process's CPU time (all its threads) over the run, per completed turn. */
  cpuPerTurnMs: number;
  /** Live heap (after a full collection, mid-run) over the idle heap, per answer open at that moment. */
  heapPerOpenStreamKB: number;
  openStreamsAtSample: number;
  health?: { polls: number; p50Ms: number; p99Ms: number; maxMs: number; misses: number };
}

/** LOAD_PROFILE=<dir> LOAD_HEAP_SNAPSHOT=1: a heap snapshot at idle and one mid-run, to compare what an open stream holds. */
async function heapSnapshot(child: BenchChild): Promise<void> {
  if (!process.env.LOAD_PROFILE || process.env.LOAD_HEAP_SNAPSHOT !== '1') return;
  const written = child.next('snapshot');
  child.send({ probe: 'snapshot', dir: process.env.LOAD_PROFILE });
  await written;
}

/**
 * One measurement: `clients` useChat clients against `gateway` for `seconds`, from LOAD_PROCESSES processes of their
 * own; optionally the health poll beside them. The heap is sampled once, after a full collection, at 60 % of the run.
 */
export async function measureLoad(
  gateway: { child: BenchChild; url: string },
  clients: number,
  seconds: number,
  { health = false, label = 'c', every }: { health?: boolean; label?: string; every?: { ms: number; run: (elapsedMs: number) => Promise<void> } } = {},
): Promise<LoadFigures> {
  const idle = await probe(gateway.child, true);
  await heapSnapshot(gateway.child);
  await resetProbe(gateway.child);
  const shares = Array.from({ length: LOAD_PROCESSES }, (_, i) => Math.floor(clients / LOAD_PROCESSES) + (i < clients % LOAD_PROCESSES ? 1 : 0)).filter((n) => n > 0);
  const loaders = shares.map((n, i) =>
    forkBenchChild('load-client.ts', { env: { TARGET_URL: gateway.url, CLIENTS: String(n), SECONDS: String(seconds), CLIENT_PREFIX: `${label}${i}-` } }),
  );
  const poller = health ? forkBenchChild('load-health.ts', { env: { TARGET_URL: gateway.url } }) : undefined;
  try {
    await Promise.all([...loaders.map((l) => l.next('ready')), poller?.next('ready')]);
    const reports = Promise.all(loaders.map((l) => l.next<ClientReport>('report')));
    for (const loader of loaders) loader.send({ go: true });
    poller?.send({ cmd: 'start' });
    const startedAt = Date.now();
    let finished = false;
    const all$ = reports.finally(() => (finished = true));
    // the soak's samples, while the clients run
    const ticking = (async () => {
      if (!every) return;
      for (let next = every.ms; !finished; next += every.ms) {
        await Promise.race([sleep(Math.max(0, startedAt + next - Date.now())), all$]);
        if (!finished) await every.run(Date.now() - startedAt);
      }
    })();
    await sleep(seconds * 600);
    const mid = await probe(gateway.child, true);
    await heapSnapshot(gateway.child);
    const all = await all$;
    await ticking;
    const healthResult = poller ? poller.next<{ latencies: number[]; misses: number }>('health') : undefined;
    poller?.send({ cmd: 'stop' });
    const end = await probe(gateway.child);
    const firstByte = all.flatMap((r) => r.firstByteMs);
    const turnMs = all.flatMap((r) => r.turnMs);
    const errorKinds = { refused: 0, timeout: 0, status: 0, noDone: 0, incomplete: 0 };
    for (const r of all) for (const [k, v] of Object.entries(r.errors)) errorKinds[k as keyof typeof errorKinds] += v;
    const turns = all.reduce((n, r) => n + r.turnsInWindow, 0);
    const polled = await healthResult;
    return {
      clients,
      seconds,
      turns,
      turnsPerSecond: turns / seconds,
      errors: Object.values(errorKinds).reduce((a, b) => a + b, 0),
      errorKinds,
      errorSamples: all.flatMap((r) => r.errorSamples).slice(0, 5),
      firstByteP50Ms: percentile(firstByte, 50),
      firstByteP99Ms: percentile(firstByte, 99),
      turnP50Ms: percentile(turnMs, 50),
      turnP99Ms: percentile(turnMs, 99),
      peakLoopDelayMs: end.loopMaxMs,
      cpuPerTurnMs: turnMs.length > 0 ? end.cpuMs / turnMs.length : NaN,
      heapPerOpenStreamKB: mid.openAnswers > 0 ? (mid.heapUsed - idle.heapUsed) / mid.openAnswers / 1024 : NaN,
      openStreamsAtSample: mid.openAnswers,
      ...(polled
        ? {
            health: {
              polls: polled.latencies.length + polled.misses,
              p50Ms: percentile(polled.latencies, 50),
              p99Ms: polled.misses > 0 ? Infinity : percentile(polled.latencies, 99),
              maxMs: Math.max(...polled.latencies),
              misses: polled.misses,
            },
          }
        : {}),
    };
  } finally {
    await Promise.all([...loaders.map((l) => l.stop()), poller?.stop()]);
  }
}
