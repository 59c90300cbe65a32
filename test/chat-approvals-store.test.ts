import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SapflowError } from '../src/errors/index.js';
import { createExecutionStore, runMigrations, type Database, type ExecutionStore } from '../src/store/index.js';
import { PGLITE_BACKEND, POSTGRES_BACKEND } from './support/store-backends.js';

/** The chat approvals table (migrations/007): issued once per call, answered once, only by its user in its chat. */

const BACKENDS = [PGLITE_BACKEND, POSTGRES_BACKEND];

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(SapflowError);
    return (error as SapflowError).code;
  }
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skipReason)(`chat approvals on ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
    let db: Database;
    let dispose: () => Promise<void>;
    let store: ExecutionStore;
    beforeAll(async () => {
      ({ db, dispose } = await backend.open());
      await runMigrations(db);
      store = createExecutionStore(db);
    });
    afterAll(async () => dispose?.());

    async function turn(userId: string, chatId: string) {
      const id = randomUUID();
      await store.createExecution({ id, workflowId: 'chat', kind: 'chat', userId, input: {}, chatId });
      return id;
    }
    const request = (userId: string, chatId: string, executionId: string, toolCallId = 'call_1') => ({
      userId, chatId, executionId, toolCallId, toolName: 'send_email', arguments: '{"to":"client@example.com", "body":"Dear client"}',
    });

    it('issues an unguessable id, the same one when a resumed turn asks again for the same call', async () => {
      const executionId = await turn('alice', 'chat-a');
      const first = await store.issueApproval(request('alice', 'chat-a', executionId));
      const again = await store.issueApproval(request('alice', 'chat-a', executionId));
      const other = await store.issueApproval(request('alice', 'chat-a', executionId, 'call_2'));
      expect(first).toMatch(/^apr_[A-Za-z0-9_-]{24}$/);
      expect(again).toBe(first);
      expect(other).not.toBe(first);
    });

    it('hands back the recorded call once, with the exact arguments and the asking turn idempotency key', async () => {
      const executionId = await turn('alice', 'chat-b');
      const approvalId = await store.issueApproval(request('alice', 'chat-b', executionId));
      const decided = await store.decideApprovals('alice', 'chat-b', [{ approvalId, toolCallId: 'call_1', approved: true }], randomUUID());
      expect(decided).toEqual([
        { approvalId, toolCallId: 'call_1', toolName: 'send_email', arguments: '{"to":"client@example.com", "body":"Dear client"}', approved: true, idempotencyKey: `${executionId}:call_1` },
      ]);
      expect(await codeOf(store.decideApprovals('alice', 'chat-b', [{ approvalId, toolCallId: 'call_1', approved: false }], randomUUID()))).toBe('approval_used');
    });

    it('keeps a denial reason', async () => {
      const executionId = await turn('alice', 'chat-c');
      const approvalId = await store.issueApproval(request('alice', 'chat-c', executionId));
      const [decided] = await store.decideApprovals('alice', 'chat-c', [{ approvalId, toolCallId: 'call_1', approved: false, reason: 'not yet' }], randomUUID());
      expect(decided).toMatchObject({ approved: false, reason: 'not yet' });
    });

    it('refuses a forged id, another user, another chat and another tool call alike, and takes nothing', async () => {
      const executionId = await turn('alice', 'chat-d');
      const approvalId = await store.issueApproval(request('alice', 'chat-d', executionId));
      const answer = { approvalId, toolCallId: 'call_1', approved: true };
      expect(await codeOf(store.decideApprovals('alice', 'chat-d', [{ ...answer, approvalId: 'apr_forged' }], randomUUID()))).toBe('approval_invalid');
      expect(await codeOf(store.decideApprovals('bob', 'chat-d', [answer], randomUUID()))).toBe('approval_invalid');
      expect(await codeOf(store.decideApprovals('alice', 'chat-other', [answer], randomUUID()))).toBe('approval_invalid');
      expect(await codeOf(store.decideApprovals('alice', 'chat-d', [{ ...answer, toolCallId: 'call_9' }], randomUUID()))).toBe('approval_invalid');
      // one bad answer beside a good one: neither is taken
      expect(await codeOf(store.decideApprovals('alice', 'chat-d', [answer, { ...answer, approvalId: 'apr_forged' }], randomUUID()))).toBe('approval_invalid');
      expect(await store.decideApprovals('alice', 'chat-d', [answer], randomUUID())).toHaveLength(1);
    });

    it('lets only one of two racing answers through', async () => {
      const executionId = await turn('alice', 'chat-e');
      const approvalId = await store.issueApproval(request('alice', 'chat-e', executionId));
      const answer = [{ approvalId, toolCallId: 'call_1', approved: true }];
      const results = await Promise.allSettled([1, 2, 3].map(() => store.decideApprovals('alice', 'chat-e', answer, randomUUID())));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as SapflowError).code).toBe('approval_used');
    });
  });
}
