import { readFile } from 'node:fs/promises';
import { SapflowError } from '../errors/index.js';
import { parseWorkflowText } from './parse-workflow-text.js';
import type { WorkflowDefinition } from './types.js';

/**
 * Reads and validates a workflow file (`.yaml`, `.yml` or `.json`); its id defaults to the file
 * name. A missing file is `not_found`; an unreadable or invalid one is `invalid_workflow`.
 */
export async function loadWorkflowFile(path: string): Promise<WorkflowDefinition> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SapflowError('not_found', `Workflow file not found: ${path}`, { details: { path: '', source: path }, cause: error });
    throw new SapflowError('invalid_workflow', `Cannot read workflow file ${path}: ${code ?? 'unknown error'}`, {
      details: { path: '', source: path },
      cause: error,
    });
  }
  return parseWorkflowText(text, { sourceName: path });
}
