// What CONSUMER.INFO (and a create, and each entry of CONSUMER.LIST) answers:
// nats-server's ConsumerInfo (server/consumer.go, 2.10), its fields in its
// order. Times are written as Go writes a time.Time (see time.ts).

import { type ConsumerConfig, consumerConfigJson } from "./consumer-config.js";
import { rfc3339 } from "./time.js";

/** A position in the stream, as the consumer and the stream count it. */
export interface SequencePair {
  consumer_seq: number;
  stream_seq: number;
  /** Unix ms of the last delivery (or ack); absent before the first. */
  last_active?: number;
}

export interface ConsumerState {
  /** The last message delivered. */
  delivered: SequencePair;
  /** Everything up to here is acknowledged. */
  ack_floor: SequencePair;
  num_ack_pending: number;
  num_redelivered: number;
  /** Pull requests waiting (0 for a push consumer). */
  num_waiting: number;
  /** Messages left in the stream for this consumer. */
  num_pending: number;
  /** A push consumer with someone subscribed to its deliver subject. */
  push_bound?: boolean;
}

/**
 * The ConsumerInfo object (without the response's `type`). `leader` is the
 * server name for `cluster`; nats-server leaves cluster out on a single
 * server, so pass "" to answer as it does. `nowMs` is the 2.10 `ts`, when the
 * information was gathered.
 */
export function consumerInfoJson(
  stream: string,
  name: string,
  createdMs: number,
  config: ConsumerConfig,
  state: ConsumerState,
  leader: string,
  nowMs: number,
): Record<string, unknown> {
  const o: Record<string, unknown> = {
    stream_name: stream,
    name,
    created: rfc3339(createdMs),
    config: consumerConfigJson(config),
    delivered: sequenceJson(state.delivered),
    ack_floor: sequenceJson(state.ack_floor),
    num_ack_pending: state.num_ack_pending,
    num_redelivered: state.num_redelivered,
    num_waiting: state.num_waiting,
    num_pending: state.num_pending,
  };
  if (leader !== "") o.cluster = { leader };
  // Only a push consumer is bound, and Go leaves out false.
  if (state.push_bound === true && config.deliver_subject !== undefined) o.push_bound = true;
  o.ts = rfc3339(nowMs);
  return o;
}

function sequenceJson(s: SequencePair): Record<string, unknown> {
  const o: Record<string, unknown> = { consumer_seq: s.consumer_seq, stream_seq: s.stream_seq };
  if (s.last_active !== undefined) o.last_active = rfc3339(s.last_active);
  return o;
}
