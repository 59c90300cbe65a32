import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { once } from './once.js';

/**
 * How many new chat turns run their model and tool work at once. A turn past the gate waits, in order, with its
 * stream open (its client already has `start`), until a running one ends.
 *
 * Why: past what the CPU can carry, every admitted turn adds callbacks to each pass of the event loop; with 1000
 * turns a pass took 1-2.5 s (`npm run bench load`), so a new client's first byte and `GET /api/health` waited
 * seconds, and every stream held its half-built model request in memory. Waiting in a queue costs a turn the same
 * time, in order, and holds almost nothing.
 *
 * The limit follows the event loop rather than a fixed number, so turns that mostly wait on a slow model are not
 * capped: while the loop's delay stays under `lagMs` and the limit is what holds turns back, it grows each
 * `intervalMs` by an eighth (by a quarter while the delay is under half of `lagMs`); past `lagMs` it shrinks in
 * proportion, by a quarter at most (never under `min`).
 */
export interface TurnGate {
  /** Resolves with the turn's release (idempotent) once it may run; first come, first served. */
  enter(): Promise<() => void>;
  readonly running: number;
  /** Turns waiting for a slot (sapflow_queue_depth{queue="chat_turns"}). */
  readonly waiting: number;
  readonly limit: number;
  /** Stops sampling the loop and lets every waiting turn run (a stopping process hands them over as usual). */
  close(): void;
}

export interface TurnGateOptions {
  /** Event-loop delay (ms, the worst in each interval) past which the limit shrinks. */
  lagMs: number;
  initial?: number;
  min?: number;
  max?: number;
  intervalMs?: number;
  /** The worst event-loop delay since the last call, in ms; `monitorEventLoopDelay` by default. */
  sampleLag?: () => number;
}

export function createTurnGate({ lagMs, initial = 32, min = 8, max = Number.MAX_SAFE_INTEGER, intervalMs = 250, sampleLag }: TurnGateOptions): TurnGate {
  const loop = sampleLag ? undefined : loopDelaySampler(intervalMs);
  const sample = sampleLag ?? loop!.sample;
  let limit = Math.min(max, Math.max(min, initial));
  let running = 0;
  const queue: Array<(release: () => void) => void> = [];

  const grant = (): (() => void) => {
    running += 1;
    return once(() => {
      running -= 1;
      drain();
    });
  };
  const drain = () => {
    while (queue.length > 0 && running < limit) queue.shift()!(grant());
  };

  const timer = setInterval(() => {
    const lag = sample();
    // in proportion to how far over it is, by a quarter at most: one GC pause must not halve the throughput
    if (lag > lagMs) limit = Math.max(min, Math.floor(limit * Math.max(0.75, lagMs / lag)));
    // a loop far from its target (a cold start, a burst of new clients) gets there in a few intervals, not dozens
    else if (queue.length > 0 && running >= limit) limit = Math.min(max, limit + Math.max(1, Math.floor(limit / (lag < lagMs / 2 ? 4 : 8))));
    drain();
  }, intervalMs);
  timer.unref();

  return {
    enter() {
      if (queue.length === 0 && running < limit) return Promise.resolve(grant());
      return new Promise((resolve) => queue.push(resolve));
    },
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
    get limit() {
      return limit;
    },
    close() {
      clearInterval(timer);
      loop?.stop();
      limit = Number.MAX_SAFE_INTEGER;
      drain();
    },
  };
}

/**
 * The worst event-loop delay since the last sample: `monitorEventLoopDelay`'s, or this sampler's own lateness when
 * that is worse. Both are needed: resetting the histogram forgets a stretch its timer has not fired after yet (a
 * stretch inside a timer callback, which our interval may follow at once), and our lateness alone misses stretches
 * between two samples.
 */
function loopDelaySampler(intervalMs: number) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let last = performance.now();
  return {
    sample() {
      const now = performance.now();
      const late = now - last - intervalMs;
      last = now;
      const worst = Math.max(late, histogram.max / 1e6);
      histogram.reset();
      return worst;
    },
    stop: () => histogram.disable(),
  };
}
