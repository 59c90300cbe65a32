import type { ErrorInfo, MonitoringSnapshot, WorkflowStatus } from '../../../src/protocol/index.js';

export interface InputSpec {
  type?: string;
  required?: boolean;
  default?: unknown;
  description?: string;
  enum?: unknown[];
}
export interface WorkflowSummary {
  id: string;
  name: string;
  description?: string;
  inputs: Record<string, InputSpec>;
}
export interface WorkflowDefinitionTask {
  id: string;
  name?: string;
  function: string;
  dependencies?: string[];
  condition?: string;
  parallel_group?: string;
  critical?: boolean;
}
export interface WorkflowDefinition extends WorkflowSummary {
  tasks: WorkflowDefinitionTask[];
}
/** An execution as `GET /api/executions` lists it (`input` only on `GET /api/executions/:id`). */
export interface ExecutionSummary {
  id: string;
  workflowId: string;
  kind: 'workflow' | 'chat';
  /** `pending` until the run's `workflow-start` is logged. */
  status: 'pending' | WorkflowStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  error?: ErrorInfo;
  lastSeq: number;
  createdAt: string;
  input?: unknown;
}
export interface Health {
  status: string;
  model: 'openai' | 'offline-demo';
  auth: 'local' | 'jwt';
  database: string;
  tools: string[];
  /** TOOLS_CONFIG's MCP servers; their tools are in `tools` as `<server>__<tool>`. */
  mcpServers?: McpServerHealth[];
  workflows: string[];
  workflowProblems?: unknown[];
}
export interface McpServerHealth {
  name: string;
  transport: 'stdio' | 'http';
  status: 'connecting' | 'ready' | 'down' | 'closed';
  tools: number;
  restarts: number;
  error?: string;
}

export class GatewayError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

const tokenKey = 'sapflow.token';

/** A bearer token for gateways in JWT mode, kept in this browser only. */
export function getToken(): string {
  try {
    return localStorage.getItem(tokenKey) ?? '';
  } catch {
    return '';
  }
}
export function setToken(token: string): void {
  if (token) localStorage.setItem(tokenKey, token);
  else localStorage.removeItem(tokenKey);
}
export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: { Accept: 'application/json', ...authHeaders(), ...(init.headers as Record<string, string>) },
    });
  } catch {
    throw new GatewayError('unreachable', 'Cannot reach the Sapflow gateway', 0);
  }
  const body = (await response.json().catch(() => null)) as (T & { error?: ErrorInfo }) | null;
  if (!response.ok) {
    const error = body?.error;
    throw new GatewayError(error?.code ?? 'http_error', error?.message ?? `The gateway answered ${response.status}`, response.status);
  }
  return body as T;
}

const post = (body?: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...headers },
  body: body === undefined ? undefined : JSON.stringify(body),
});

export const gateway = {
  health: () => request<Health>('/api/health'),
  workflows: () => request<{ workflows: WorkflowSummary[] }>('/api/workflows').then((body) => body.workflows),
  workflow: (id: string) => request<WorkflowDefinition>(`/api/workflows/${encodeURIComponent(id)}`),
  execute: (workflowId: string, parameters: Record<string, unknown>) =>
    request<{ id: string; status: string }>('/api/workflows/execute', post({ workflow_id: workflowId, parameters }, { Prefer: 'respond-async' })),
  executions: (cursor?: string, limit = 25) =>
    request<{ executions: ExecutionSummary[]; nextCursor: string | null }>(
      `/api/executions?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    ),
  execution: (id: string) => request<ExecutionSummary>(`/api/executions/${encodeURIComponent(id)}`),
  cancel: (id: string) => request<unknown>(`/api/executions/${encodeURIComponent(id)}/cancel`, post()),
  /** The run owner's decision on a task that waits for approval. */
  approve: (id: string, taskId: string, approved: boolean, reason?: string) =>
    request<unknown>(`/api/executions/${encodeURIComponent(id)}/tasks/${encodeURIComponent(taskId)}/approval`, post({ approved, ...(reason ? { reason } : {}) })),
  /** The Monitoring page's figures over the last `window` (`1h`, `15m`...). */
  monitoring: (window = '1h') => request<MonitoringSnapshot>(`/api/monitoring?window=${encodeURIComponent(window)}`),
};
