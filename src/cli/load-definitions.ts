import type { Config } from '../config.js';
import { SapflowError } from '../errors/index.js';
import { BUILT_IN_WORKFLOWS_DIR, loadWorkflowCatalog, type CatalogProblem, type WorkflowCatalog } from '../runtime/workflow-catalog.js';
import type { WorkflowRuns } from '../runtime/workflow-runs.js';
import { workflowAsTool } from '../runtime/workflow-tools.js';
import type { Queryable } from '../store/index.js';
import { createLegalTools } from '../tools/legal/index.js';
import { createToolRegistry, loadToolsConfig, type ToolRegistry } from '../tools/index.js';

export interface Definitions {
  /** Every tool name a run could call; the tools are for their names and schemas only, never executed here. */
  tools: ToolRegistry;
  catalog: WorkflowCatalog;
  catalogProblems: CatalogProblem[];
}

/**
 * What `validate`, `graph` and `list` check against, without opening a database (PGlite takes seconds to start):
 * the same registry `createRuntime` builds - built-in legal tools, TOOLS_CONFIG tools, one tool per template.
 * Keep the two in step when the runtime gains a kind of tool.
 */
export async function loadDefinitions(config: Config): Promise<Definitions> {
  const tools = createToolRegistry([
    ...createLegalTools({ db: noDatabase }),
    ...(config.TOOLS_CONFIG ? await loadToolsConfig(config.TOOLS_CONFIG) : []),
  ]);
  const dirs = [BUILT_IN_WORKFLOWS_DIR, ...(config.WORKFLOWS_DIR ? [config.WORKFLOWS_DIR] : [])];
  const { catalog, problems } = await loadWorkflowCatalog(dirs, (name) => tools.has(name));
  for (const workflow of catalog.list()) tools.register(workflowAsTool(workflow, noRuns));
  return { tools, catalog, catalogProblems: problems };
}

const unavailable = (): never => {
  throw new SapflowError('internal_error', 'This command checks definitions only; it runs nothing');
};
const noDatabase: Queryable = { query: unavailable, exec: unavailable };
// a template's tool calls its runs only when executed, which never happens here
const noRuns = new Proxy({}, { get: () => unavailable }) as WorkflowRuns;
