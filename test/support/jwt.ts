import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export interface TokenOptions {
  /** Seconds from now; negative for a token that has already expired. Default 3600. */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
  kid?: string;
}

function build(claims: JWTPayload, options: TokenOptions, alg: string): SignJWT {
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = options.expiresIn ?? 3600;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT', ...(options.kid ? { kid: options.kid } : {}) })
    .setIssuedAt(Math.min(now, now + expiresIn - 60))
    .setExpirationTime(now + expiresIn);
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  return jwt;
}

/** An HS256 token as Supabase signs them (`sub` is the user id). */
export function signHs256(secret: string, claims: JWTPayload, options: TokenOptions = {}): Promise<string> {
  return build(claims, options, 'HS256').sign(new TextEncoder().encode(secret));
}

export interface JwksServer {
  /** The JWKS endpoint, e.g. http://127.0.0.1:1234/.well-known/jwks.json */
  url: string;
  /** Signs an RS256 token with the published key. */
  sign(claims: JWTPayload, options?: TokenOptions): Promise<string>;
  /** Signs with a key of the same kid that is NOT published: a forgery. */
  signForged(claims: JWTPayload, options?: TokenOptions): Promise<string>;
  requests: number;
  close(): Promise<void>;
}

/** A local identity provider's key endpoint (as Clerk publishes one): one RS256 public key. */
export async function startJwksServer(): Promise<JwksServer> {
  const kid = 'test-key-1';
  const published = await generateKeyPair('RS256', { extractable: true });
  const forged = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(published.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    state.requests += 1;
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    sign: (claims, options = {}) => build(claims, { kid, ...options }, 'RS256').sign(published.privateKey),
    signForged: (claims, options = {}) => build(claims, { kid, ...options }, 'RS256').sign(forged.privateKey),
    get requests() {
      return state.requests;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
