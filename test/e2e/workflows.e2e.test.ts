import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, screenshot } from './support/browser.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { installStatusRecorder, readStatusRecorder } from './support/status-recorder.js';

// John Miller writes to the intake address in the sample firm and has no conflict, so the whole intake runs
const cleanProspect = 'john@example.com';

describe('legal_intake from the Workflows page', () => {
  let gateway: TestGateway;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway({
      toolLatency: { tools: ['list_emails', 'extract_legal_info', 'check_conflicts', 'generate_retainer_letter', 'send_email', 'update_client_record'], ms: 700 },
    });
    browser = await launchChromium();
    page = await openPage(browser, `${gateway.url}/#/workflows/legal_intake`, pageErrors);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('runs it and shows tasks going running -> completed, two at once', async () => {
    await page.locator('.template-selected[data-workflow-id="legal_intake"]').waitFor();
    await page.locator('.template-graph .dag-node').first().waitFor();
    // fill what the template requires and does not default, with the sample firm's clean prospect
    for (const field of await page.locator('.inputs-form input[required]').all()) {
      if ((await field.inputValue()) === '') await field.fill(/email/i.test((await field.getAttribute('name')) ?? '') ? cleanProspect : 'E2E');
    }
    await screenshot(page, 'workflows');

    await installStatusRecorder(page);
    await page.click('button:has-text("Run workflow")');
    await page.waitForURL(/#\/executions\//);
    await page.locator('.dag .dag-node').first().waitFor();
    await page.locator('[data-testid="workflow-status"]:not(:has-text("Running"))').waitFor({ timeout: 60_000 });
    await expect(page.getByTestId('workflow-status').textContent()).resolves.toContain('Completed');

    const { history, maxRunning } = await readStatusRecorder(page);
    const completed = Object.entries(history).filter(([, statuses]) => statuses.at(-1) === 'completed');
    expect(completed.length).toBeGreaterThanOrEqual(4);
    for (const [taskId, statuses] of completed) {
      expect({ taskId, statuses: statuses.filter((status) => status !== 'pending') }).toEqual({ taskId, statuses: ['running', 'completed'] });
    }
    expect(maxRunning).toBeGreaterThanOrEqual(2);

    // the timeline shows the parallel work as overlapping bars
    const bars = await page.locator('.timeline-bar').evaluateAll((els) => els.map((el) => el.getBoundingClientRect()).map((r) => [r.left, r.right]));
    const overlapping = bars.some(([left, right], i) => bars.some(([otherLeft, otherRight], j) => i !== j && left! < otherRight! && otherLeft! < right!));
    expect(overlapping).toBe(true);
    await expect(page.getByRole('progressbar').first().getAttribute('aria-valuenow')).resolves.toBe('100');
    await expect(page.locator('.timeline-row').count()).resolves.toBe(Object.keys(history).length);

    await page.locator('.dag .dag-node[data-status="completed"]').first().click();
    await expect(page.locator('.task-detail .result-view').count()).resolves.toBe(1);
    await screenshot(page, 'execution-completed');
    await page.screenshot({ path: 'test-results/screenshots/execution-completed-full.png', fullPage: true, animations: 'disabled' });
    expect(pageErrors).toEqual([]);
  });
});
