// Retrying a call to another shard: jittered exponential backoff, 25 ms doubling
// to a cap of 2 s, then giving up. The jitter keeps the shards that lost the
// same peer from calling it again in step; the cap and the limit on attempts
// keep a peer that is gone from holding anything up for long. Giving up is the
// caller's to decide on: each knows what a lost call means for it.

const BASE_DELAY_MS = 25;
const MAX_DELAY_MS = 2_000;

export interface RetryOptions {
  /** Calls made in all, the first included. */
  readonly attempts: number;
  /** Whether a failure may be tried again; every failure may when absent. */
  readonly retryable?: (error: unknown) => boolean;
}

/** The call's result; its last error once `attempts` calls failed, or one failed for good. */
export async function retry<T>(call: () => Promise<T>, o: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (attempt >= o.attempts || (o.retryable !== undefined && !o.retryable(e))) throw e;
      const cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
      await new Promise((r) => setTimeout(r, cap / 2 + Math.random() * (cap / 2)));
    }
  }
}

/**
 * Whether a failed call to a Durable Object may be tried again. Their errors say
 * so themselves (`retryable`); an overloaded object is not retried at once, since
 * that would add to its load — the backoff covers it, so it is retried too.
 */
export function retryableCall(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return true;
  const err = e as { retryable?: boolean; overloaded?: boolean };
  if (err.retryable === false && err.overloaded !== true) return false;
  return true;
}
