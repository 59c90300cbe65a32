import type { Response } from 'express';

/** The signed-in user's id, set by the auth middleware (`local` in local mode). */
export function currentUser(res: Response): string {
  return (res.locals.user as string | undefined) ?? 'local';
}
