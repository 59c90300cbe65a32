import type { Runtime } from '../runtime/create-runtime.js';
import type { AppOptions } from './create-app.js';

/** Auth and the REST routers (workflows, executions, documents). Filled in by the REST API work. */
export async function createRestOptions(_runtime: Runtime): Promise<AppOptions> {
  return {};
}
