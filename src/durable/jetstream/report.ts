// What a shard tells the Worker's /jsz (src/worker/monitoring.ts) about the JetStream it
// is home to: each stream's configuration, state and consumers, in nats-server's JSON,
// for the Worker to sum and list as nats-server's JSInfo.

import { streamConfigJson } from "../../protocol/jetstream/stream-config.js";
import { consumerInfo } from "./consumer-api.js";
import type { Stream } from "./stream.js";

export interface StreamReport {
  readonly account: string;
  readonly name: string;
  /** ms since the epoch. */
  readonly created: number;
  readonly memory: boolean;
  readonly messages: number;
  readonly bytes: number;
  /** nats-server's StreamConfig and StreamState, as its API writes them. */
  readonly config: Record<string, unknown>;
  readonly state: Record<string, unknown>;
  /** nats-server's ConsumerInfo of each consumer. */
  readonly consumers: Record<string, unknown>[];
}

export interface JetStreamReport {
  readonly shard: number;
  readonly streams: StreamReport[];
}

/** A shard's report of the streams it is home to. */
export function reportOf(shard: number, streams: Iterable<Stream>): JetStreamReport {
  const now = Date.now();
  const out: StreamReport[] = [];
  for (const s of streams) {
    out.push({
      account: s.account,
      name: s.name,
      created: s.created,
      memory: s.config.storage === "memory",
      messages: s.messages,
      bytes: s.storedBytes,
      config: streamConfigJson(s.config),
      state: s.state(null),
      consumers: [...s.consumers.values()].map((c) => consumerInfo(c, now)),
    });
  }
  return { shard, streams: out };
}
