import { useChat, type UIMessage } from '@ai-sdk/react';
import { lastAssistantMessageIsCompleteWithApprovalResponses } from 'ai';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { authHeaders } from '../api/gateway-client.js';
import { ToolCard, type ToolPart } from '../components/tool-card.js';
import { WorkflowProgress, type ProgressSnapshot } from '../react/index.js';

const suggestions = [
  'Triage my emails from today and scan my billable time for this week',
  'Check conflicts for a new client, Northwind Traders',
  'Find the deadlines in my recent emails',
];

type Part = UIMessage['parts'][number];

/** useChat puts a failed response's body in the error message; the gateway's body is `{ error: { code, message } }`. */
function chatErrorText(error: Error): string {
  try {
    const body = JSON.parse(error.message) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return body.error.message;
  } catch {
    // not JSON: a network error or a stream `error` chunk, already a sentence
  }
  return error.message;
}

const isToolPart = (part: Part): part is Part & ToolPart => part.type.startsWith('tool-') || part.type === 'dynamic-tool';

function toolPartOf(part: Part & ToolPart): ToolPart {
  // dynamic tools carry their name in a field instead of the part type
  const named = part as ToolPart & { toolName?: string };
  return part.type === 'dynamic-tool' ? { ...named, type: `tool-${named.toolName ?? 'tool'}` } : named;
}

type AnswerApproval = (approvalId: string, approved: boolean, reason?: string) => void;

function MessageView({ message, live, onAnswer }: { message: UIMessage; live: boolean; onAnswer: AnswerApproval }) {
  // a message that went on after approvals holds one progress part per turn: the cards take their times from all,
  // the picture shows the latest
  const progresses = message.parts.filter((part) => part.type === 'data-workflow') as Array<{ data: ProgressSnapshot }>;
  const progress = progresses.at(-1);
  const tasks = new Map(progresses.flatMap((p) => p.data.tasks ?? []).map((task) => [task.id, task]));
  return (
    <div className={`message message-${message.role}`} data-role={message.role}>
      <div className="message-author">{message.role === 'user' ? 'You' : 'Sapflow'}</div>
      <div className="message-body">
        {message.parts.map((part, index) => {
          if (part.type === 'text') return <p key={index} className="message-text">{part.text}</p>;
          if (isToolPart(part)) {
            const tool = toolPartOf(part);
            const approvalId = tool.state === 'approval-requested' ? tool.approval?.id : undefined;
            const answer = approvalId ? (approved: boolean, reason?: string) => onAnswer(approvalId, approved, reason) : undefined;
            return <ToolCard key={tool.toolCallId} part={tool} task={tasks.get(tool.toolCallId)} onAnswer={answer} />;
          }
          return null;
        })}
        {progress && <WorkflowProgress snapshot={progress.data} title={progress.data.name ?? 'Tool calls'} className="chat-progress" />}
        {live && message.parts.length === 0 && <p className="muted">Thinking…</p>}
      </div>
    </div>
  );
}

/**
 * useChat against the gateway's /api/chat: streamed text, a card per tool call, and the live progress part. A call
 * that needs approval waits in its card; once every call of the step is answered, useChat sends the answers itself.
 */
export function ChatPage() {
  const { messages, sendMessage, status, error, stop, addToolApprovalResponse } = useChat({
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
  });
  const [draft, setDraft] = useState('');
  const bottom = useRef<HTMLDivElement>(null);
  const busy = status === 'submitted' || status === 'streaming';

  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: 'end' });
  }, [messages]);

  function send(text: string) {
    const trimmed = text.trim();
    if (!trimmed || busy) return;
    setDraft('');
    void sendMessage({ text: trimmed }, { headers: authHeaders() });
  }

  const answerApproval: AnswerApproval = (id, approved, reason) =>
    void addToolApprovalResponse({ id, approved, reason, options: { headers: authHeaders() } });

  function submit(event: FormEvent) {
    event.preventDefault();
    send(draft);
  }

  const last = messages[messages.length - 1];
  return (
    <div className="page chat-page">
      <div className="chat-scroll">
        {messages.length === 0 && (
          <div className="chat-empty">
            <h1>Ask the firm's assistant</h1>
            <p className="muted">The gateway runs the tools your question needs in parallel and shows each one as it works.</p>
            <div className="suggestions">
              {suggestions.map((suggestion) => (
                <button key={suggestion} type="button" className="suggestion" onClick={() => send(suggestion)}>
                  {suggestion}
                </button>
              ))}
            </div>
          </div>
        )}
        {messages.map((message) => (
          <MessageView key={message.id} message={message} live={busy && message === last} onAnswer={answerApproval} />
        ))}
        {status === 'submitted' && last?.role === 'user' && <p className="muted thinking">Thinking…</p>}
        {error && (
          <p className="error-box" role="alert">
            {chatErrorText(error)}
          </p>
        )}
        <div ref={bottom} />
      </div>
      <form className="composer" onSubmit={submit}>
        <label htmlFor="chat-input" className="visually-hidden">Message</label>
        <input
          id="chat-input"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          placeholder="Ask about emails, deadlines, conflicts, billable time…"
          autoComplete="off"
        />
        {busy ? (
          <button type="button" className="sf-button" onClick={() => void stop()}>Stop</button>
        ) : (
          <button type="submit" className="sf-button sf-button-primary" disabled={!draft.trim()}>Send</button>
        )}
      </form>
    </div>
  );
}
