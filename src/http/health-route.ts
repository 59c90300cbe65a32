import { Router } from 'express';
import type { Runtime } from '../runtime/create-runtime.js';

/** GET /api/health: open to everyone, so load balancers and operators can see what this gateway runs. */
export function healthRoute(runtime: Runtime, authMode: 'local' | 'jwt'): Router {
  const router = Router();
  router.get('/api/health', async (_req, res) => {
    // single: one process with its own runs; cluster: Redis reachability and what this gateway takes off the queue
    const cluster = runtime.cluster ? await runtime.cluster.health() : { mode: 'single' as const };
    const mcpServers = runtime.mcp.health();
    // Degraded, not down: the gateway still serves (chat turns, tools that need neither), so the answer stays 200 and
    // a load balancer keeps it; what is missing is said, for people and monitors
    const degraded = [
      ...('redis' in cluster && !cluster.redis.reachable ? ['Redis is unreachable: new workflow runs are refused (redis_unavailable)'] : []),
      ...mcpServers.filter((m) => m.status !== 'ready' && m.status !== 'closed' && m.error).map((m) => `MCP server ${m.name} is ${m.status}: its tools answer tool_unavailable`),
    ];
    res.json({
      status: degraded.length > 0 ? 'degraded' : 'ok',
      ...(degraded.length > 0 ? { degraded } : {}),
      ...cluster,
      model: runtime.model.kind,
      auth: authMode,
      database: runtime.db.kind,
      tools: runtime.tools.list().map((t) => t.name),
      // each TOOLS_CONFIG MCP server: ready / connecting / down, how many tools it gave, why it is not up
      mcpServers,
      workflows: runtime.catalog.list().map((w) => w.id),
      ...(runtime.catalogProblems.length ? { workflowProblems: runtime.catalogProblems } : {}),
    });
  });
  return router;
}
