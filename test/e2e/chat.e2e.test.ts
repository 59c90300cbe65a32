import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, screenshot } from './support/browser.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

describe('chat page with the offline demo model', () => {
  let gateway: TestGateway;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway({ toolLatency: { tools: ['triage_emails', 'scan_billable_time'], ms: 1500 } });
    browser = await launchChromium();
    page = await openPage(browser, `${gateway.url}/#/chat`, pageErrors);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('shows a card per tool call and the live progress part below the answer', async () => {
    await expect(page.getByTestId('model-chip').textContent()).resolves.toBe('Offline demo model');
    await screenshot(page, 'chat-empty');

    await page.fill('#chat-input', 'Triage my emails from today and scan my billable time for this week');
    await page.click('button:has-text("Send")');

    const answer = page.locator('.message-assistant').last();
    // while the tools work: spinner cards and both calls as parallel lanes in the progress part
    await answer.locator('.tool-card[data-status="running"]').nth(1).waitFor();
    await answer.locator('.chat-progress .sf-lane').nth(1).waitFor();
    await expect(answer.locator('.chat-progress .sf-section-title').textContent()).resolves.toContain('2 in parallel');
    await screenshot(page, 'chat-running');
    await page.locator('button:has-text("Send")').waitFor({ timeout: 60_000 });

    const cards = answer.locator('.tool-card');
    const states = await cards.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-status')));
    expect(states.length).toBeGreaterThanOrEqual(2);
    expect(states.every((state) => state === 'completed' || state === 'failed')).toBe(true);
    const names = await answer.locator('.tool-card-fn').allTextContents();
    expect(names).toEqual(expect.arrayContaining(['triage_emails', 'scan_billable_time']));
    // done cards carry the duration from the data-workflow snapshot (task id = toolCallId)
    await expect(answer.locator('.tool-card-completed .tool-card-state').first().textContent()).resolves.toMatch(/^Done in \d/);

    const progress = answer.locator('.chat-progress');
    await expect(progress.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('100');
    await expect(progress.locator('.sf-task').count()).resolves.toBe(states.length);
    await expect(answer.locator('.message-text').last().textContent()).resolves.toMatch(/\w+/);
    expect(pageErrors).toEqual([]);
    await screenshot(page, 'chat-answer');
  });
});
