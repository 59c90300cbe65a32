/**
 * Every code a client can see, and the HTTP status it maps to. Codes that only ever appear inside
 * a stream (task errors) map to 500 should one ever reach the HTTP edge on its own.
 */
export const ERROR_STATUS = {
  // request and definition problems
  bad_request: 400,
  invalid_body: 400,
  invalid_json: 400,
  invalid_workflow: 400,
  invalid_input: 400,
  missing_input: 400,
  cycle: 400,
  unknown_reference: 400,
  unknown_function: 400,
  duplicate_task_id: 400,
  bad_expression: 400,
  invalid_tools_config: 400,
  invalid_chat_id: 400,
  invalid_config: 500,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_workflow: 404,
  unknown_execution: 404,
  unknown_document: 404,
  unknown_task: 404,
  metrics_disabled: 404,
  conflict: 409,
  task_not_waiting: 409,
  already_decided: 409,
  // chat tool approvals: an approvalId Sapflow did not issue to this user, chat and tool call; one already answered
  approval_invalid: 403,
  approval_used: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  // task and upstream problems
  timeout: 504,
  circuit_open: 503,
  // an MCP server that is down (restarting, unreachable): retryable, and not held against the tool by its breaker
  tool_unavailable: 503,
  http_error: 502,
  network_error: 502,
  tool_error: 500,
  invalid_arguments: 400,
  unknown_tool: 400,
  cancelled: 499,
  /** A task a person (or its approval_timeout) did not approve. */
  denied: 403,
  upstream_error: 502,
  rate_limited: 429,
  store_error: 500,
  redis_unavailable: 503,
  overloaded: 503,
  resume_failed: 500,
  /** A process that lost a run's lease to another tried to log for it (fencing): it stops running the run. */
  lease_lost: 409,
  // `denied` (above) is also a chat tool call the person denied; this one needs approval where none can be asked
  // for (no chat id, store away)
  approval_unavailable: 503,
  internal_error: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function statusForCode(code: string): number {
  return (ERROR_STATUS as Record<string, number>)[code] ?? 500;
}

/**
 * Seconds a client should wait before trying again (`Retry-After`), for the codes where nothing was accepted and
 * trying again shortly may work: Redis away (the run was not queued), the gateway at MAX_ACTIVE_TURNS.
 */
const RETRY_AFTER_SECONDS: Partial<Record<ErrorCode, number>> = { redis_unavailable: 2, overloaded: 1 };

export function retryAfterForCode(code: string): number | undefined {
  return (RETRY_AFTER_SECONDS as Record<string, number | undefined>)[code];
}
