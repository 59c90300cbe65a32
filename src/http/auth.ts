import type { Request, RequestHandler, Response } from 'express';
import type { JWTVerifyGetKey } from 'jose';
import { SapflowError, toSapflowError } from '../errors/index.js';
import { createTokenVerifier, type AuthSettings } from './auth-token-verifier.js';
import { sendError } from './send-error.js';

export const LOCAL_USER = 'local';

export interface Auth {
  mode: 'local' | 'jwt';
  /** Sets `res.locals.user`, or answers 401 with a `WWW-Authenticate: Bearer` challenge. */
  middleware: RequestHandler;
}

/** Local mode: every request is user `local`. */
export const LOCAL_AUTH: Auth = {
  mode: 'local',
  middleware: (_req, res, next) => {
    res.locals.user = LOCAL_USER;
    next();
  },
};

/**
 * Auth for `/api`: bearer JWTs when `AUTH_JWT_SECRET` or `AUTH_JWKS_URL` is set (`sub` is the user), otherwise
 * local mode.
 */
export function createAuth(settings: AuthSettings, options: { jwks?: JWTVerifyGetKey } = {}): Auth {
  const verify = createTokenVerifier(settings, options);
  if (!verify) return LOCAL_AUTH;
  return {
    mode: 'jwt',
    middleware: async (req, res, next) => {
      const token = bearerToken(req);
      if (token instanceof SapflowError) return deny(res, token);
      if (token === undefined) return deny(res, new SapflowError('unauthorized', 'Sign in: this gateway needs an Authorization: Bearer <token> header'));
      let user: string;
      try {
        user = await verify(token);
      } catch (error) {
        return deny(res, error, token);
      }
      res.locals.user = user;
      next();
    },
  };
}

/**
 * The token from `Authorization: Bearer`, or from `?access_token=` on event streams, which EventSource opens without
 * headers. Undefined when there is none; an error when the header is not a bearer one.
 */
function bearerToken(req: Request): string | SapflowError | undefined {
  const header = req.get('authorization');
  if (header !== undefined) {
    const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
    return match ? match[1] : new SapflowError('unauthorized', 'The Authorization header must be "Bearer <token>"');
  }
  const fromQuery = req.query.access_token;
  if (req.method === 'GET' && /\/events\/?$/.test(req.path) && typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  return undefined;
}

function deny(res: Response, error: unknown, token?: string): void {
  const e = toSapflowError(error);
  if (e.code === 'unauthorized') {
    // RFC 6750: a request without credentials gets the bare challenge, a bad token also says why
    res.set('WWW-Authenticate', token === undefined ? 'Bearer realm="sapflow"' : `Bearer realm="sapflow", error="invalid_token", error_description="${e.message.replace(/"/g, "'")}"`);
  } else {
    const cause = e.cause instanceof Error ? `: ${(e.cause.cause as Error | undefined)?.message ?? e.cause.message}` : '';
    console.error(`[sapflow] auth: ${e.message}${cause}`);
  }
  sendError(res, e);
}
