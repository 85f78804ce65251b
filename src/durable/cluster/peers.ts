// How a shard reaches the other shards of the cluster, and itself: the owner's
// calls (watch, register, resync) and the host's (deliver).

import type { InterestChange, InterestSnapshot } from "./directory.js";

/** What the cluster needs from the shard: calls to other shards (or itself). */
export interface ShardCalls {
  watch(owner: number, key: string): Promise<InterestSnapshot>;
  unwatch(owner: number, keys: string[]): Promise<void>;
  register(owner: number, changes: InterestChange[]): Promise<void>;
  resync(owner: number, entries: InterestChange[]): Promise<void>;
  deliver(host: number, batch: Uint8Array): Promise<number[]>;
  /** A call to `shard` failed: the next one should use a fresh stub. */
  broken(shard: number): void;
}

