import type { Config } from '../config.js';
import { SapflowError } from '../errors/index.js';
import type { Tool } from '../tools/tool.js';
import { createToolRegistry, loadToolsConfig, type ToolRegistry } from '../tools/index.js';
import { BUILT_IN_WORKFLOWS_DIR, loadWorkflowCatalog, type CatalogProblem, type WorkflowCatalog } from './workflow-catalog.js';

export interface ToolsAndCatalog {
  tools: ToolRegistry;
  catalog: WorkflowCatalog;
  problems: CatalogProblem[];
}

/**
 * The registry before the templates join it - `builtIn`, then TOOLS_CONFIG tools, then `extra` - and the templates
 * checked against it. Shared by `createRuntime` and the CLI's database-free `loadDefinitions`, so the two cannot
 * drift apart; each caller then registers one tool per template with its own `WorkflowRuns`.
 */
export async function loadToolsAndCatalog(config: Config, builtIn: Tool[], extra: Tool[] = []): Promise<ToolsAndCatalog> {
  const tools = createToolRegistry(
    requireApprovals(
      [...builtIn, ...(config.TOOLS_CONFIG ? await loadToolsConfig(config.TOOLS_CONFIG) : []), ...extra],
      config.APPROVAL_REQUIRED_TOOLS,
    ),
  );
  const dirs = [BUILT_IN_WORKFLOWS_DIR, ...(config.WORKFLOWS_DIR ? [config.WORKFLOWS_DIR] : [])];
  const { catalog, problems } = await loadWorkflowCatalog(dirs, (name) => tools.has(name));
  return { tools, catalog, problems };
}

/** APPROVAL_REQUIRED_TOOLS marks tools as needing approval; a name that is no tool stops start-up (a typo would let it run unseen). */
function requireApprovals(tools: Tool[], names: string[]): Tool[] {
  const known = new Set(tools.map((tool) => tool.name));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new SapflowError('invalid_config', `APPROVAL_REQUIRED_TOOLS: no tool named ${unknown.map((n) => JSON.stringify(n)).join(', ')}`);
  }
  const wanted = new Set(names);
  return tools.map((tool) => (wanted.has(tool.name) && !tool.needs_approval ? { ...tool, needs_approval: true } : tool));
}
