import { Registry } from 'prom-client';
import { createHttpMetrics } from './http-metrics.js';
import { registerProcessMetrics } from './process-metrics.js';
import { createQueueDepth } from './queue-depth.js';
import { createRunMetrics } from './run-metrics.js';

/**
 * One process's metrics on a registry of its own (not prom-client's global one), so tests and several gateways in
 * one process do not share counters. Runs are counted from their events, HTTP from the express adapter.
 */
export function createGatewayMetrics() {
  const registry = new Registry();
  const processMetrics = registerProcessMetrics(registry);
  const runs = createRunMetrics(registry);
  const http = createHttpMetrics(registry);
  const queues = createQueueDepth(registry);
  return {
    registry,
    contentType: registry.contentType,
    observeRun: runs.observeRun,
    observeRequest: http.observeRequest,
    streamOpened: http.streamOpened,
    queueDepthSource: queues.queueDepthSource,
    /** The Prometheus text exposition of every metric. */
    render: () => registry.metrics(),
    stop: () => processMetrics.stop(),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
