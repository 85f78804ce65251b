// An ordered, batching call channel to one other shard.
//
// Everything bound for the destination while a call is in flight accumulates
// in the next batch, so a busy link makes bigger calls, not more of them, and
// at most one call per destination is ever outstanding. Batches are sent in
// order and a failed one is retried (jittered exponential backoff, capped)
// before the next goes, so what one shard sends another arrives in order.

export interface ChannelOptions<B> {
  /** A new, empty batch. */
  readonly empty: () => B;
  readonly isEmpty: (batch: B) => boolean;
  /** Makes the call. A rejection is retried; see `attempts`. */
  readonly send: (batch: B) => Promise<void>;
  /** After the last failed attempt: the batch is given up (what that means is the caller's). */
  readonly dropped: (batch: B, error: unknown) => void;
  /** Called after each failed attempt, so the caller can replace a broken stub. */
  readonly failed?: (error: unknown) => void;
  readonly attempts?: number;
}

const BASE_DELAY_MS = 25;
const MAX_DELAY_MS = 2_000;

export class Channel<B> {
  private batch: B;
  private busy = false;

  constructor(private readonly o: ChannelOptions<B>) {
    this.batch = o.empty();
  }

  /** The batch now accumulating: add to it, then call kick(). */
  get next(): B {
    return this.batch;
  }

  get idle(): boolean {
    return !this.busy && this.o.isEmpty(this.batch);
  }

  /** True when `batch` is the one in flight and nothing waits behind it. */
  sending(batch: B): boolean {
    return this.busy && this.inflight === batch && this.o.isEmpty(this.batch);
  }

  private inflight: B | null = null;

  /** Sends the accumulated batch unless a call is already in flight. */
  kick(): void {
    if (this.busy || this.o.isEmpty(this.batch)) return;
    const batch = this.batch;
    this.batch = this.o.empty();
    this.busy = true;
    this.inflight = batch;
    void this.run(batch);
  }

  private async run(batch: B): Promise<void> {
    const attempts = this.o.attempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.send(batch);
        break;
      } catch (e) {
        this.o.failed?.(e);
        if (attempt >= attempts || !retryable(e)) {
          this.o.dropped(batch, e);
          break;
        }
        const cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
        await new Promise((r) => setTimeout(r, cap / 2 + Math.random() * (cap / 2)));
      }
    }
    this.busy = false;
    this.inflight = null;
    this.kick();
  }
}

/**
 * Whether a failed call may be tried again. Durable Object errors say so
 * themselves (`retryable`); an overloaded object is not retried at once, since
 * that would add to its load — the backoff covers it, so it is retried too.
 */
function retryable(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return true;
  const err = e as { retryable?: boolean; overloaded?: boolean };
  if (err.retryable === false && err.overloaded !== true) return false;
  return true;
}
