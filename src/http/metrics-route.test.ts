import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { metricsHandler, type MetricsSource } from './metrics-route.js';

/** The handler on a bare node http server, as the worker's own server (WORKER_PORT) mounts it: no express. */
let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(source: MetricsSource): Promise<string> {
  const handler = metricsHandler(source);
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

const metrics = { contentType: 'text/plain; version=0.0.4; charset=utf-8', render: async () => '# TYPE up gauge\nup 1\n' };

describe('metricsHandler on a plain node server', () => {
  it('answers the text format', async () => {
    const response = await fetch(await serve({ metrics, config: {} }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(metrics.contentType);
    expect(await response.text()).toBe('# TYPE up gauge\nup 1\n');
  });

  it('takes the token in any case of "Bearer", and nothing else', async () => {
    const url = await serve({ metrics, config: { METRICS_TOKEN: 'tok' } });
    expect((await fetch(url, { headers: { authorization: 'bearer tok' } })).status).toBe(200);
    const refused = await fetch(url, { headers: { authorization: 'Bearer to' } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: { code: 'unauthorized', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' } });
  });

  it('says metrics_disabled when the process keeps none', async () => {
    const response = await fetch(await serve({ config: {} }));
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('metrics_disabled');
  });

  it('answers 500 internal_error, without the cause, when collecting fails', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await fetch(await serve({ metrics: { ...metrics, render: () => Promise.reject(new Error('secret /path/inside')) }, config: {} }));
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('internal_error');
    expect(body.error.message).not.toContain('secret');
    expect(log).toHaveBeenCalled();
    log.mockRestore();
  });
});
