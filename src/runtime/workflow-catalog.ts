import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toSapflowError } from '../errors/index.js';
import { compileWorkflow, loadWorkflowFile, type CompiledWorkflow } from '../workflows/index.js';

export const BUILT_IN_WORKFLOWS_DIR = fileURLToPath(new URL('../../workflows/', import.meta.url));

export interface CatalogProblem {
  file: string;
  code: string;
  message: string;
  path?: string;
}

export interface WorkflowCatalog {
  list(): CompiledWorkflow[];
  get(id: string): CompiledWorkflow | undefined;
}

/**
 * The templates a user can run: the built-in ones, then those of `WORKFLOWS_DIR` (a user's template replaces a
 * built-in one of the same id). A file that does not load is reported with its path and error; the others load.
 */
export async function loadWorkflowCatalog(
  dirs: string[],
  hasTool: (name: string) => boolean,
): Promise<{ catalog: WorkflowCatalog; problems: CatalogProblem[] }> {
  const byId = new Map<string, CompiledWorkflow>();
  const problems: CatalogProblem[] = [];
  for (const dir of dirs) {
    let files: string[];
    try {
      files = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/i.test(f)).sort();
    } catch (error) {
      problems.push({ file: dir, code: 'not_found', message: `Cannot read workflows folder: ${toSapflowError(error).message}` });
      continue;
    }
    for (const name of files) {
      const file = join(dir, name);
      try {
        const compiled = compileWorkflow(await loadWorkflowFile(file), { hasTool, sourceName: file });
        byId.set(compiled.id, compiled);
      } catch (error) {
        const e = toSapflowError(error, 'invalid_workflow');
        problems.push({ file, code: e.code, message: e.message, ...(typeof e.details?.path === 'string' ? { path: e.details.path } : {}) });
      }
    }
  }
  return {
    catalog: { list: () => [...byId.values()], get: (id) => byId.get(id) },
    problems,
  };
}
