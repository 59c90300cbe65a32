import type { MonitoringSnapshot } from '../../protocol/index.js';
import type { ExecutionStore } from '../../store/index.js';
import type { BreakerRegistry } from '../../streams/index.js';
import { ALERT_THRESHOLDS, evaluateAlerts } from './monitoring-alerts.js';
import { createQueueSampler, type QueueDepthSource, type QueueSamplerOptions } from './queue-sampler.js';
import { toFigures, toRunSeries } from './run-series.js';

export interface Monitoring {
  /** The user's runs over the last `windowMs` from the log, and this process's queues and breakers now. */
  snapshot(userId: string, windowMs: number): Promise<MonitoringSnapshot>;
  /** Adds a queue to the depth samples (cluster mode: `runs`, the BullMQ waiting count). */
  queueSource(queue: string, read: QueueDepthSource): () => void;
  stop(): void;
}

export interface MonitoringDeps {
  store: Pick<ExecutionStore, 'runStats'>;
  breakers: Pick<BreakerRegistry, 'states'>;
  now?: () => number;
  sampler?: QueueSamplerOptions;
}

/**
 * The Monitoring page's figures. Runs come from the store, so they are the user's whole history whichever process
 * ran them; queue depth and breakers are this process's (the page says so), sampled here (queue-sampler.ts).
 */
export function createMonitoring({ store, breakers, now = Date.now, sampler: samplerOptions }: MonitoringDeps): Monitoring {
  const sampler = createQueueSampler({ ...samplerOptions, now });
  return {
    async snapshot(userId, windowMs) {
      const until = now();
      const since = until - windowMs;
      const recentSince = until - ALERT_THRESHOLDS.recentMs;
      // the alerts' 5 minutes are their own query: the window's minute buckets start on whole minutes
      const [window, recent] = await Promise.all([
        store.runStats(userId, { since: new Date(since), until: new Date(until) }),
        store.runStats(userId, { since: new Date(recentSince), until: new Date(until) }),
      ]);
      const breakerList = Object.entries(breakers.states())
        .map(([tool, state]) => ({ tool, state }))
        .sort((a, b) => a.tool.localeCompare(b.tool));
      const samples = sampler.samples();
      const recentByKind = (kind: 'chat' | 'workflow') => toFigures(recent.groups.find((g) => g.minute === null && g.kind === kind && g.status === null));
      return {
        at: new Date(until).toISOString(),
        windowMs,
        runs: toRunSeries(window.groups, since, until),
        active: window.active,
        queue: {
          now: samples.at(-1)?.depths ?? {},
          samples: samples.filter((s) => s.at >= since).map((s) => ({ at: new Date(s.at).toISOString(), depths: s.depths })),
        },
        breakers: breakerList,
        alerts: evaluateAlerts({ recent: { workflow: recentByKind('workflow'), chat: recentByKind('chat') }, breakers: breakerList, queueSamples: samples, now: until }),
      };
    },
    queueSource: (queue, read) => sampler.source(queue, read),
    stop: () => sampler.stop(),
  };
}
