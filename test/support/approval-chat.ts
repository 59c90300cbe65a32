import {
  AbstractChat as AbstractChat7,
  DefaultChatTransport as DefaultChatTransport7,
  lastAssistantMessageIsCompleteWithApprovalResponses as completeWithApprovals7,
  type ChatState,
  type ChatStatus,
  type UIMessage,
} from 'ai';
import {
  AbstractChat as AbstractChat6,
  DefaultChatTransport as DefaultChatTransport6,
  lastAssistantMessageIsCompleteWithApprovalResponses as completeWithApprovals6,
  type UIMessage as UIMessage6,
} from 'ai-v6';

/** useChat's state without React: the list of messages the `ai` package's own Chat keeps and updates. */
class MemoryState<M> implements ChatState<M & UIMessage> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  messages: Array<M & UIMessage> = [];
  pushMessage = (message: M & UIMessage) => void (this.messages = [...this.messages, message]);
  popMessage = () => void (this.messages = this.messages.slice(0, -1));
  replaceMessage = (index: number, message: M & UIMessage) => void (this.messages = this.messages.map((m, i) => (i === index ? message : m)));
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

class Chat7 extends AbstractChat7<UIMessage> {}
class Chat6 extends AbstractChat6<UIMessage6> {}

export interface ApprovalChat {
  readonly status: string;
  readonly error: Error | undefined;
  readonly messages: UIMessage[];
  send(text: string): Promise<void>;
  /** What `useChat().addToolApprovalResponse` does; with `sendAutomaticallyWhen` the chat then POSTs by itself. */
  answer(id: string, approved: boolean, reason?: string): Promise<void>;
  /** Resolves once the chat is `ready` (or `error`) with no request in flight and `until` holds. */
  settled(until?: (messages: UIMessage[]) => boolean, timeoutMs?: number): Promise<void>;
}

/**
 * The `ai` package's own Chat (ai 7, or ai 6 through the `ai-v6` alias) with
 * `sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses`, exactly as a useChat app sets it up.
 */
export function approvalChat(url: string, { version, id = 'chat-approvals', headers }: { version: 6 | 7; id?: string; headers?: Record<string, string> }): ApprovalChat {
  const api = `${url}/api/chat`;
  const chat =
    version === 7
      ? new Chat7({ id, state: new MemoryState(), transport: new DefaultChatTransport7({ api, headers }), sendAutomaticallyWhen: completeWithApprovals7 })
      : new Chat6({ id, state: new MemoryState() as never, transport: new DefaultChatTransport6({ api, headers }), sendAutomaticallyWhen: completeWithApprovals6 });
  return {
    get status() {
      return chat.status;
    },
    get error() {
      return chat.error;
    },
    get messages() {
      return chat.messages as UIMessage[];
    },
    send: (text) => chat.sendMessage({ text }),
    answer: async (approvalId, approved, reason) => void (await chat.addToolApprovalResponse({ id: approvalId, approved, reason })),
    async settled(until = () => true, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!((chat.status === 'ready' || chat.status === 'error') && until(chat.messages as UIMessage[]))) {
        if (Date.now() > deadline) throw new Error(`the chat did not settle: status ${chat.status}, ${JSON.stringify(chat.messages.at(-1))}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

/** The tool parts of a message, by tool call id. */
export function toolParts(message: UIMessage | undefined): Array<{ type: string; toolCallId: string; state: string; input?: unknown; output?: unknown; approval?: { id: string; approved?: boolean; reason?: string } }> {
  return (message?.parts ?? []).filter((p) => p.type.startsWith('tool-') || p.type === 'dynamic-tool') as never;
}
