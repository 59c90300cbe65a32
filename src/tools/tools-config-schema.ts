import { z } from 'zod';
import { TOOL_NAME_PATTERN } from './tool-registry.js';

/** One HTTP tool as written in the `TOOLS_CONFIG` file (after `${env.X}` substitution). */
export const httpToolEntrySchema = z.strictObject({
  name: z.string().regex(TOOL_NAME_PATTERN, 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -'),
  description: z.string().min(1, 'must not be empty'),
  // a JSON Schema is open-ended, so only its root is checked here; z.fromJSONSchema judges the rest
  parameters: z.looseObject({
    type: z.literal('object', 'must be a JSON Schema with type: object (the arguments object)'),
  }),
  url: z.url({ protocol: /^https?$/, error: 'Invalid URL' }),
  headers: z.record(z.string(), z.string('must be a string (quote it)')).optional(),
  timeout: z.number().positive('must be a positive number of seconds').optional(),
  retry_count: z.number().int('must be a whole number >= 0').nonnegative('must be a whole number >= 0').optional(),
  concurrency: z.number().int('must be a whole number >= 1').positive('must be a whole number >= 1').optional(),
  needs_approval: z.boolean('must be true or false').optional(),
  circuit_breaker: z
    .strictObject({
      failure_threshold: z.number().int('must be a whole number >= 1').positive('must be a whole number >= 1').optional(),
      reset_timeout: z.number().positive('must be a positive number of seconds').optional(),
    })
    .optional(),
});

export type HttpToolEntry = z.infer<typeof httpToolEntrySchema>;

/**
 * An MCP server's name: its tools are registered as `<name>__<tool>`, so `__` is the separator and may not appear
 * in it; 32 characters leave room for the tool's own name within OpenAI's 64.
 */
export const MCP_SERVER_NAME_PATTERN = /^[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*$/;

const positiveSeconds = z.number().positive('must be a positive number of seconds');
const wholeAtLeastOne = z.number().int('must be a whole number >= 1').positive('must be a whole number >= 1');

/** One MCP server as written under `mcp_servers:` (after `${env.X}` substitution): stdio (`command`) or Streamable HTTP (`url`). */
export const mcpServerEntrySchema = z
  .strictObject({
    name: z
      .string()
      .max(32, 'must be at most 32 characters')
      .regex(MCP_SERVER_NAME_PATTERN, 'must be characters of A-Z, a-z, 0-9, - or single _ between them (no "__", its tools are named <server>__<tool>)'),
    command: z.string().min(1, 'must not be empty').optional(),
    args: z.array(z.string('must be a string (quote it)')).optional(),
    env: z.record(z.string(), z.string('must be a string (quote it)')).optional(),
    cwd: z.string().min(1, 'must not be empty').optional(),
    url: z.url({ protocol: /^https?$/, error: 'Invalid URL' }).optional(),
    headers: z.record(z.string(), z.string('must be a string (quote it)')).optional(),
    timeout: positiveSeconds.optional(),
    retry_count: z.number().int('must be a whole number >= 0').nonnegative('must be a whole number >= 0').optional(),
    concurrency: wholeAtLeastOne.optional(),
    needs_approval: z.boolean('must be true or false').optional(),
    circuit_breaker: z
      .strictObject({ failure_threshold: wholeAtLeastOne.optional(), reset_timeout: positiveSeconds.optional() })
      .optional(),
    /** Per tool of the server, by the name the server lists it under: what differs from the server's settings. */
    tools: z.record(z.string(), z.strictObject({ needs_approval: z.boolean('must be true or false').optional() })).optional(),
  })
  .superRefine((entry, ctx) => {
    if (entry.command === undefined && entry.url === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs either command (a stdio server) or url (Streamable HTTP)' });
    } else if (entry.command !== undefined && entry.url !== undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'has both command and url: a server is either stdio (command) or Streamable HTTP (url)' });
    }
    const stdioOnly = (['args', 'env', 'cwd'] as const).filter((key) => entry[key] !== undefined);
    if (entry.url !== undefined && stdioOnly.length > 0) {
      ctx.addIssue({ code: 'custom', path: [stdioOnly[0]!], message: 'is for stdio servers (command), not url ones' });
    }
    if (entry.command !== undefined && entry.headers !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['headers'], message: 'is for Streamable HTTP servers (url), not command ones' });
    }
  });

export type McpServerEntry = z.infer<typeof mcpServerEntrySchema>;
