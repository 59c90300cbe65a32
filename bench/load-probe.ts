/**
 * Loaded into each gateway process of the load bench (Sapflow, the AI SDK gateway, the floor server) so that all
 * three are measured the same way from inside: the event loop's delay (`monitorEventLoopDelay`), how many HTTP
 * answers are open (`diagnostics_channel`: started, not yet finished or closed) and the heap. The parent asks over IPC.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

export type ProbeRequest = { probe: 'reset' } | { probe: 'sample'; gc?: boolean } | { probe: 'snapshot'; dir: string };
export interface ProbeSample {
  /** Max and p99 event-loop delay since the last reset, ms. */
  loopMaxMs: number;
  loopP99Ms: number;
  openAnswers: number;
  heapUsed: number;
  rss: number;
  /** CPU time of the whole process (every thread: the store's, GC's) since the last reset, ms. */
  cpuMs: number;
}

export function installProbe(): void {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let open = 0;
  let cpuAtReset = process.cpuUsage();
  subscribe('http.server.request.start', (message) => {
    const { response } = message as { response: ServerResponse };
    open += 1;
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      open -= 1;
    };
    response.once('finish', done);
    response.once('close', done);
  });
  process.on('message', (message: ProbeRequest) => {
    if (!message || typeof message !== 'object' || !('probe' in message)) return;
    if (message.probe === 'snapshot') {
      // where an open stream's heap goes (LOAD_PROFILE): compare constructors' counts and sizes
      process.send?.({ snapshot: writeHeapSnapshot(join(message.dir, `heap-${process.pid}-${Date.now()}.heapsnapshot`)) });
      return;
    }
    if (message.probe === 'reset') {
      loop.reset();
      cpuAtReset = process.cpuUsage();
      process.send?.({ reset: true });
      return;
    }
    // a full collection first when asked: live heap, not garbage, is what an open stream costs
    if (message.gc) (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    const sample: ProbeSample = {
      loopMaxMs: loop.max / 1e6,
      loopP99Ms: loop.percentile(99) / 1e6,
      openAnswers: open,
      heapUsed: memory.heapUsed,
      rss: memory.rss,
      cpuMs: cpuMsSince(cpuAtReset),
    };
    process.send?.({ sample });
  });
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}
