import type { Runtime } from '../runtime/create-runtime.js';
import { createAuth } from './auth.js';
import type { AppOptions } from './create-app.js';
import { documentsRoute } from './documents-route.js';
import { executionsRoutes } from './executions-routes.js';
import { monitoringRoute } from './monitoring-route.js';
import { workflowsRoutes } from './workflows-routes.js';

/** Auth from the configuration, and the REST routers (workflows, executions, documents, monitoring). */
export function createRestOptions(runtime: Runtime): AppOptions {
  const auth = createAuth(runtime.config);
  if (auth.mode === 'local') {
    runtime.notices.push('No AUTH_JWT_SECRET or AUTH_JWKS_URL: local mode, every request runs as user "local" (set one to require sign-in).');
  }
  return {
    auth,
    routers: [workflowsRoutes(runtime), executionsRoutes(runtime), documentsRoute(runtime), monitoringRoute(runtime)],
  };
}
