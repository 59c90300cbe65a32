import type { Writable } from 'node:stream';
import { FrameQueue } from './frame-queue.js';

export interface SseOutbox {
  /** Writes a frame, or queues it while the socket is backed up; a `key` marks a snapshot (only the latest waits). */
  write(text: string, key?: string): void;
  /** Ends the answer once every queued frame is written. */
  end(): void;
  /** The socket is backed up: `write()` returned false and 'drain' has not come yet. */
  readonly backedUp: boolean;
  /** Characters queued here (on top of what the socket and the stream already buffer). */
  readonly queuedChars: number;
}

export interface SseOutboxOptions {
  /** How long the socket may stay backed up (the client not reading) before the client is dropped. */
  stallMs: number;
  /** The client stalled for `stallMs`: the answer was destroyed, which its 'close' reports as the client leaving. */
  onStall?: () => void;
}

/**
 * A per-answer outbox that honours backpressure: `res.write()` returning false stops writing until 'drain', and
 * frames meanwhile wait in a FrameQueue, where snapshots are coalesced to the latest. A client that reads nothing
 * for `stallMs` is disconnected, so one stalled reader cannot hold the gateway's memory for ever.
 */
export function createSseOutbox(res: Pick<Writable, 'write' | 'end' | 'destroy' | 'once' | 'off' | 'cork' | 'uncork'>, { stallMs, onStall }: SseOutboxOptions): SseOutbox {
  const queue = new FrameQueue();
  let backedUp = false;
  let ending = false;
  let done = false;
  let stall: NodeJS.Timeout | undefined;
  let corked = false;
  const uncork = () => {
    corked = false;
    res.uncork();
  };
  /** The frames one tick writes (a model chunk often makes several) go out as one write: one syscall, not one each. */
  const writeCorked = (text: string): boolean => {
    if (!corked) {
      corked = true;
      res.cork();
      process.nextTick(uncork);
    }
    return res.write(text);
  };

  const backUp = () => {
    backedUp = true;
    // every drain is the client reading again: the stall clock starts over
    stall = setTimeout(stalled, stallMs);
    res.once('drain', drain);
  };
  const drain = () => {
    clearTimeout(stall);
    backedUp = false;
    if (done) return;
    for (let text = queue.shift(); text !== undefined; text = queue.shift()) {
      if (!writeCorked(text)) return backUp();
    }
    if (ending) finish();
  };
  const finish = () => {
    done = true;
    res.end();
  };
  const stalled = () => {
    if (done) return;
    done = true;
    queue.clear();
    res.off('drain', drain);
    res.destroy();
    onStall?.();
  };

  // gone (or ended): nothing queued can be sent any more, and no stall clock should outlive the answer
  res.once('close', () => {
    clearTimeout(stall);
    done = true;
    queue.clear();
  });

  return {
    write(text, key) {
      if (done || ending) return;
      if (backedUp) queue.push(text, key);
      else if (!writeCorked(text)) backUp();
    },
    end() {
      if (done || ending) return;
      ending = true;
      if (!backedUp) finish();
    },
    get backedUp() {
      return backedUp;
    },
    get queuedChars() {
      return queue.chars;
    },
  };
}
