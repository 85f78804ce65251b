// The cluster's settings, as the broker's settings (../settings.ts) decide them for
// one shard: which shard it is, how many there are, how subjects map to keys,
// how many keys a host caches, which shards are in its region.

import { regionOfShard, type Settings } from "../settings.js";

export interface ClusterSettings {
  readonly self: number;
  readonly shards: number;
  /** Tokens of a cluster subject (`<account>.<subject>`) that make its key: the account and SHARD_KEY_DEPTH more. */
  readonly keyDepth: number;
  readonly cacheKeys: number;
  /**
   * By shard: whether it is in this shard's region (all are, without REGIONS). Queue groups
   * prefer members there, as nats-server prefers those of its own cluster to those across a
   * gateway.
   */
  readonly nearby: readonly boolean[];
}

export function clusterSettings(settings: Settings, self: number): ClusterSettings {
  return {
    self,
    shards: settings.shards,
    // Cluster subjects start with the account: it is one more token of every key.
    keyDepth: settings.keyDepth + 1,
    cacheKeys: settings.cacheKeys,
    nearby: Array.from({ length: settings.shards }, (_, i) => regionOfShard(settings, i) === regionOfShard(settings, self)),
  };
}
