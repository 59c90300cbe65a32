import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHs256, startJwksServer, type JwksServer } from './support/jwt.js';
import { startTestServer, type TestServer } from './support/start-test-server.js';

const SECRET = 'auth-test-secret-with-at-least-32-characters';
const ISSUER = 'https://project.supabase.co/auth/v1';
const AUDIENCE = 'authenticated';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function expectUnauthorized(response: Response, reason?: RegExp): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="sapflow"/);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('unauthorized');
  expect(body.error.message).not.toContain('\n');
  if (reason) expect(body.error.message).toMatch(reason);
}

/** A port nobody listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('auth with an HS256 secret (Supabase)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE } });
  });
  afterAll(() => server?.close());

  const valid = (claims: Record<string, unknown> = { sub: 'user-1' }, options = {}) =>
    signHs256(SECRET, claims, { issuer: ISSUER, audience: AUDIENCE, ...options });

  it('keeps /api/health open and says the gateway runs in jwt mode', async () => {
    const response = await server.fetch('/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', auth: 'jwt' });
    expect(server.runtime.notices.join('\n')).not.toMatch(/local mode/);
  });

  it('lets a valid token in, as the user its sub names', async () => {
    const token = await valid({ sub: 'user-1' });
    const response = await server.fetch('/api/executions', { headers: bearer(token) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ executions: [], nextCursor: null });
    expect((await server.fetch('/api/workflows', { headers: bearer(token) })).status).toBe(200);
  });

  it('answers 401 without a token, with a bare Bearer challenge', async () => {
    const response = await server.fetch('/api/workflows');
    await expectUnauthorized(response, /Bearer/);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="sapflow"');
  });

  it('answers 401 for an expired token', async () => {
    const response = await server.fetch('/api/workflows', { headers: bearer(await valid({ sub: 'user-1' }, { expiresIn: -120 })) });
    await expectUnauthorized(response, /expired/);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('answers 401 for a token signed with another key', async () => {
    const forged = await signHs256('another-secret-that-is-also-long-enough!!', { sub: 'user-1' }, { issuer: ISSUER, audience: AUDIENCE });
    await expectUnauthorized(await server.fetch('/api/workflows', { headers: bearer(forged) }), /signature/);
  });

  it('answers 401 for a token meant for another audience', async () => {
    await expectUnauthorized(await server.fetch('/api/workflows', { headers: bearer(await valid({ sub: 'user-1' }, { audience: 'someone-else' })) }), /audience/);
  });

  it('answers 401 for a token from another issuer', async () => {
    await expectUnauthorized(await server.fetch('/api/workflows', { headers: bearer(await valid({ sub: 'user-1' }, { issuer: 'https://evil.example' })) }), /issuer/);
  });

  it('answers 401 for a token without sub', async () => {
    await expectUnauthorized(await server.fetch('/api/workflows', { headers: bearer(await valid({ role: 'authenticated' })) }), /sub/);
  });

  it('answers 401 for malformed tokens and headers', async () => {
    await expectUnauthorized(await server.fetch('/api/workflows', { headers: bearer('not-a-jwt') }), /well-formed/);
    await expectUnauthorized(await server.fetch('/api/workflows', { headers: bearer('abc.def.ghi') }));
    await expectUnauthorized(await server.fetch('/api/workflows', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), /Bearer/);
    await expectUnauthorized(await server.fetch('/api/workflows', { headers: { authorization: 'Bearer' } }));
  });

  it('answers 401 for an unsigned token (alg: none)', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'user-1', iss: ISSUER, aud: AUDIENCE, exp: now + 600 })}.`;
    await expectUnauthorized(await server.fetch('/api/workflows', { headers: bearer(unsigned) }));
  });

  it('guards every /api route, unknown ones and POSTs included, before reading the body', async () => {
    await expectUnauthorized(await server.fetch('/api/no-such-route'));
    await expectUnauthorized(await server.fetch('/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' }));
    await expectUnauthorized(await server.fetch('/api/workflows/execute', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
  });

  it('accepts ?access_token= on event streams only (EventSource cannot send headers)', async () => {
    const token = await valid({ sub: 'user-1' });
    const events = await server.fetch(`/api/executions/00000000-0000-0000-0000-000000000000/events?access_token=${token}`);
    expect(events.status).toBe(404);
    expect(((await events.json()) as { error: { code: string } }).error.code).toBe('unknown_execution');
    await expectUnauthorized(await server.fetch(`/api/executions?access_token=${token}`));
    await expectUnauthorized(await server.fetch(`/api/executions/x/events?access_token=${await valid({ sub: 'user-1' }, { expiresIn: -120 })}`), /expired/);
  });
});

describe('auth with a JWKS endpoint (Clerk)', () => {
  let jwks: JwksServer;
  let server: TestServer;
  const issuer = 'https://clerk.example.dev';
  const audience = 'sapflow';

  beforeAll(async () => {
    jwks = await startJwksServer();
    server = await startTestServer({ env: { AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience } });
  });
  afterAll(async () => {
    await server?.close();
    await jwks?.close();
  });

  it('lets in an RS256 token signed with the published key', async () => {
    const token = await jwks.sign({ sub: 'user_2abc' }, { issuer, audience });
    const response = await server.fetch('/api/executions', { headers: bearer(token) });
    expect(response.status).toBe(200);
    expect(jwks.requests).toBeGreaterThanOrEqual(1);
    expect(((await (await server.fetch('/api/health')).json()) as { auth: string }).auth).toBe('jwt');
  });

  it('answers 401 for a token signed with an unpublished key of the same kid', async () => {
    await expectUnauthorized(await server.fetch('/api/executions', { headers: bearer(await jwks.signForged({ sub: 'user_2abc' }, { issuer, audience })) }), /signature/);
  });

  it('answers 401 for an HS256 token when only a JWKS is configured', async () => {
    const token = await signHs256('whatever-secret-an-attacker-picked-123456', { sub: 'user_2abc' }, { issuer, audience });
    await expectUnauthorized(await server.fetch('/api/executions', { headers: bearer(token) }), /algorithm/);
  });

  it('answers 401 for an unknown kid, a wrong issuer or audience, and an expired token', async () => {
    await expectUnauthorized(await server.fetch('/api/executions', { headers: bearer(await jwks.sign({ sub: 'u' }, { issuer, audience, kid: 'rotated-away' })) }), /key/);
    await expectUnauthorized(await server.fetch('/api/executions', { headers: bearer(await jwks.sign({ sub: 'u' }, { issuer: 'https://other.example', audience })) }), /issuer/);
    await expectUnauthorized(await server.fetch('/api/executions', { headers: bearer(await jwks.sign({ sub: 'u' }, { issuer, audience: 'other-app' })) }), /audience/);
    await expectUnauthorized(await server.fetch('/api/executions', { headers: bearer(await jwks.sign({ sub: 'u' }, { issuer, audience, expiresIn: -300 })) }), /expired/);
  });
});

describe('auth when the JWKS endpoint cannot be reached', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { AUTH_JWKS_URL: `http://127.0.0.1:${await closedPort()}/jwks.json` } });
  });
  afterAll(() => server?.close());

  it('answers 502 upstream_error rather than blaming the token', async () => {
    const jwks = await startJwksServer();
    try {
      const token = await jwks.sign({ sub: 'u' });
      const response = await server.fetch('/api/executions', { headers: bearer(token) });
      expect(response.status).toBe(502);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_error');
    } finally {
      await jwks.close();
    }
  });
});

describe('local mode (no AUTH_* set)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('runs every request as user "local" and says so in /api/health and at start', async () => {
    expect(await (await server.fetch('/api/health')).json()).toMatchObject({ auth: 'local' });
    expect(server.runtime.notices.join('\n')).toMatch(/local mode.*"local"/);
    const response = await server.fetch('/api/executions');
    expect(response.status).toBe(200);
  });

  it('ignores a bearer token it has no key for', async () => {
    expect((await server.fetch('/api/executions', { headers: bearer('anything') })).status).toBe(200);
  });
});
