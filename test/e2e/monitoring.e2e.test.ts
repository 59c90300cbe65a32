import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SapflowError } from '../../src/errors/index.js';
import { defineTool } from '../../src/tools/tool.js';
import { launchChromium, openPage, screenshot, screenshotDir } from './support/browser.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// a lookup that takes a while (three side by side make a speed-up near 3) and a filing service that always refuses
const tools = [
  defineTool({ name: 'e2e_lookup', description: 'Looks something up, slowly (e2e test tool).', parameters: z.object({ what: z.string() }), execute: async ({ what }) => (await sleep(400), { what, found: true }) }),
  defineTool({
    name: 'e2e_refused_filing', description: 'A filing service that refuses (e2e test tool).', parameters: z.object({}), retry_count: 0,
    execute: async () => { await sleep(100); throw new SapflowError('tool_error', 'The filing service refused the note'); },
  }),
];
const lookups = { id: 'e2e_lookups', tasks: ['client', 'matter', 'documents'].map((what) => ({ id: what, function: 'e2e_lookup', parameters: { what } })) };
const filing = { id: 'e2e_filing', tasks: [{ id: 'file', function: 'e2e_refused_filing', parameters: {}, critical: true }] };

describe('the Monitoring page after a few runs, one of them failed', () => {
  let gateway: TestGateway;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const statuses: string[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway({ runtime: { extraTools: tools } });
    // three runs that complete and one that fails, the way a client runs them: POST, wait for the answer
    for (const definition of [lookups, lookups, filing, lookups]) {
      const response = await fetch(`${gateway.url}/api/workflows/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ definition }),
      });
      statuses.push(((await response.json()) as { status: string }).status);
    }
    browser = await launchChromium();
    page = await openPage(browser, `${gateway.url}/#/monitoring`, pageErrors);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('shows the runs, a 25 % failure rate and its alert, as charts', async () => {
    expect(statuses).toEqual(['completed', 'completed', 'failed', 'completed']);
    await page.locator('[data-figure="runs"]').waitFor();
    await expect(page.locator('[data-figure="runs"] dd').first().textContent()).resolves.toBe('4');
    await expect(page.locator('[data-figure="runs"] .figure-note').textContent()).resolves.toBe('1 failed');
    await expect(page.locator('[data-figure="failure-rate"] dd').first().textContent()).resolves.toBe('25 %');
    // 1 of 4 failed in the last 5 minutes is past the 5 % threshold: the alert is up, first on the page
    const alert = page.getByRole('alert');
    await expect(alert.textContent()).resolves.toContain('SapflowRunFailureRateHigh');
    await expect(alert.textContent()).resolves.toContain('1 of 4');
    // three 400 ms lookups side by side: the speed-up of those runs is about 3, the failed run's single task 1
    const speedup = Number((await page.locator('[data-figure="speedup"] dd').first().textContent())!.replace('×', ''));
    expect(speedup).toBeGreaterThan(1.5);
    expect(speedup).toBeLessThanOrEqual(3.1);
    await expect(page.locator('[data-figure="p95"] dd').first().textContent()).resolves.toMatch(/ms|s$/);

    // the charts are drawn: bars for the finished runs (one per status and minute they fell in), lines for the rest
    await page.locator('[aria-label="Runs per minute by status"] .recharts-bar-rectangle').first().waitFor();
    await expect(page.locator('.chart-card .recharts-surface').count()).resolves.toBeGreaterThanOrEqual(5);
    await expect(page.locator('[data-tool="e2e_refused_filing"]').textContent()).resolves.toContain('Closed');

    // Workflows only: the same runs, as all four were workflows; Chat turns: none
    await page.getByRole('button', { name: 'Chat turns' }).click();
    await expect(page.locator('[data-figure="runs"] dd').first().textContent()).resolves.toBe('0');
    await page.getByRole('button', { name: 'All runs' }).click();

    await screenshot(page, 'monitoring');
    await page.screenshot({ path: `${screenshotDir}/monitoring-full.png`, fullPage: true, animations: 'disabled' });
    expect(pageErrors).toEqual([]);
  });

  it('follows new runs without a reload', async () => {
    const response = await fetch(`${gateway.url}/api/workflows/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ definition: lookups }),
    });
    expect(((await response.json()) as { status: string }).status).toBe('completed');
    // the page polls every 5 s
    await page.locator('[data-figure="runs"] dd', { hasText: /^5$/ }).waitFor({ timeout: 15_000 });
    await expect(page.locator('[data-figure="failure-rate"] dd').first().textContent()).resolves.toBe('20 %');
  });
});
