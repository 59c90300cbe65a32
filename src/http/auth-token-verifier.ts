import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { SapflowError } from '../errors/index.js';

export interface AuthSettings {
  /** HS256 shared secret (Supabase's JWT secret). */
  AUTH_JWT_SECRET?: string;
  /** A JWKS endpoint for RS/ES/EdDSA keys (Clerk, Auth0, Supabase's asymmetric keys). */
  AUTH_JWKS_URL?: string;
  AUTH_ISSUER?: string;
  AUTH_AUDIENCE?: string;
}

/** Turns a bearer token into the user id (`sub`), or throws `unauthorized` with a one-line reason. */
export type TokenVerifier = (token: string) => Promise<string>;

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const CLOCK_TOLERANCE_S = 5;

/**
 * The verifier for the configured keys, or undefined when neither a secret nor a JWKS URL is set (local mode).
 * With both set, the token's `alg` picks the key: HS256 the secret, anything else the JWKS.
 */
export function createTokenVerifier(settings: AuthSettings, options: { jwks?: JWTVerifyGetKey } = {}): TokenVerifier | undefined {
  const secret = settings.AUTH_JWT_SECRET ? new TextEncoder().encode(settings.AUTH_JWT_SECRET) : undefined;
  const jwks = options.jwks ?? (settings.AUTH_JWKS_URL ? createRemoteJWKSet(new URL(settings.AUTH_JWKS_URL)) : undefined);
  if (!secret && !jwks) return undefined;
  const claims = {
    ...(settings.AUTH_ISSUER ? { issuer: settings.AUTH_ISSUER } : {}),
    ...(settings.AUTH_AUDIENCE ? { audience: settings.AUTH_AUDIENCE } : {}),
    clockTolerance: CLOCK_TOLERANCE_S,
  };

  return async (token) => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthorized('The bearer token is not a well-formed JWT');
    }
    try {
      const { payload } = secret && (alg === 'HS256' || !jwks)
        ? await jwtVerify(token, secret, { ...claims, algorithms: ['HS256'] })
        : await jwtVerify(token, jwks!, { ...claims, algorithms: ASYMMETRIC });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthorized('The token has no "sub" claim');
      return payload.sub;
    } catch (error) {
      throw toAuthError(error);
    }
  };
}

function unauthorized(message: string): SapflowError {
  return new SapflowError('unauthorized', message);
}

/** jose's errors as one-line reasons; a key server that cannot be reached is our problem, not the token's. */
function toAuthError(error: unknown): SapflowError {
  if (error instanceof SapflowError) return error;
  if (error instanceof errors.JWTExpired) return unauthorized('The token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return unauthorized('The token was issued by an issuer this gateway does not accept');
    if (error.claim === 'aud') return unauthorized('The token is meant for another audience');
    if (error.claim === 'nbf') return unauthorized('The token is not valid yet');
    return unauthorized(`The token's "${error.claim}" claim was rejected`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return unauthorized('The token signature does not verify');
  if (error instanceof errors.JOSEAlgNotAllowed) return unauthorized('The token is signed with an algorithm this gateway does not accept');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return unauthorized('The token is signed with a key this gateway does not know');
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
    return new SapflowError('upstream_error', 'Cannot fetch the signing keys from AUTH_JWKS_URL', { cause: error });
  }
  return unauthorized('The bearer token is not a valid JWT');
}
