import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, screenshot } from './support/browser.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

// John Miller writes to the intake address in the sample firm and has no conflict: the letter and the email wait for a lawyer
const cleanProspect = 'john@example.com';

describe('legal_intake_reviewed: a lawyer approves from the run picture', () => {
  let gateway: TestGateway;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway();
    browser = await launchChromium();
    page = await openPage(browser, `${gateway.url}/#/workflows/legal_intake_reviewed`, pageErrors);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('shows each held task with its arguments and Approve / Deny; approving both completes the run', async () => {
    await page.locator('.template-selected[data-workflow-id="legal_intake_reviewed"]').waitFor();
    for (const field of await page.locator('.inputs-form input[required]').all()) {
      if ((await field.inputValue()) === '') await field.fill(cleanProspect);
    }
    await page.click('button:has-text("Run workflow")');
    await page.waitForURL(/#\/executions\//);

    // the letter first: the run parks, and the panel says what the letter will be written with
    const letter = page.locator('.approval-panel[data-task-id="generate_retainer"]');
    await letter.waitFor({ timeout: 30_000 });
    await expect(letter.locator('.approval-args').textContent()).resolves.toContain('John Miller');
    await expect(page.locator('.dag-node[data-status="waiting"]').count()).resolves.toBe(1);
    await expect(page.getByTestId('workflow-status').textContent()).resolves.toContain('Waiting for approval');
    await screenshot(page, 'approval-waiting');
    await letter.getByRole('button', { name: 'Approve' }).click();

    // then the client email, whose body names the letter that was just stored
    const email = page.locator('.approval-panel[data-task-id="send_confirmation"]');
    await email.waitFor({ timeout: 30_000 });
    const body = (await email.locator('.approval-args').textContent()) ?? '';
    expect(body).toContain('Dear John Miller');
    expect(body).toContain('john@example.com');
    await email.locator('input[type="text"]').fill('letter checked');
    await screenshot(page, 'approval-email');
    await email.getByRole('button', { name: 'Approve' }).click();

    await page.locator('[data-testid="workflow-status"]:has-text("Completed")').waitFor({ timeout: 30_000 });
    await expect(page.locator('.approval-panel').count()).resolves.toBe(0);
    await page.locator('.dag .dag-node[data-task-id="send_confirmation"]').click();
    await expect(page.locator('.task-detail').textContent()).resolves.toContain('Approved by local: letter checked');
    await screenshot(page, 'approval-completed');
    expect(pageErrors).toEqual([]);
  });
});
