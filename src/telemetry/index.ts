/** Metrics of the gateway (prom-client), fed from run events and the HTTP adapter. */
export { createGatewayMetrics, type GatewayMetrics } from './gateway-metrics.js';
export type { RunKind, RunMeta, RunObserver } from './run-metrics.js';
export type { QueueDepthSource } from './queue-depth.js';
