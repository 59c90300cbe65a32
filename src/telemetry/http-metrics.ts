import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** HTTP requests by route pattern and status, and the event streams open to clients. */
export function createHttpMetrics(registry: Registry) {
  const registers = [registry];
  const labelNames = ['method', 'route', 'status'];
  const requests = new Counter({ name: 'sapflow_http_requests_total', help: 'HTTP requests answered, by route pattern (not the raw URL) and status', labelNames, registers });
  const durations = new Histogram({
    name: 'sapflow_http_request_duration_seconds', help: 'Time from a request to the end of its answer (an SSE answer lasts as long as its stream)',
    labelNames, registers, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
  const streams = new Gauge({ name: 'sapflow_active_streams', help: 'Server-sent event streams open to clients', registers });

  return {
    /** `route` is the matched route's pattern or a fixed placeholder, so the label set stays small. */
    observeRequest(method: string, route: string, status: number, seconds: number): void {
      const labels = { method: METHODS.has(method) ? method : 'OTHER', route, status: String(status) };
      requests.inc(labels);
      durations.observe(labels, seconds);
    },
    /** Counts one open stream; call the returned function once when it closes. */
    streamOpened(): () => void {
      streams.inc();
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        streams.dec();
      };
    },
  };
}
