// Where JetStream lives among the shards. Each stream has a home shard, which keeps
// its messages and consumers in its SQLite storage and serves its subjects; each
// account has one shard that keeps its catalog (the names and subjects of all its
// streams: nats-server's meta leader, one per account). Both are hashes, so every
// shard knows where to send a request without asking anyone.

import { ownerOf } from "../../protocol/shardkey.js";

/** The shard that is home to `stream` of `account`. */
export function streamHome(account: string, stream: string, shards: number): number {
  return ownerOf(`${account}\u0000${stream}`, shards);
}

/** The shard that keeps `account`'s catalog of streams. */
export function catalogShard(account: string, shards: number): number {
  return ownerOf(`${account}\u0000`, shards);
}
