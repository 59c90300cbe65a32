import { z } from 'zod';
import { SapflowError } from '../../errors/index.js';
import { defineTool, type Tool, type ToolContext } from '../tool.js';

interface LegalToolSpec<S extends z.ZodType> {
  name: string;
  description: string;
  parameters: S;
  timeout?: number;
  retry_count?: number;
  concurrency?: number;
  run(args: z.output<S>, ctx: ToolContext): Promise<unknown>;
}

/**
 * A tool whose arguments are parsed here as well as by the caller, so defaults hold whoever calls it
 * (the runner, the chat loop, a test) and bad arguments fail as `invalid_arguments`, never as a TypeError.
 */
export function legalTool<S extends z.ZodType>(spec: LegalToolSpec<S>): Tool<z.output<S>> {
  const { run, parameters, ...rest } = spec;
  return defineTool<z.output<S>, unknown>({
    ...rest,
    parameters: parameters as z.ZodType<z.output<S>>,
    async execute(args, ctx) {
      ctx.signal.throwIfAborted();
      const parsed = parameters.safeParse(args ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
        throw new SapflowError('invalid_arguments', `${spec.name}: ${where}${issue?.message ?? 'invalid arguments'}`);
      }
      return run(parsed.data, ctx);
    },
  });
}

/** Waits for `promise` unless `signal` aborts first; the losing promise is left to settle on its own. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function cancelled(): SapflowError {
  return new SapflowError('cancelled', 'The operation was cancelled');
}

/** An optional text field that also takes `null` and `""`, as interpolated workflow values often are. */
export const optionalText = (description: string) => z.string().nullish().describe(description);

/** `""`, whitespace and null mean "not given". */
export function given(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** One name or a list of them (a model or an interpolated workflow value may give either). */
export const optionalNames = (description: string) =>
  z.union([z.string(), z.array(z.string().nullable())]).nullish().describe(description);

/** The names an `optionalNames` field gives, trimmed, blanks left out. */
export function givenNames(value: string | (string | null)[] | null | undefined): string[] {
  return (typeof value === 'string' ? [value] : (value ?? [])).flatMap((name) => given(name) ?? []);
}
