import type { Request, RequestHandler, Response } from 'express';

/** What the middleware needs of the gateway's metrics (runtime.metrics). */
export interface RequestMetricsSink {
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  streamOpened(): () => void;
}

/** Where `openSse` finds the stream counter of this request (set here, so sse.ts needs no runtime). */
const STREAM_COUNTER = 'sapflow.streamOpened';

/**
 * Counts every answer by its route pattern (`/api/executions/:id`, never the raw URL: one series per id would
 * explode) and status, once, when it finishes or its client goes away.
 */
export function requestMetrics(metrics: RequestMetricsSink): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.locals[STREAM_COUNTER] = metrics.streamOpened;
    let counted = false;
    const count = () => {
      if (counted) return;
      counted = true;
      metrics.observeRequest(req.method, routeOf(req, res), res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    };
    res.once('finish', count);
    res.once('close', count);
    next();
  };
}

/** Starts counting an open event stream on `res`; the returned function stops it (a no-op without metrics). */
export function countStream(res: Response): () => void {
  const opened = res.locals[STREAM_COUNTER] as (() => () => void) | undefined;
  return opened ? opened() : () => {};
}

function routeOf(req: Request, res: Response): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return `${req.baseUrl}${path}`;
  // the web app's catch-all is a RegExp: every client-side route is the app shell
  if (path instanceof RegExp) return '(web app)';
  // no route: the web app's static files, a 404, or an answer given before routing (auth, the body parser)
  if (res.statusCode < 400) return '(static)';
  return res.statusCode === 404 ? '(not found)' : '(no route)';
}
