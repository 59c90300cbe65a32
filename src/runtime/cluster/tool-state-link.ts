import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** A Lua script the breakers and limiters run atomically on Redis; `keys` is how many of its arguments are keys. */
export interface RedisScript {
  name: string;
  keys: number;
  lua: string;
}

export interface ToolStateLinkOptions {
  /** Every key and channel starts with it (`sapflow:` in production, a random one in tests). */
  prefix: string;
  /** Where "Redis is unreachable" and "Redis is back" go, once per outage. */
  log?: (message: string) => void;
  /** Milliseconds a command may take before the connection is considered dead (default 1000). */
  commandTimeoutMs?: number;
}

/**
 * The two Redis connections the shared breakers and limiters use, and whether Redis is usable right now.
 *
 * Tool calls must never hang on Redis: the command connection has no offline queue (a command while disconnected
 * fails at once instead of waiting for a reconnect) and a command timeout, and callers fall back to this process's
 * own breaker and limiter while `available` is false. A timed-out command drops the connection, because a
 * connection that stopped answering would otherwise look `ready` forever; ioredis then reconnects and `onResync`
 * handlers bring the local mirrors back in line with the cluster.
 */
export class ToolStateLink {
  /** Tells this process's messages from the others' (each process ignores its own broadcasts). */
  readonly id = randomUUID();
  readonly prefix: string;
  readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, (message: string) => void>();
  private readonly resyncs: Array<() => void> = [];
  private readonly log: (message: string) => void;
  private lostReported = false;
  private closed = false;
  private subscribed: Promise<unknown>;

  constructor(url: string, options: ToolStateLinkOptions) {
    this.prefix = options.prefix;
    this.log = options.log ?? ((message) => console.error(`[sapflow] shared tool state: ${message}`));
    const commandTimeout = options.commandTimeoutMs ?? 1000;
    this.redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout });
    // The subscriber keeps ioredis's offline queue: SUBSCRIBE waits for the connection and is re-sent on reconnect.
    this.subscriber = new Redis(url, { maxRetriesPerRequest: null, autoResubscribe: true });
    this.redis.on('error', (error: Error) => this.lost(error));
    this.subscriber.on('error', (error: Error) => this.lost(error));
    this.redis.on('ready', () => this.regained());
    // Messages published while the subscriber was away are gone: resync when it is back, too.
    this.subscriber.on('ready', () => this.regained());
    this.subscriber.on('message', (channel: string, message: string) => this.handlers.get(channel)?.(message));
    this.subscribed = Promise.resolve();
  }

  /** True while both connections are up: commands can be sent and broadcasts are heard. */
  get available(): boolean {
    return !this.closed && this.redis.status === 'ready' && this.subscriber.status === 'ready';
  }

  /**
   * Runs `script` with its keys, then its arguments. Through ioredis's defineCommand: a call sends the script's SHA
   * (EVALSHA) and the text only when this Redis does not have it yet, not the whole script every time.
   */
  run(script: RedisScript, ...keysAndArgs: (string | number)[]): Promise<unknown> {
    const commands = this.redis as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>;
    if (typeof commands[script.name] !== 'function') this.redis.defineCommand(script.name, { numberOfKeys: script.keys, lua: script.lua });
    return commands[script.name]!(...keysAndArgs);
  }

  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /** Listens on `prefix + name`; returns the full channel name to publish on. */
  listen(name: string, handler: (message: string) => void): string {
    const channel = this.key(name);
    this.handlers.set(channel, handler);
    this.subscribed = this.subscribed.then(() => this.subscriber.subscribe(channel)).catch(() => undefined);
    return channel;
  }

  /** Runs after every (re)connection, so local mirrors pick up what changed while this process was not listening. */
  onResync(handler: () => void): void {
    this.resyncs.push(handler);
  }

  /** Called by users of the link when a command failed: reports the outage once and recovers from a hung socket. */
  failed(error: unknown): void {
    this.lost(error);
    if (error instanceof Error && /timed out/i.test(error.message) && this.redis.status === 'ready') this.redis.disconnect(true);
  }

  /** Resolves when both connections are ready and subscribed (tests; start-up may ignore it). */
  async ready(): Promise<void> {
    const up = (r: Redis) => (r.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => r.once('ready', () => resolve())));
    await Promise.all([up(this.redis), up(this.subscriber)]);
    await this.subscribed;
  }

  async close(): Promise<void> {
    this.closed = true;
    // QUIT on a connection that is not up would wait in the offline queue for a Redis that may never come back.
    const quit = async (r: Redis) => {
      if (r.status === 'ready') await Promise.race([r.quit().catch(() => undefined), new Promise((done) => setTimeout(done, 500).unref())]);
      r.disconnect();
    };
    await Promise.all([quit(this.redis), quit(this.subscriber)]);
  }

  private lost(error: unknown): void {
    if (this.closed || this.lostReported) return;
    this.lostReported = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.log(`Redis unreachable (${reason}); circuit breakers and tool concurrency limits are per process until it is back`);
  }

  private regained(): void {
    if (!this.available) return;
    if (this.lostReported) {
      this.lostReported = false;
      this.log('Redis is back; circuit breakers and tool concurrency limits are shared by the cluster again');
    }
    for (const resync of this.resyncs) resync();
  }
}
