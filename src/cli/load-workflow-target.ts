import { stat } from 'node:fs/promises';
import { SapflowError } from '../errors/index.js';
import type { WorkflowCatalog } from '../runtime/workflow-catalog.js';
import { compileWorkflow, loadWorkflowFile, type CompiledWorkflow } from '../workflows/index.js';

/**
 * `run` and `graph` take a workflow file or a template id. An existing file wins; something that looks like a path
 * (a slash or a .yaml/.yml/.json ending) is a file that is missing; anything else is a template id. The catalog
 * is only loaded for a template id.
 */
export async function loadWorkflowTarget(
  target: string,
  { hasTool, catalog: loadCatalog }: { hasTool: (name: string) => boolean; catalog: () => Promise<WorkflowCatalog> },
): Promise<CompiledWorkflow> {
  if ((await isFile(target)) || /[\\/]|\.(ya?ml|json)$/i.test(target)) {
    return compileWorkflow(await loadWorkflowFile(target), { hasTool, sourceName: target });
  }
  const catalog = await loadCatalog();
  const template = catalog.get(target);
  if (template) return template;
  const ids = catalog.list().map((w) => w.id);
  const known = ids.length ? `templates: ${ids.join(', ')}` : 'there are no templates';
  throw new SapflowError('unknown_workflow', `No workflow file or template "${target}" (${known})`);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
