import type { Page } from 'playwright-core';

export interface StatusRecord {
  /** Each DAG node's statuses in the order the page showed them (repeats collapsed). */
  history: Record<string, string[]>;
  /** The most DAG nodes the page ever showed as running at the same moment. */
  maxRunning: number;
}

/**
 * Watches the DAG in the page itself (a MutationObserver survives hash navigation), so the test sees every status
 * the user saw, however briefly, instead of polling and missing some.
 */
export async function installStatusRecorder(page: Page): Promise<void> {
  await page.evaluate(() => {
    const record = { history: {} as Record<string, string[]>, maxRunning: 0 };
    (window as unknown as { __statusRecord: typeof record }).__statusRecord = record;
    const look = () => {
      const nodes = [...document.querySelectorAll('.dag .dag-node')];
      let running = 0;
      for (const node of nodes) {
        const id = node.getAttribute('data-task-id')!;
        const status = node.getAttribute('data-status')!;
        const seen = (record.history[id] ??= []);
        if (seen[seen.length - 1] !== status) seen.push(status);
        if (status === 'running') running += 1;
      }
      record.maxRunning = Math.max(record.maxRunning, running);
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
    look();
  });
}

export function readStatusRecorder(page: Page): Promise<StatusRecord> {
  return page.evaluate(() => (window as unknown as { __statusRecord: StatusRecord }).__statusRecord);
}
