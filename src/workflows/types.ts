/**
 * The workflow language's shapes. The zod schema in `schema.ts` produces `WorkflowDefinition`;
 * `compileWorkflow` checks it against the tools and produces `CompiledWorkflow`, which the runner consumes.
 */
/** `any`: any JSON value but null - what an input inferred from a reference (the original design's format) takes. */
export type InputType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'any';

export interface InputDefinition {
  type: InputType;
  required?: boolean;
  default?: unknown;
  description?: string;
  enum?: unknown[];
}

export interface TaskDefinition {
  id: string;
  name?: string;
  /** A tool name. */
  function: string;
  parameters?: Record<string, unknown>;
  dependencies?: string[];
  condition?: string;
  /** Seconds. */
  timeout?: number;
  retry_count?: number;
  parallel_group?: string;
  critical?: boolean;
  /** A person approves the task before it runs. */
  approval?: 'required';
  /** Seconds (the YAML may say "30m"): a task nobody decided on by then is denied. */
  approval_timeout?: number;
}

export interface WorkflowDefinition {
  id: string;
  name: string;
  description?: string;
  inputs: Record<string, InputDefinition>;
  tasks: TaskDefinition[];
}

export interface CompiledTask {
  id: string;
  name: string;
  function: string;
  parameters: Record<string, unknown>;
  /** Explicit dependencies plus every task referenced by `parameters` or `condition`, deduplicated. */
  dependencies: string[];
  condition?: string;
  timeout?: number;
  retry_count?: number;
  parallel_group?: string;
  critical: boolean;
  /**
   * `approval: required`, as the YAML says it (the stored definition is compiled again on resume); a task whose tool
   * needs approval is held as well (the runner asks the tool).
   */
  approval?: 'required';
  /** Seconds. */
  approval_timeout?: number;
}

export interface CompiledWorkflow {
  definition: WorkflowDefinition;
  id: string;
  name: string;
  /** In a topological order. */
  tasks: CompiledTask[];
  /** Inputs taken from references in a definition with no `inputs:` block (the original design's format). */
  inferredInputs?: string[];
}

/** What expressions see: inputs by name, and each finished task as `<id>.result|status|error`. */
export type ExpressionContext = Record<string, unknown>;
