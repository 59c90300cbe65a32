import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSseFrameParser } from '../../web/src/react/sse-frame-parser.js';
import { launchChromium, openPage, screenshot } from './support/browser.js';
import { startCuttingProxy, type CuttingProxy } from './support/cutting-proxy.js';
import { e2eTools, e2eWorkflowsDir } from './support/e2e-workflows.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

const framesBeforeCut = 4;

/** Every frame of an execution's log, straight from the gateway. */
async function logFrames(gatewayUrl: string, executionId: string) {
  const response = await fetch(`${gatewayUrl}/api/executions/${encodeURIComponent(executionId)}/events`);
  const parser = createSseFrameParser();
  return parser.push(await response.text());
}

describe('a dropped event stream', () => {
  let gateway: TestGateway;
  let proxy: CuttingProxy;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    gateway = await startTestGateway({ env: { WORKFLOWS_DIR: e2eWorkflowsDir() }, runtime: { extraTools: e2eTools() } });
    proxy = await startCuttingProxy(gateway.url, framesBeforeCut);
    browser = await launchChromium();
    page = await openPage(browser, `${proxy.url}/#/workflows/e2e_slow_lookups`);
  });
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await gateway?.close();
  });

  it('reconnects with Last-Event-ID and shows every event exactly once', async () => {
    await page.locator('.template-detail h2', { hasText: 'Slow lookups (e2e)' }).waitFor();
    await page.click('button:has-text("Run workflow")');
    await page.waitForURL(/#\/executions\//);
    const executionId = decodeURIComponent(/#\/executions\/([^?]+)/.exec(page.url())![1]!);
    await page.locator('[data-testid="workflow-status"]:has-text("Completed")').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="stream-state"]:has-text("Finished")').waitFor();

    // the first stream was cut mid-frame after 4 frames; the browser came back asking for what followed
    expect(proxy.eventRequests.length).toBeGreaterThanOrEqual(2);
    expect(proxy.eventRequests[0]!.lastEventId).toBeNull();
    expect(proxy.eventRequests[1]!.lastEventId).toBe(String(framesBeforeCut));

    const frames = await logFrames(gateway.url, executionId);
    const seqs = frames.map((frame) => Number(frame.id));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const state = page.getByTestId('stream-state');
    await expect(state.getAttribute('data-events')).resolves.toBe(String(frames.length));
    await expect(state.getAttribute('data-last-event-id')).resolves.toBe(String(frames.length));
    await expect(state.getAttribute('data-reconnects')).resolves.toBe('1');

    const nodes = await page.locator('.dag .dag-node').evaluateAll((els) => els.map((el) => [el.getAttribute('data-task-id'), el.getAttribute('data-status')]));
    expect(nodes).toEqual([
      ['lookup_client', 'completed'],
      ['lookup_matter', 'completed'],
      ['lookup_documents', 'completed'],
    ]);
    await expect(page.locator('.timeline-row').count()).resolves.toBe(3);
    await expect(page.locator('.sf-task-completed').count()).resolves.toBe(3);
    await screenshot(page, 'execution-reconnected');
  });
});
