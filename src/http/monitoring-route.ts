import { Router } from 'express';
import { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import type { Runtime } from '../runtime/create-runtime.js';
import { currentUser } from './current-user.js';
import { sendError } from './send-error.js';

const MIN_WINDOW_MS = 5 * 60_000;
const MAX_WINDOW_MS = 6 * 3_600_000;

// `window` is a count of minutes or hours (`15m`, `1h`): the page draws one bar per minute, so 5 minutes to 6 hours
const querySchema = z
  .object({
    window: z
      .string()
      .regex(/^[1-9][0-9]{0,3}[mh]$/, 'expected minutes or hours such as 15m or 1h')
      .transform((w) => Number(w.slice(0, -1)) * (w.endsWith('h') ? 3_600_000 : 60_000))
      .refine((ms) => ms >= MIN_WINDOW_MS && ms <= MAX_WINDOW_MS, 'must be between 5m and 6h')
      .optional(),
  })
  .strict();

/** GET /api/monitoring: the Monitoring page's figures for the signed-in user (runtime/monitoring/). */
export function monitoringRoute(runtime: Pick<Runtime, 'monitoring'>): Router {
  const router = Router();
  router.get('/api/monitoring', async (req, res) => {
    try {
      const parsed = querySchema.safeParse(req.query);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const key = issue.code === 'unrecognized_keys' ? issue.keys[0]! : issue.path.map(String).join('.');
        const message = issue.code === 'unrecognized_keys' ? 'is not a parameter of this route (only window)' : issue.message;
        throw new SapflowError('bad_request', `Invalid query.${key}: ${message}`, { details: { path: `query.${key}` } });
      }
      res.set('Cache-Control', 'no-store').json(await runtime.monitoring.snapshot(currentUser(res), parsed.data.window ?? 3_600_000));
    } catch (error) {
      sendError(res, error);
    }
  });
  return router;
}
