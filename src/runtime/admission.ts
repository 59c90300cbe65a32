import { SapflowError } from '../errors/index.js';
import { once } from './once.js';

/** How many chat turns and workflow runs this process has let in, against its limit (MAX_ACTIVE_TURNS). */
export interface Admission {
  readonly limit: number;
  readonly active: number;
  /**
   * Lets one turn or run in and returns its release (idempotent), or throws `overloaded` at once when the limit is
   * reached: a client told to come back shortly does better than one whose request waits until it times out.
   */
  enter(): () => void;
}

export function createAdmission(limit: number): Admission {
  let active = 0;
  return {
    limit,
    get active() {
      return active;
    },
    enter() {
      if (active >= limit) {
        throw new SapflowError('overloaded', `Sapflow is running as many chat turns and runs as it takes (${limit}); try again shortly`, { retryable: true });
      }
      active += 1;
      return once(() => {
        active -= 1;
      });
    },
  };
}
