/**
 * The frames an SSE answer holds while its socket is backed up, in order. A frame with a `key` is a snapshot (a
 * progress part): a newer one with the same key drops the queued one and goes to the end, so however long the client
 * stalls only the latest snapshot waits; frames without a key (text, tool inputs, tool results) are all kept.
 */
export class FrameQueue {
  private frames: Array<{ text: string | undefined }> = [];
  private head = 0;
  private readonly byKey = new Map<string, { text: string | undefined }>();
  private size = 0;

  /** Characters waiting (a bound the tests watch). */
  get chars(): number {
    return this.size;
  }

  get length(): number {
    return this.frames.length - this.head - this.dropped;
  }

  private dropped = 0;

  push(text: string, key?: string): void {
    const entry = { text: text as string | undefined };
    if (key !== undefined) {
      const older = this.byKey.get(key);
      if (older?.text !== undefined) {
        this.size -= older.text.length;
        older.text = undefined;
        this.dropped += 1;
      }
      this.byKey.set(key, entry);
    }
    this.frames.push(entry);
    this.size += text.length;
  }

  /** The oldest frame still wanted, or undefined when none waits. */
  shift(): string | undefined {
    while (this.head < this.frames.length) {
      const entry = this.frames[this.head]!;
      this.head += 1;
      if (entry.text === undefined) {
        this.dropped -= 1;
        continue;
      }
      const { text } = entry;
      entry.text = undefined; // a later push with its key must not count it as queued
      this.size -= text.length;
      this.compactIfEmpty();
      return text;
    }
    this.compactIfEmpty();
    return undefined;
  }

  clear(): void {
    this.frames = [];
    this.head = 0;
    this.dropped = 0;
    this.size = 0;
    this.byKey.clear();
  }

  private compactIfEmpty(): void {
    if (this.head < this.frames.length) return;
    this.frames = [];
    this.head = 0;
    this.dropped = 0;
    this.byKey.clear();
  }
}
