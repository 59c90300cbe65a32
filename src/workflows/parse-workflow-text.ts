import { parse, YAMLError } from 'yaml';
import { SapflowError } from '../errors/index.js';
import type { WorkflowDefinition } from './types.js';
import { validateDefinition } from './validate-definition.js';

/**
 * Parses a workflow written in YAML or JSON (YAML is a superset of JSON, so one parser serves both)
 * and validates it. `sourceName` (a file name) supplies the default id and appears in errors.
 * Syntax errors are `invalid_workflow` with the line and column in the message.
 */
export function parseWorkflowText(text: string, options: { sourceName?: string } = {}): WorkflowDefinition {
  const { sourceName } = options;
  let raw: unknown;
  try {
    // duplicate keys are errors by default: a second `condition:` must not silently win
    raw = parse(text);
  } catch (error) {
    if (!(error instanceof YAMLError)) throw error;
    const at = error.linePos?.[0];
    const where = at ? ` at line ${at.line}, column ${at.col}` : '';
    const reason = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?\s*$/, '');
    const file = sourceName === undefined ? '' : ` in ${sourceName}`;
    throw new SapflowError('invalid_workflow', `YAML syntax error${file}${where}: ${reason}`, {
      details: { path: '', ...(at ? { line: at.line, column: at.col } : {}), ...(sourceName === undefined ? {} : { source: sourceName }) },
      cause: error,
    });
  }
  return validateDefinition(raw, { sourceName });
}
