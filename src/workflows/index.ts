/** The workflow definition language: schema, loading, expressions, compilation and rendering. */
export type {
  CompiledTask,
  CompiledWorkflow,
  ExpressionContext,
  InputDefinition,
  InputType,
  TaskDefinition,
  WorkflowDefinition,
} from './types.js';
export { workflowSchema } from './workflow-schema.js';
export { parseWorkflowText } from './parse-workflow-text.js';
export { loadWorkflowFile } from './load-workflow-file.js';
export { extractReferences } from './extract-references.js';
export { evaluateExpression, evaluateCondition } from './evaluate-expression.js';
export { resolveParameters } from './resolve-parameters.js';
export { compileWorkflow, type CompileWorkflowOptions } from './compile-workflow.js';
export { resolveInputs, type ResolveInputsOptions } from './resolve-inputs.js';
export { toMermaid } from './to-mermaid.js';
