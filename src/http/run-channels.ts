import { createChannel, type Channel, type Session } from 'better-sse';
import type { Observable, Subscription } from 'rxjs';
import type { StoredEvent } from '../store/index.js';
import { toClientError } from './send-error.js';

/** What each session of a run's channel holds: the last seq it was sent, and (while it catches up) what came meanwhile. */
interface Follower {
  after: number;
  pending: StoredEvent<{ type: string }>[] | null;
  end(): void;
}

interface RunChannel {
  channel: Channel<Record<string, never>, Follower>;
  subscription?: Subscription;
  /** The run's events are over (its final event, or the source failed): sessions end once caught up. */
  over: boolean;
  failure?: { code: string; message: string };
}

export interface RunChannelsDeps {
  /** The run's log after `afterSeq`, then live; completes after the final event (the event hub). */
  follow(executionId: string, userId: string, afterSeq: number): Observable<StoredEvent<{ type: string }>>;
  /** The run's log after `afterSeq` (a session joining a channel that is already going). */
  readAfter(executionId: string, userId: string, afterSeq: number): Promise<StoredEvent<{ type: string }>[]>;
}

/**
 * One better-sse channel per run (and user) with followers on this gateway: one subscription to the run's events,
 * broadcast to every session. A session joins where its client left off (`Last-Event-ID`): the first one's seq
 * starts the channel's subscription; a later one reads the log from its own seq while the channel holds what it
 * broadcasts meanwhile for it, then goes live - every seq once, in order, no gap.
 */
export function createRunChannels(deps: RunChannelsDeps) {
  const channels = new Map<string, RunChannel>();

  const endSession = (session: Session<Follower>, run: RunChannel) => {
    if (!run.failure) return session.state.end();
    void pushError(session, run.failure).then(() => session.state.end());
  };

  const send = (session: Session<Follower>, stored: StoredEvent<{ type: string }>) => {
    if (stored.seq <= session.state.after) return;
    session.state.after = stored.seq;
    session.push(stored.event, stored.event.type, String(stored.seq));
  };

  const broadcast = (run: RunChannel, stored: StoredEvent<{ type: string }>) =>
    run.channel.broadcast(stored.event, stored.event.type, {
      eventId: String(stored.seq),
      filter: (session) => {
        const follower = session.state;
        if (follower.pending) {
          follower.pending.push(stored);
          return false;
        }
        if (stored.seq <= follower.after) return false;
        follower.after = stored.seq;
        return true;
      },
    });

  const finish = (key: string, run: RunChannel) => {
    run.over = true;
    if (channels.get(key) === run) channels.delete(key);
    for (const session of run.channel.activeSessions) if (!session.state.pending) endSession(session, run);
  };

  return {
    /** Streams run `executionId` to `session` from after `afterSeq`; `end` closes its answer. */
    join(executionId: string, userId: string, afterSeq: number, session: Session<Follower>, end: () => void): void {
      const key = `${userId}\n${executionId}`;
      const existing = channels.get(key);
      const run: RunChannel = existing ?? { channel: createChannel<Record<string, never>, Follower>(), over: false };
      session.state = { after: afterSeq, pending: existing ? [] : null, end };
      if (!existing) {
        channels.set(key, run);
        run.channel.on('session-deregistered', () => {
          if (run.channel.sessionCount > 0 || run.over) return;
          // nobody follows here any more: the subscription goes, the run goes on
          run.subscription?.unsubscribe();
          if (channels.get(key) === run) channels.delete(key);
        });
      }
      run.channel.register(session);
      if (!existing) {
        run.subscription = deps.follow(executionId, userId, afterSeq).subscribe({
          next: (stored) => broadcast(run, stored),
          error: (error: unknown) => {
            const { code, message } = toClientError(error, 'event stream failed');
            run.failure = { code, message };
            finish(key, run);
          },
          complete: () => finish(key, run),
        });
        return;
      }
      void deps
        .readAfter(executionId, userId, afterSeq)
        .then(
          (rows) => {
            if (!session.isConnected) return;
            const pending = session.state.pending ?? [];
            session.state.pending = null;
            for (const stored of [...rows, ...pending]) send(session, stored);
          },
          async (error: unknown) => {
            const { code, message } = toClientError(error, 'event stream failed');
            session.state.pending = null;
            if (session.isConnected) await pushError(session, { code, message });
            end();
          },
        )
        .then(() => {
          if (run.over && session.isConnected) endSession(session, run);
        });
    },
  };
}

export type RunChannels = ReturnType<typeof createRunChannels>;

/** The stream's last event: `event: error` without an id (the client's Last-Event-ID stays the last real event). */
export function pushError(session: Session<any>, error: { code: string; message: string }): Promise<void> {
  return session.batch((buffer) => {
    buffer.event('error').data({ error }).dispatch();
  });
}
