import { Router } from 'express';
import type { Runtime } from '../runtime/create-runtime.js';

/** GET /api/health: open to everyone, so load balancers and operators can see what this gateway runs. */
export function healthRoute(runtime: Runtime, authMode: 'local' | 'jwt'): Router {
  const router = Router();
  router.get('/api/health', async (_req, res) => {
    // single: one process with its own runs; cluster: Redis reachability and what this gateway takes off the queue
    const cluster = runtime.cluster ? await runtime.cluster.health() : { mode: 'single' as const };
    res.json({
      status: 'ok',
      ...cluster,
      model: runtime.model.kind,
      auth: authMode,
      database: runtime.db.kind,
      tools: runtime.tools.list().map((t) => t.name),
      // each TOOLS_CONFIG MCP server: ready / connecting / down, how many tools it gave, why it is not up
      mcpServers: runtime.mcp.health(),
      workflows: runtime.catalog.list().map((w) => w.id),
      ...(runtime.catalogProblems.length ? { workflowProblems: runtime.catalogProblems } : {}),
    });
  });
  return router;
}
