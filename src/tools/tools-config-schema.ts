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
