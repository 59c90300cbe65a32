import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, screenshot } from './support/browser.js';
import { e2eTools, e2eWorkflowsDir } from './support/e2e-workflows.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

const executionIdOf = (url: string) => decodeURIComponent(/#\/executions\/([^?]+)/.exec(url)?.[1] ?? '');

describe('a run with a failing tool', () => {
  let gateway: TestGateway;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway({ env: { WORKFLOWS_DIR: e2eWorkflowsDir() }, runtime: { extraTools: e2eTools() } });
    browser = await launchChromium();
    page = await openPage(browser, `${gateway.url}/#/workflows/e2e_flaky_filing`, pageErrors);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('shows the failure with its error and a Retry that reuses the completed tasks', async () => {
    await page.locator('.template-detail h2', { hasText: 'File a matter note (e2e)' }).waitFor();
    await page.click('button:has-text("Run workflow")');
    await page.waitForURL(/#\/executions\//);
    const firstRun = executionIdOf(page.url());
    await page.locator('.sf-lane').nth(1).waitFor();
    await expect(page.locator('.sf-lanes .sf-section-title').textContent()).resolves.toContain('2 in parallel');
    await screenshot(page, 'execution-running');

    const failedNode = page.locator('.dag-node[data-task-id="file_note"]');
    await page.locator('.dag-node[data-task-id="file_note"][data-status="failed"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="workflow-status"]:not(:has-text("Running"))').waitFor();
    await expect(failedNode.textContent()).resolves.toContain('Failed');

    const failedRow = page.locator('.sf-task-failed[data-task-id="file_note"]');
    await expect(failedRow.textContent()).resolves.toContain('The court filing service refused the note');
    // the task details open on the failure
    await expect(page.locator('.task-detail .error-box').textContent()).resolves.toContain('refused the note');
    await expect(page.locator('.sf-retry-note').textContent()).resolves.toContain('results of the 2 completed tasks are reused');
    await screenshot(page, 'execution-failed');

    await page.click('.sf-retry button:has-text("Retry")');
    await page.waitForURL((url) => executionIdOf(url.toString()) !== firstRun && url.hash.includes('retriedFrom='));
    await expect(page.locator('.notice').textContent()).resolves.toMatch(/2 completed tasks reused/);
    await page.locator('[data-testid="workflow-status"]:has-text("Completed")').waitFor({ timeout: 30_000 });
    await expect(page.locator('.dag-node[data-task-id="lookup_client"]').textContent()).resolves.toContain('reused');
    await expect(page.locator('.dag-node[data-task-id="lookup_matter"]').textContent()).resolves.toContain('reused');
    await expect(page.locator('.dag-node[data-task-id="file_note"]').getAttribute('data-status')).resolves.toBe('completed');
    await screenshot(page, 'execution-retried');
    expect(pageErrors).toEqual([]);
  });

  it('lists both runs in History and replays one from the log', async () => {
    await page.goto(`${gateway.url}/#/history`);
    const rows = page.locator('.history-table tbody tr[data-execution-id]');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBeGreaterThanOrEqual(2);
    await expect(rows.first().textContent()).resolves.toContain('Completed');
    await expect(rows.nth(1).textContent()).resolves.toMatch(/Failed|Partly completed/);
    await screenshot(page, 'history');

    await rows.nth(1).locator('a').click();
    await page.locator('[data-testid="stream-state"]:has-text("Finished")').waitFor();
    await expect(page.locator('.dag-node[data-task-id="file_note"]').getAttribute('data-status')).resolves.toBe('failed');
    await expect(page.locator('.timeline-row').count()).resolves.toBe(3);
    await screenshot(page, 'history-replay');
    expect(pageErrors).toEqual([]);
  });
});
