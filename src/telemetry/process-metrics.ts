import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's gauges that end in `_total`: `promtool check metrics` rejects a non-counter with that suffix, and
 * `nodejs_active_handles`, `nodejs_active_requests` and `nodejs_active_resources` (by type) say the same already.
 */
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** prom-client's default process metrics (minus the ones above) and `sapflow_event_loop_delay_seconds`. */
export function registerProcessMetrics(registry: Registry): { stop(): void } {
  collectDefaultMetrics({ register: registry });
  for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);

  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  new Gauge({
    name: 'sapflow_event_loop_delay_seconds',
    help: 'Event-loop delay since the previous scrape (perf_hooks.monitorEventLoopDelay), by statistic',
    labelNames: ['stat'],
    registers: [registry],
    collect() {
      // nothing measured yet (a scrape right after the last one): the figures would be NaN, so say 0
      const seconds = (ns: number) => (Number.isFinite(ns) && delay.count > 0 ? ns / 1e9 : 0);
      this.labels('mean').set(seconds(delay.mean));
      this.labels('p50').set(seconds(delay.percentile(50)));
      this.labels('p99').set(seconds(delay.percentile(99)));
      this.labels('max').set(seconds(delay.max));
      delay.reset();
    },
  });
  return { stop: () => delay.disable() };
}
