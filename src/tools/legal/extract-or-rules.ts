import type { ZodType } from 'zod';
import { oneLine } from '../../errors/index.js';
import type { ToolContext } from '../tool.js';
import type { LegalDeps } from './legal-deps.js';
import { untilAborted } from './legal-tool.js';

export type Method = 'model' | 'rules';

export interface Extraction<T> {
  method: Method;
  value: T;
  /** Why the model's answer was not used, when it was asked and failed. */
  fallback_reason?: string;
}

/** Long inputs are cut so one huge mailbox cannot blow the model's context. */
const MAX_MODEL_INPUT = 60_000;

/**
 * Asks the model when there is one, else runs the rules. A failed model call falls back to the rules
 * (and says so) so that a flaky endpoint degrades an answer instead of failing a whole intake run.
 */
export async function extractOrRules<T>(
  deps: Pick<LegalDeps, 'extractor'>,
  ctx: Pick<ToolContext, 'signal'>,
  request: { schema: ZodType<T>; instructions: string; input: string; rules: () => T },
): Promise<Extraction<T>> {
  if (deps.extractor) {
    try {
      const input = request.input.length > MAX_MODEL_INPUT ? request.input.slice(0, MAX_MODEL_INPUT) : request.input;
      const answer = await untilAborted(
        deps.extractor(request.schema, request.instructions, input, { signal: ctx.signal }),
        ctx.signal,
      );
      return { method: 'model', value: request.schema.parse(answer) };
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      return { method: 'rules', value: request.rules(), fallback_reason: oneLine(`model call failed: ${message}`, 200) };
    }
  }
  return { method: 'rules', value: request.rules() };
}
