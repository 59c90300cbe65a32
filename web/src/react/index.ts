export { WorkflowProgress, type WorkflowProgressProps } from './workflow-progress.js';
export { useWorkflowStatus, type UseWorkflowStatusOptions, type WorkflowStatusResult } from './use-workflow-status.js';
export {
  workflowStatusReducer,
  initialWorkflowStatus,
  type WorkflowStatusState,
  type WorkflowStatusAction,
  type ConnectionState,
} from './workflow-status-reducer.js';
export { retryExecution, type RetryResult } from './retry-execution.js';
export { formatDuration } from './format.js';
export type { ProgressSnapshot, TaskSnapshot, WorkflowEvent, WorkflowStatus, TaskStatus, ErrorInfo } from '../../../src/protocol/index.js';
