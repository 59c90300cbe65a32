import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, screenshot } from './support/browser.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/** A lawyer approves (or denies) an email before it leaves the firm, in the chat's tool card. Offline demo model. */
describe('chat page with a tool that needs approval', () => {
  let gateway: TestGateway;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const REQUEST = 'Send an email to john@example.com about his retainer, and scan my billable time for this week';

  beforeAll(async () => {
    gateway = await startTestGateway({ env: { APPROVAL_REQUIRED_TOOLS: 'send_email' }, toolLatency: { tools: ['scan_billable_time'], ms: 800 } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  async function askForApproval() {
    page = await openPage(browser, `${gateway.url}/#/chat`, pageErrors);
    await page.fill('#chat-input', REQUEST);
    await page.click('button:has-text("Send")');
    const answer = page.locator('.message-assistant').last();
    const email = answer.locator('.tool-card', { has: page.locator('.tool-card-fn', { hasText: 'send_email' }) });
    await email.and(page.locator('[data-status="waiting"]')).waitFor();
    // the turn is over: the composer is back, the other call finished, the email did not run
    await page.locator('button:has-text("Send")').waitFor();
    return { answer, email };
  }

  it('shows the arguments in full with Approve and Deny; Approve sends it and the answer goes on', async () => {
    const { answer, email } = await askForApproval();
    await expect(email.getAttribute('data-status')).resolves.toBe('waiting');
    await expect(email.locator('.tool-card-state').textContent()).resolves.toBe('Waiting for your approval');
    const argumentsText = await email.locator('.approval-arguments').innerText();
    expect(argumentsText).toContain('john@example.com');
    expect(argumentsText).toContain('subject');
    await expect(answer.locator('.tool-card', { has: page.locator('.tool-card-fn', { hasText: 'scan_billable_time' }) }).getAttribute('data-status')).resolves.toBe('completed');
    await screenshot(page, 'chat-approval-waiting');

    await email.locator('button:has-text("Approve")').click();
    await page.locator('.message-assistant .tool-card[data-status="completed"]').nth(1).waitFor();
    await page.locator('button:has-text("Send")').waitFor();
    await expect(email.getAttribute('data-status')).resolves.toBe('completed');
    await expect(email.locator('.result-view').innerText()).resolves.toMatch(/queued|sent/);
    // one answer, gone on in place, with the model's text after the result
    await expect(page.locator('.message-assistant').count()).resolves.toBe(1);
    await expect(answer.locator('.message-text').last().textContent()).resolves.toMatch(/\w+/);
    await expect(page.locator('[role="alert"]').count()).resolves.toBe(0);
    await screenshot(page, 'chat-approval-approved');
    expect(pageErrors).toEqual([]);
  });

  it('Deny with a reason: the call never runs and the card says so', async () => {
    const { email } = await askForApproval();
    await email.locator('.approval-reason').fill('wait until the partner signs');
    await email.locator('button:has-text("Deny")').click();
    await email.and(page.locator('[data-status="denied"]')).waitFor();
    await page.locator('button:has-text("Send")').waitFor();
    await expect(email.locator('p.tool-card-denied').textContent()).resolves.toContain('wait until the partner signs');
    await expect(page.locator('.message-assistant').count()).resolves.toBe(1);
    await expect(page.locator('[role="alert"]').count()).resolves.toBe(0);
    await screenshot(page, 'chat-approval-denied');
    expect(pageErrors).toEqual([]);
  });
});
