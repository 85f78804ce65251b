import { describe, expect, it } from "vitest";
import { checkConsumerConfig, type ConsumerConfig } from "../../../src/protocol/jetstream/consumer-config.js";
import { consumerInfoJson, type ConsumerState } from "../../../src/protocol/jetstream/consumer-info.js";
import { goJson } from "../../../src/protocol/jetstream/go-json.js";

function config(body: object, name: string, deliver = false): ConsumerConfig {
  const r = checkConsumerConfig(
    { durable_name: name, ...body },
    { stream: "Q", nameInSubject: name, filterInSubject: null, op: "CONSUMER.DURABLE.CREATE" },
    { subjects: deliver ? ["f.>"] : ["q.>"], retention: "limits" },
  );
  if (!r.ok) throw new Error(r.error.description);
  return r.config;
}

const at = (iso: string) => Date.parse(iso);

// A consumer that has delivered nothing yet.
const IDLE: ConsumerState = {
  delivered: { consumer_seq: 0, stream_seq: 0 },
  ack_floor: { consumer_seq: 0, stream_seq: 0 },
  num_ack_pending: 0,
  num_redelivered: 0,
  num_waiting: 0,
  num_pending: 0,
};

describe("ConsumerInfo as nats-server writes it", () => {
  it("reports a pull consumer with deliveries and acks", () => {
    // nats-server 2.9.10's consumer_info_response for a durable that was sent
    // two messages and acked one (its times cut to the millisecond), with the
    // 2.10 `ts` after it.
    const observed =
      '{"stream_name":"Q","name":"PI","created":"2026-12-03T07:45:06.207Z","config":{"durable_name":"PI","deliver_policy":"all","ack_policy":"explicit","ack_wait":30000000000,"max_deliver":-1,"filter_subject":"q.a","replay_policy":"instant","max_waiting":512,"max_ack_pending":1000,"num_replicas":0},"delivered":{"consumer_seq":2,"stream_seq":2,"last_active":"2026-12-03T07:45:06.295Z"},"ack_floor":{"consumer_seq":1,"stream_seq":1,"last_active":"2026-12-03T07:45:06.543Z"},"num_ack_pending":1,"num_redelivered":0,"num_waiting":0,"num_pending":1,"ts":"2026-12-03T07:45:06.6Z"}';
    const state: ConsumerState = {
      delivered: { consumer_seq: 2, stream_seq: 2, last_active: at("2026-12-03T07:45:06.295Z") },
      ack_floor: { consumer_seq: 1, stream_seq: 1, last_active: at("2026-12-03T07:45:06.543Z") },
      num_ack_pending: 1,
      num_redelivered: 0,
      num_waiting: 0,
      num_pending: 1,
    };
    const info = consumerInfoJson(
      "Q",
      "PI",
      at("2026-12-03T07:45:06.207Z"),
      config({ ack_policy: "explicit", filter_subject: "q.a" }, "PI"),
      state,
      "",
      at("2026-12-03T07:45:06.600Z"),
    );
    expect(goJson(info)).toBe(observed);
  });

  it("says a push consumer is bound while someone listens, and leaves false out", () => {
    const c = config({ deliver_subject: "pd.1", ack_policy: "explicit", idle_heartbeat: 3e8, flow_control: true }, "PU", true);
    const idle = IDLE;
    const t = at("2026-12-03T07:44:58.223Z");
    // nats-server 2.9.10's create response for the same consumer, with the 2.10 `ts`.
    expect(goJson(consumerInfoJson("F", "PU", t, c, { ...idle, push_bound: true }, "", t))).toBe(
      '{"stream_name":"F","name":"PU","created":"2026-12-03T07:44:58.223Z","config":{"durable_name":"PU","deliver_policy":"all","ack_policy":"explicit","ack_wait":30000000000,"max_deliver":-1,"replay_policy":"instant","max_ack_pending":1000,"idle_heartbeat":300000000,"flow_control":true,"deliver_subject":"pd.1","num_replicas":0},"delivered":{"consumer_seq":0,"stream_seq":0},"ack_floor":{"consumer_seq":0,"stream_seq":0},"num_ack_pending":0,"num_redelivered":0,"num_waiting":0,"num_pending":0,"push_bound":true,"ts":"2026-12-03T07:44:58.223Z"}',
    );
    expect(consumerInfoJson("F", "PU", t, c, idle, "", t)).not.toHaveProperty("push_bound");
  });

  it("names the leader only when given one, in cluster's place", () => {
    const c = config({ ack_policy: "none" }, "X");
    const s: ConsumerState = { ...IDLE, num_waiting: 3, num_pending: 7, push_bound: true }; // not push: ignored
    const info = consumerInfoJson("Q", "X", 0, c, s, "edge-1", 1000);
    expect(Object.keys(info)).toEqual([
      "stream_name",
      "name",
      "created",
      "config",
      "delivered",
      "ack_floor",
      "num_ack_pending",
      "num_redelivered",
      "num_waiting",
      "num_pending",
      "cluster",
      "ts",
    ]);
    expect(info.cluster).toEqual({ leader: "edge-1" });
    expect([info.created, info.ts]).toEqual(["1970-01-01T00:00:00Z", "1970-01-01T00:00:01Z"]);
  });
});
