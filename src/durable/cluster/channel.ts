// An ordered, batching call channel to one other shard.
//
// Everything bound for the destination while a call is in flight accumulates
// in the next batch, so a busy link makes bigger calls, not more of them, and
// at most one call per destination is ever outstanding. Batches are sent in
// order and a failed one is retried (retry.ts) before the next goes, so what
// one shard sends another arrives in order.

import { retry, retryableCall } from "./retry.js";

export interface ChannelOptions<B> {
  /** A new, empty batch. */
  readonly empty: () => B;
  readonly isEmpty: (batch: B) => boolean;
  /** Makes the call. A rejection is retried, up to ATTEMPTS calls in all. */
  readonly send: (batch: B) => Promise<void>;
  /** After the last failed attempt: the batch is given up (what that means is the caller's). */
  readonly dropped: (batch: B, error: unknown) => void;
}

/** Calls made for one batch before it is given up. */
const ATTEMPTS = 6;

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
    try {
      await retry(() => this.o.send(batch), { attempts: ATTEMPTS, retryable: retryableCall });
    } catch (e) {
      this.o.dropped(batch, e);
    }
    this.busy = false;
    this.inflight = null;
    this.kick();
  }
}
