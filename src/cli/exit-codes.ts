import { SapflowError, statusForCode } from '../errors/index.js';
import type { WorkflowFinishEvent } from '../protocol/index.js';

/** The CLI's exit codes: scripts and CI branch on them, so they are part of its interface. */
export const EXIT = {
  completed: 0,
  /** The run failed or was cancelled, or something went wrong on our side (the store, a bug). */
  failed: 1,
  /** The run finished, but a non-critical task failed. */
  partial: 2,
  /** The run waits for a person's approval (`sapflow approve`); it goes on when someone decides. */
  waiting: 3,
  /** BSD's EX_USAGE: the definition, the inputs, the command line or a config file is wrong. Nothing ran. */
  usage: 64,
} as const;

export function exitCodeForStatus(status: WorkflowFinishEvent['status']): number {
  if (status === 'completed') return EXIT.completed;
  if (status === 'partial') return EXIT.partial;
  return EXIT.failed;
}

/** What the user gave is wrong (4xx codes, a bad environment, a bad command line) -> 64; anything else -> 1. */
export function exitCodeForError(error: SapflowError): number {
  if (error.code === 'usage' || error.code === 'invalid_config') return EXIT.usage;
  const status = statusForCode(error.code);
  return status >= 400 && status < 500 ? EXIT.usage : EXIT.failed;
}
