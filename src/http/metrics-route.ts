import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SapflowError, statusForCode } from '../errors/index.js';

/** What GET /metrics needs of a process: its metrics (undefined when telemetry is off) and the token, if any. */
export interface MetricsSource {
  metrics?: { contentType: string; render(): Promise<string> };
  config: { METRICS_TOKEN?: string };
}

/**
 * `GET /metrics` in the Prometheus text format, for the gateway (mounted by createApp) and the worker's own HTTP
 * server alike: written against node's http types only, so it needs no express. Behind `Authorization: Bearer
 * <METRICS_TOKEN>` when that is set; 404 `metrics_disabled` when WORKFLOW_ENABLE_TELEMETRY is false.
 */
export function metricsHandler(source: MetricsSource): (req: IncomingMessage, res: ServerResponse) => void {
  const token = source.config.METRICS_TOKEN;
  const expected = token === undefined ? undefined : digest(token);
  return (req, res) => {
    const { metrics } = source;
    if (!metrics) return sendJsonError(res, new SapflowError('metrics_disabled', 'Metrics are off on this process (WORKFLOW_ENABLE_TELEMETRY=false)'));
    if (expected && !bearerMatches(req.headers.authorization, expected)) {
      res.setHeader('www-authenticate', 'Bearer realm="metrics"');
      return sendJsonError(res, new SapflowError('unauthorized', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>'));
    }
    metrics.render().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        console.error('[sapflow] GET /metrics failed:', error);
        sendJsonError(res, new SapflowError('internal_error', 'The metrics could not be collected; the error was logged'));
      },
    );
  };
}

// both sides hashed first, so the comparison takes the same time whatever the token's length
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return !!match && timingSafeEqual(digest(match[1]!), expected);
}

function sendJsonError(res: ServerResponse, error: SapflowError): void {
  res.writeHead(statusForCode(error.code), { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: error.toJSON() }));
}
