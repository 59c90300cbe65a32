import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import { postJson, type PostAnswer, type PostJson } from './post-json.js';
import type { Tool, ToolContext } from './tool.js';
import type { HttpToolEntry } from './tools-config-schema.js';

export interface HttpToolOptions {
  /** How the call is sent (default: node:http with keep-alive, post-json.ts). */
  post?: PostJson;
}

/**
 * A tool that lives in another service: POST the arguments as JSON, the 2xx JSON body is the result.
 * Timeout, retries, concurrency and the breaker are carried for the pipeline (src/streams), which enforces them.
 */
export function createHttpTool(
  entry: HttpToolEntry,
  { post = postJson }: HttpToolOptions = {},
): Tool<Record<string, unknown>, unknown> {
  const { url } = entry;
  const headers = toHeaders(entry);

  return {
    name: entry.name,
    description: entry.description,
    parameters: toValidator(entry),
    // sent to the model verbatim: the round trip through zod would lose keywords it does not model
    jsonSchema: entry.parameters,
    timeout: entry.timeout,
    retry_count: entry.retry_count,
    concurrency: entry.concurrency,
    circuit_breaker: entry.circuit_breaker,
    needs_approval: entry.needs_approval,
    async execute(args: Record<string, unknown>, ctx: ToolContext): Promise<unknown> {
      let response: PostAnswer;
      try {
        response = await post(url, { headers: perCall(headers, ctx), body: JSON.stringify(args), signal: ctx.signal });
      } catch (error) {
        // the pipeline aborted us (timeout, cancel): its reason is the story, not a network failure
        if (ctx.signal.aborted) throw error;
        throw new SapflowError('network_error', `POST ${url} failed: ${describe(error)}`, {
          retryable: true,
          cause: error,
        });
      }

      const { text } = response;
      if (response.status < 200 || response.status > 299) {
        const status = response.status;
        const reason = response.statusText || STATUS_CODES[status] || '';
        throw new SapflowError('http_error', `POST ${url} answered ${status} ${reason}`.trim(), {
          details: { status },
          retryable: status === 429 || status >= 500,
        });
      }

      // 204 No Content and friends are a success with nothing to say
      if (text.trim() === '') return null;
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new SapflowError('tool_error', `POST ${url} answered ${response.status} with a body that is not JSON`, {
          cause: error,
        });
      }
    },
  };
}

function toValidator(entry: HttpToolEntry): z.ZodType<Record<string, unknown>> {
  try {
    return z.fromJSONSchema(entry.parameters as z.core.JSONSchema.JSONSchema) as z.ZodType<Record<string, unknown>>;
  } catch (error) {
    throw invalidEntry(entry, 'parameters', `cannot be turned into a validator: ${describe(error)}`, error);
  }
}

function toHeaders(entry: HttpToolEntry): Record<string, string> {
  // through a Headers object, so a configured Content-Type replaces ours instead of being joined to it, and names
  // come out lower-cased
  const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' });
  for (const [name, value] of Object.entries(entry.headers ?? {})) {
    try {
      headers.set(name, value);
    } catch (error) {
      // caught here rather than on every call, where it would pass for a network error
      throw invalidEntry(entry, `headers.${name}`, 'not a valid HTTP header name or value', error);
    }
  }
  return Object.fromEntries(headers);
}

/**
 * The call's key on every attempt (IETF httpapi "Idempotency-Key"), so the service can act once per key; it
 * replaces a configured one, which would be the same for every call and make the service drop real calls. With
 * tracing on, the call's W3C `traceparent` too, so the service's spans join the run's trace.
 */
function perCall(headers: Record<string, string>, ctx: ToolContext): Record<string, string> {
  if (!ctx.idempotencyKey && !ctx.traceparent) return headers;
  const sent = { ...headers };
  if (ctx.idempotencyKey) sent['idempotency-key'] = ctx.idempotencyKey;
  if (ctx.traceparent) sent.traceparent = ctx.traceparent;
  return sent;
}

/** `details.path` and `details.reason` let the config loader put the file and the entry in front. */
function invalidEntry(entry: HttpToolEntry, path: string, reason: string, cause: unknown): SapflowError {
  return new SapflowError('invalid_tools_config', `${entry.name}: ${path}: ${reason}`, {
    details: { tool: entry.name, path, reason },
    cause,
  });
}

/** The socket's code (ECONNREFUSED ...) is the useful part; some errors hide it in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause && cause !== error.message ? `${error.message} (${cause})` : error.message;
}
