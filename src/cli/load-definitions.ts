import type { Config } from '../config.js';
import { SapflowError } from '../errors/index.js';
import { loadToolsAndCatalog } from '../runtime/load-tools-and-catalog.js';
import type { CatalogProblem, WorkflowCatalog } from '../runtime/workflow-catalog.js';
import type { Runs } from '../runtime/run-pipeline.js';
import { workflowAsTool } from '../runtime/workflow-tools.js';
import { createLegalTools, type LegalDatabase } from '../tools/legal/index.js';
import type { ToolRegistry } from '../tools/index.js';

export interface Definitions {
  /** Every tool name a run could call; the tools are for their names and schemas only, never executed here. */
  tools: ToolRegistry;
  catalog: WorkflowCatalog;
  catalogProblems: CatalogProblem[];
}

/**
 * What `validate`, `graph` and `list` check against, without opening a database (PGlite takes seconds to start):
 * the registry `createRuntime` builds, from the same `loadToolsAndCatalog`, with legal tools that cannot query.
 */
export async function loadDefinitions(config: Config): Promise<Definitions> {
  const { tools, catalog, problems, mcp } = await loadToolsAndCatalog(config, createLegalTools({ db: noDatabase }));
  // the servers' tools are listed now, which is all a check needs: their children stop here, nothing is called
  await mcp.close();
  for (const workflow of catalog.list()) tools.register(workflowAsTool(workflow, noRuns));
  return { tools, catalog, catalogProblems: problems };
}

const unavailable = (): never => {
  throw new SapflowError('internal_error', 'This command checks definitions only; it runs nothing');
};
const noDatabase: LegalDatabase = { query: unavailable, exec: unavailable, transaction: unavailable };
// a template's tool calls its runs only when executed, which never happens here
const noRuns = new Proxy({}, { get: () => unavailable }) as Runs;
