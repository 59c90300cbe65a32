// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MinuteFigures, MonitoringSnapshot, RunFigures, RunSeries } from '../../../src/protocol/index.js';
import { MonitoringPage } from './monitoring-page.js';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const figures = (runs: number, failed: number, extra: Partial<RunFigures> = {}): RunFigures => ({
  runs, failed, failureRate: runs ? failed / runs : null, p50Ms: 1200, p95Ms: 4100, avgMs: 2000, speedup: 2.5, ...extra,
});
const minute = (at: string, byStatus: MinuteFigures['byStatus']): MinuteFigures => ({ at, byStatus, ...figures(byStatus.completed + byStatus.failed, byStatus.failed) });
const series = (total: RunFigures): RunSeries => ({
  total,
  minutes: [minute('2026-01-05T11:58:00.000Z', { completed: 2, partial: 0, failed: 1, cancelled: 0 }), minute('2026-01-05T11:59:00.000Z', { completed: 1, partial: 0, failed: 0, cancelled: 0 })],
});

function snapshot(overrides: Partial<MonitoringSnapshot> = {}): MonitoringSnapshot {
  return {
    at: '2026-01-05T12:00:00.000Z',
    windowMs: 3_600_000,
    runs: { all: series(figures(4, 1)), workflow: series(figures(3, 1)), chat: series(figures(1, 0, { speedup: null })) },
    active: { chat: 0, workflow: 2 },
    queue: { now: { tool_calls: 3 }, samples: [{ at: '2026-01-05T12:00:00.000Z', depths: { tool_calls: 3 } }] },
    breakers: [{ tool: 'send_email', state: 'open' }, { tool: 'list_emails', state: 'closed' }],
    alerts: [{ name: 'SapflowRunFailureRateHigh', kind: 'workflow', value: 1 / 3, threshold: 0.05, summary: '33.3 % of workflow runs failed over the last 5 minutes' }],
    ...overrides,
  };
}

const figure = (id: string) => document.querySelector(`[data-figure="${id}"]`)?.textContent;

describe('MonitoringPage', () => {
  it('shows the firing alerts first, the window\'s figures, and the breakers', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify(snapshot()), { headers: { 'content-type': 'application/json' } }));
    vi.stubGlobal('fetch', fetch);
    render(<MonitoringPage />);

    const alerts = await screen.findByRole('alert');
    expect(alerts.textContent).toContain('1 alert firing');
    expect(alerts.textContent).toContain('SapflowRunFailureRateHigh');
    expect(figure('runs')).toBe('Runs finished41 failed');
    expect(figure('failure-rate')).toBe('Failure rate25 %failed / finished');
    expect(figure('p50')).toContain('1.2 s');
    expect(figure('p95')).toContain('4.1 s');
    expect(figure('speedup')).toContain('2.50×');
    expect(figure('active')).toContain('2');
    expect(figure('queue-tool_calls')).toBe('Tool calls waiting3this process, now');
    expect(document.querySelector('[data-tool="send_email"]')!.textContent).toContain('Open');
    // the open breaker is listed first
    expect(document.querySelector('.breakers li')!.getAttribute('data-tool')).toBe('send_email');
    expect(fetch).toHaveBeenCalledWith('/api/monitoring?window=1h', expect.anything());
  });

  it('switches the figures to one kind of run', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify(snapshot())));
    render(<MonitoringPage />);
    await screen.findByRole('alert');
    fireEvent.click(screen.getByRole('button', { name: 'Chat turns' }));
    expect(figure('runs')).toBe('Runs finished10 failed');
    expect(figure('speedup')).toContain('–');
    expect(screen.getByRole('button', { name: 'Chat turns' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('asks again while open, and says so when the gateway stops answering, keeping the last figures', async () => {
    const answers = [snapshot({ alerts: [] }), null];
    const fetch = vi.fn(async () => {
      const next = answers.shift();
      return next ? new Response(JSON.stringify(next)) : new Response(JSON.stringify({ error: { code: 'store_error', message: 'the store could not compute run statistics' } }), { status: 503 });
    });
    vi.stubGlobal('fetch', fetch);
    render(<MonitoringPage pollMs={20} />);
    expect((await screen.findByTestId('alerts-none')).textContent).toContain('No alert firing');
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Could not refresh: the store could not compute run statistics'));
    expect(figure('runs')).toBe('Runs finished41 failed');
    expect(fetch.mock.calls.length).toBeGreaterThanOrEqual(2);
  });
});
