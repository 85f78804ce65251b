// What a shard tells the Worker's /jsz (src/worker/monitoring.ts) about the JetStream it
// is home to: each stream's configuration, state and consumers, in nats-server's JSON,
// for the Worker to sum and list as nats-server's JSInfo.

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
