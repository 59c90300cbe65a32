import { describe, expect, it } from 'vitest';
import { parseWorkflowText } from './parse-workflow-text.js';

const EXAMPLE = `
id: legal_intake
name: Legal intake
inputs:
  client_email: { type: string, required: true, description: The client's address }
  max_results: { type: number, default: 20 }
tasks:
  - id: list_recent_emails
    name: List recent emails
    function: list_emails
    parameters: { max_results: "\${max_results}", query: "from:\${client_email}" }
  - id: generate_retainer
    function: generate_retainer_letter
    dependencies: [list_recent_emails]
    condition: "size(list_recent_emails.result) > 0"
    timeout: 20
    retry_count: 1
    parallel_group: finalize
    critical: true
`;

describe('parseWorkflowText', () => {
  it('parses the YAML of the design', () => {
    const definition = parseWorkflowText(EXAMPLE);
    expect(definition.id).toBe('legal_intake');
    expect(definition.name).toBe('Legal intake');
    expect(definition.inputs.max_results).toEqual({ type: 'number', default: 20 });
    expect(definition.tasks[1]).toMatchObject({ timeout: 20, retry_count: 1, parallel_group: 'finalize', critical: true });
    expect(definition.tasks[0]!.parameters).toEqual({ max_results: '${max_results}', query: 'from:${client_email}' });
  });

  it('parses the same definition as JSON', () => {
    const json = JSON.stringify(parseWorkflowText(EXAMPLE));
    expect(parseWorkflowText(json)).toEqual(parseWorkflowText(EXAMPLE));
  });

  it('takes the id from the file name and the name from the id', () => {
    const definition = parseWorkflowText('tasks: [{ id: a, function: f }]', { sourceName: 'flows/client-intake.yaml' });
    expect(definition).toMatchObject({ id: 'client-intake', name: 'client-intake', inputs: {} });
  });

  it('reports YAML syntax errors with the line and column', () => {
    expect(() => parseWorkflowText('id: x\ntasks:\n  - id: a\n    function: [f\n  - id: b\n', { sourceName: 'x.yaml' })).toThrowError(
      expect.objectContaining({
        code: 'invalid_workflow',
        message: expect.stringMatching(/^YAML syntax error in x\.yaml at line \d+, column \d+: \S/),
        details: expect.objectContaining({ line: expect.any(Number), column: expect.any(Number), source: 'x.yaml' }),
      }),
    );
  });

  it('rejects a key given twice', () => {
    expect(() => parseWorkflowText('id: x\nid: y\ntasks: []')).toThrowError(
      expect.objectContaining({ code: 'invalid_workflow', message: 'YAML syntax error at line 2, column 1: Map keys must be unique' }),
    );
  });

  it('rejects an empty document', () => {
    expect(() => parseWorkflowText('')).toThrowError(
      expect.objectContaining({ code: 'invalid_workflow', message: 'Invalid workflow: the definition is empty' }),
    );
  });
});
