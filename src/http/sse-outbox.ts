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
  /**
   * Frames that follow a write by less than this wait and go out together when it has passed (0: every tick
   * writes). A frame after a quiet spell goes at once, so only bursts wait, and never longer than this.
   */
  coalesceMs?: number;
}

/** SSE_COALESCE_MS's default: well under a frame of a 60 Hz screen, and long enough to gather a burst of tokens. */
export const COALESCE_MS = 10;
/** Gathered frames this large go at once: gathering is for many small frames, and must not hide a full socket. */
const GATHER_MAX_CHARS = 16 * 1024;

/**
 * A per-answer outbox that honours backpressure: `res.write()` returning false stops writing until 'drain', and
 * frames meanwhile wait in a FrameQueue, where snapshots are coalesced to the latest. A client that reads nothing
 * for `stallMs` is disconnected, so one stalled reader cannot hold the gateway's memory for ever.
 *
 * Bursts are gathered: a model streams tokens and tool arguments a few milliseconds apart, and one socket write
 * (a syscall, a TCP segment, a read for the client) per token was the largest cost of a busy gateway after GC.
 * After a write, frames wait up to `coalesceMs` in the same queue and then go out as one write.
 */
export function createSseOutbox(
  res: Pick<Writable, 'write' | 'end' | 'destroy' | 'once' | 'off' | 'cork' | 'uncork'>,
  { stallMs, onStall, coalesceMs = COALESCE_MS }: SseOutboxOptions,
): SseOutbox {
  const queue = new FrameQueue();
  let backedUp = false;
  let ending = false;
  let done = false;
  let stall: NodeJS.Timeout | undefined;
  let gather: NodeJS.Timeout | undefined;
  let lastWriteAt = -Infinity;
  let corked = false;
  const uncork = () => {
    corked = false;
    res.uncork();
  };
  /** The frames one tick writes go out as one write: one syscall, not one each. */
  const writeCorked = (text: string): boolean => {
    if (!corked) {
      corked = true;
      lastWriteAt = performance.now();
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
  /** Writes what waits, until the socket backs up; ends the answer when it was asked to and nothing is left. */
  const writeQueued = () => {
    for (let text = queue.shift(); text !== undefined; text = queue.shift()) {
      if (!writeCorked(text)) return backUp();
    }
    if (ending) finish();
  };
  const drain = () => {
    clearTimeout(stall);
    backedUp = false;
    if (!done && gather === undefined) writeQueued();
  };
  const gathered = () => {
    gather = undefined;
    if (!done && !backedUp) writeQueued();
  };
  const flushGathered = () => {
    clearTimeout(gather);
    gathered();
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

  // gone (or ended): nothing queued can be sent any more, and no clock should outlive the answer
  res.once('close', () => {
    clearTimeout(stall);
    clearTimeout(gather);
    done = true;
    queue.clear();
  });

  return {
    write(text, key) {
      if (done || ending) return;
      if (backedUp) return queue.push(text, key);
      const sinceWrite = performance.now() - lastWriteAt;
      // after a quiet spell, or within the tick of the last write (it joins that write at no cost): at once
      if (gather === undefined && (corked || sinceWrite >= coalesceMs)) {
        if (!writeCorked(text)) backUp();
        return;
      }
      queue.push(text, key);
      gather ??= setTimeout(gathered, coalesceMs - sinceWrite);
      if (queue.chars >= GATHER_MAX_CHARS) flushGathered();
    },
    end() {
      if (done || ending) return;
      ending = true;
      // the last frames do not wait out the window: the answer is complete
      flushGathered();
    },
    get backedUp() {
      return backedUp;
    },
    get queuedChars() {
      return queue.chars;
    },
  };
}
