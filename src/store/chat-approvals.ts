import { randomBytes } from 'node:crypto';
import { SapflowError } from '../errors/index.js';
import type { ApprovalAnswer, ApprovalDecision } from '../protocol/index.js';
import type { Queryable } from './queryable.js';
import { guardStore } from './store-error.js';

/** A tool call a chat turn holds for a person's approval, as the model asked for it. */
export interface ApprovalRequestRecord {
  userId: string;
  chatId: string;
  /** The turn that asks. */
  executionId: string;
  toolCallId: string;
  toolName: string;
  /** The JSON text the model wrote. */
  arguments: string;
}

export interface ChatApprovals {
  /**
   * Records the approval a turn asks for and returns its id: a new unguessable one, or the one already issued for
   * this call of this turn (a resumed turn asks again and must not make a second approval for one call).
   */
  issueApproval(request: ApprovalRequestRecord): Promise<string>;
  /**
   * Takes the user's answers in this chat, all or none: each approval must have been issued to this user and chat
   * for that tool call (else `approval_invalid`) and not answered before (else `approval_used`). Returns the calls
   * as they were recorded, for the turn `decidedIn` to run or deny.
   */
  decideApprovals(userId: string, chatId: string, answers: readonly ApprovalAnswer[], decidedIn: string): Promise<ApprovalDecision[]>;
}

// the CTE's SELECT does not see the row its INSERT adds, so exactly one of the two halves answers
const ISSUE = `
WITH inserted AS (
  INSERT INTO chat_approvals (id, user_id, chat_id, execution_id, tool_call_id, tool_name, arguments)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (execution_id, tool_call_id) DO NOTHING
  RETURNING id
)
SELECT id FROM inserted
UNION ALL
SELECT id FROM chat_approvals WHERE execution_id = $4 AND tool_call_id = $5 AND user_id = $2
LIMIT 1`;

// `decided_at IS NULL` is checked again on the locked row, so of two answers racing for one approval only one wins
const DECIDE = `
UPDATE chat_approvals a SET decided_at = now(), approved = w.approved, reason = w.reason, decided_in = $4
FROM jsonb_to_recordset($3::jsonb) AS w(approval_id text, tool_call_id text, approved boolean, reason text)
WHERE a.id = w.approval_id AND a.tool_call_id = w.tool_call_id AND a.user_id = $1 AND a.chat_id = $2 AND a.decided_at IS NULL
RETURNING a.id, a.execution_id, a.tool_call_id, a.tool_name, a.arguments, a.approved, a.reason`;

interface ApprovalRow {
  id: string;
  user_id: string;
  chat_id: string;
  execution_id: string;
  tool_call_id: string;
  tool_name: string;
  arguments: string;
  approved: boolean | null;
  reason: string | null;
  decided_at: unknown;
}

/** 144 random bits: not guessable, and not derived from anything a client sees. */
const newApprovalId = () => `apr_${randomBytes(18).toString('base64url')}`;

export function createChatApprovals(db: Queryable): ChatApprovals {
  return {
    issueApproval: (request) =>
      guardStore('record the approval request', async () => {
        const { rows } = await db.query<{ id: string }>(ISSUE, [
          newApprovalId(), request.userId, request.chatId, request.executionId, request.toolCallId, request.toolName, request.arguments,
        ]);
        if (!rows[0]) throw new SapflowError('store_error', 'the store could not record the approval request');
        return rows[0].id;
      }),

    decideApprovals: async (userId, chatId, answers, decidedIn) => {
      if (answers.length === 0) return [];
      const ids = [...new Set(answers.map((a) => a.approvalId))];
      if (ids.length !== answers.length) throw new SapflowError('approval_invalid', 'The same approval was answered twice in one message');
      const { rows } = await guardStore('read the approvals', () =>
        db.query<ApprovalRow>('SELECT * FROM chat_approvals WHERE id = ANY($1::text[]) AND user_id = $2', [ids, userId]),
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const answer of answers) {
        const row = byId.get(answer.approvalId);
        // one answer for a forged id, another user's and another chat's: nothing is said about which it was
        if (!row || row.chat_id !== chatId || row.tool_call_id !== answer.toolCallId) {
          throw new SapflowError('approval_invalid', `Approval ${answer.approvalId} was not issued by Sapflow for tool call ${answer.toolCallId} in this chat`);
        }
        if (row.decided_at !== null) throw new SapflowError('approval_used', `Approval ${answer.approvalId} has already been answered`);
      }
      const wanted = answers.map((a) => ({ approval_id: a.approvalId, tool_call_id: a.toolCallId, approved: a.approved, reason: a.reason ?? null }));
      const { rows: decided } = await guardStore('record the approval answers', () =>
        db.query<ApprovalRow>(DECIDE, [userId, chatId, JSON.stringify(wanted), decidedIn]),
      );
      // another request answered some of them in between: those it took stay taken (a call never runs twice)
      if (decided.length !== answers.length) throw new SapflowError('approval_used', 'An approval in this message was answered by another request meanwhile');
      const order = new Map(answers.map((a, i) => [a.approvalId, i]));
      return decided
        .sort((a, b) => order.get(a.id)! - order.get(b.id)!)
        .map((row) => ({
          approvalId: row.id,
          toolCallId: row.tool_call_id,
          toolName: row.tool_name,
          arguments: row.arguments,
          approved: row.approved === true,
          ...(row.reason !== null ? { reason: row.reason } : {}),
          idempotencyKey: `${row.execution_id}:${row.tool_call_id}`,
        }));
    },
  };
}
