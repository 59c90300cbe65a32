import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';
import { SapflowError } from '../errors/index.js';
import type { Runtime } from '../runtime/create-runtime.js';
import { LOCAL_AUTH, type Auth } from './auth.js';
import { chatRoute } from './chat-route.js';
import { healthRoute } from './health-route.js';
import { metricsHandler } from './metrics-route.js';
import { requestMetrics } from './request-metrics.js';
import { errorMiddleware, sendError } from './send-error.js';

const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export interface AppOptions {
  /** Sets `res.locals.user` or answers 401; local mode (user `local`) when absent. */
  auth?: Auth;
  /** Extra routers mounted after the built-in ones (REST API). */
  routers?: RequestHandler[];
  webDist?: string;
}

/** The express app: JSON bodies with a size limit, auth on /api (but health), the routes, metrics, the UI, JSON errors. */
export function createApp(runtime: Runtime, options: AppOptions = {}) {
  const app = express();
  app.disable('x-powered-by');
  const auth = options.auth ?? LOCAL_AUTH;

  // first, so every answer is counted, the ones auth and the body parser refuse too
  if (runtime.metrics) app.use(requestMetrics(runtime.metrics));
  // before the web app's catch-all, which would answer its HTML; outside /api, so it has its own token, not the users'
  app.get('/metrics', metricsHandler(runtime));
  app.use(healthRoute(runtime, auth.mode));
  app.use('/api', auth.middleware);
  // strict: false lets a JSON scalar through to the route's own validation, which says what shape it wanted
  app.use('/api', express.json({ limit: runtime.config.BODY_LIMIT, strict: false }));
  app.use(chatRoute(runtime));
  for (const router of options.routers ?? []) app.use(router);
  app.use('/api', (req, res) => sendError(res, new SapflowError('not_found', `No route ${req.method} ${req.baseUrl}${req.path}`)));

  const webDist = options.webDist ?? WEB_DIST;
  if (existsSync(webDist)) {
    app.use(express.static(webDist, { index: 'index.html' }));
    // client-side routes fall back to the app shell
    app.get(/^\/(?!api\/).*/, (_req, res) => res.sendFile('index.html', { root: webDist }));
  } else {
    app.get('/', (_req, res) => res.type('text/plain').send('Sapflow is running. The web UI is not built: run `npm run build`.\n'));
  }
  app.use(errorMiddleware);
  return app;
}
