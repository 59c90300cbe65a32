import type { Response } from 'express';
import { LOCAL_USER } from './auth.js';

/** The signed-in user's id, set by the auth middleware (`local` in local mode). */
export function currentUser(res: Response): string {
  return (res.locals.user as string | undefined) ?? LOCAL_USER;
}
