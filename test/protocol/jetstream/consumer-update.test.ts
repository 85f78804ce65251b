import { describe, expect, it } from "vitest";
import { API_TYPES, errorResponse, JSERR } from "../../../src/protocol/jetstream/api-errors.js";
import {
  checkConsumerConfig,
  checkConsumerUpdate,
  checkWorkQueuePartition,
  type ConsumerConfig,
  type ConsumerCreateSubject,
  type ConsumerStream,
  parseConsumerCreateRequest,
} from "../../../src/protocol/jetstream/consumer-config.js";

const S: ConsumerStream = { subjects: ["s.>"], retention: "limits" };
const W: ConsumerStream = { subjects: ["w.>"], retention: "workqueue" };
const durable = (name: string): ConsumerCreateSubject => ({
  stream: "S",
  nameInSubject: name,
  filterInSubject: null,
  op: "CONSUMER.DURABLE.CREATE",
});

function cfg(body: object, name = "U1", stream = S): ConsumerConfig {
  const r = checkConsumerConfig({ durable_name: name, ...body }, durable(name), stream);
  if (!r.ok) throw new Error(`refused: ${r.error.description}`);
  return r.config;
}

const answer = (e: ReturnType<typeof checkConsumerUpdate>) =>
  e === null ? "ok" : errorResponse(API_TYPES.consumerCreate, e);
const cannot = (text: string) =>
  `{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":500,"err_code":10012,"description":"${text}"}}`;

describe("what an update may change, as nats-server", () => {
  const U1 = cfg({ ack_policy: "explicit" });

  it("takes limits, filters, backoff and the like", () => {
    // nats-server 2.9.10 took these changes, all at once.
    const changes = { max_ack_pending: 5, description: "x", max_deliver: 9, backoff: [1e9], sample_freq: "10" };
    const more = { headers_only: true, max_batch: 10, max_expires: 2e9, max_bytes: 100, inactive_threshold: 3e9 };
    const next = cfg({ ack_policy: "explicit", ack_wait: 5e9, filter_subject: "s.a", ...changes, ...more });
    expect(answer(checkConsumerUpdate(U1, next))).toBe("ok");
    expect(answer(checkConsumerUpdate(U1, U1))).toBe("ok");
  });

  it("refuses changes to where and how it delivers, in nats-server's words", () => {
    // nats-server 2.9.10's answers to the same creates of an existing U1.
    expect(answer(checkConsumerUpdate(U1, cfg({ ack_policy: "all" })))).toBe(cannot("ack policy can not be updated"));
    expect(answer(checkConsumerUpdate(U1, cfg({ ack_policy: "explicit", deliver_policy: "new" })))).toBe(
      cannot("deliver policy can not be updated"),
    );
    expect(
      answer(checkConsumerUpdate(U1, cfg({ ack_policy: "explicit", deliver_policy: "by_start_sequence", opt_start_seq: 4 }))),
    ).toBe(cannot("deliver policy can not be updated"));
    expect(answer(checkConsumerUpdate(U1, cfg({ ack_policy: "explicit", replay_policy: "original" })))).toBe(
      cannot("replay policy can not be updated"),
    );
    expect(answer(checkConsumerUpdate(U1, cfg({ ack_policy: "explicit", max_waiting: 10 })))).toBe(
      cannot("max waiting can not be updated"),
    );
  });

  it("says a pull consumer cannot become push, where 2.9.10 said max waiting", () => {
    // 2.9.10: "max waiting can not be updated"; 2.10 checks the deliver subject first.
    expect(answer(checkConsumerUpdate(U1, cfg({ ack_policy: "explicit", deliver_subject: "x.y" })))).toBe(
      cannot("can not update pull consumer to push based"),
    );
  });

  it("moves a push consumer to another deliver subject only when nobody listens on the old one", () => {
    const P1 = cfg({ deliver_subject: "dp.1", ack_policy: "explicit" }, "P1");
    const P2 = cfg({ deliver_subject: "dp.2", ack_policy: "explicit" }, "P1");
    // nats-server 2.9.10 moved P1 from dp.1 to dp.2.
    expect(answer(checkConsumerUpdate(P1, P2))).toBe("ok");
    expect(checkConsumerUpdate(P1, P2, true)).toBe(JSERR.consumerNameExist);
    expect(answer(checkConsumerUpdate(P1, cfg({ ack_policy: "explicit" }, "P1")))).toBe(
      cannot("can not update push consumer to pull based"),
    );
    expect(answer(checkConsumerUpdate(P1, cfg({ deliver_subject: "dp.1", ack_policy: "explicit", idle_heartbeat: 1e9 }, "P1")))).toBe(
      cannot("heart beats can not be updated"),
    );
    const hb = cfg({ deliver_subject: "dp.1", ack_policy: "explicit", idle_heartbeat: 1e9 }, "P1");
    expect(
      answer(checkConsumerUpdate(hb, cfg({ deliver_subject: "dp.1", ack_policy: "explicit", idle_heartbeat: 1e9, flow_control: true }, "P1"))),
    ).toBe(cannot("flow control can not be updated"));
  });

  it("compares start times as instants", () => {
    const t1 = cfg({ deliver_policy: "by_start_time", opt_start_time: "2020-01-01T05:00:00.0001+05:00" });
    const t2 = cfg({ deliver_policy: "by_start_time", opt_start_time: "2020-01-01T00:00:00.000100Z" });
    const t3 = cfg({ deliver_policy: "by_start_time", opt_start_time: "2020-01-01T00:00:00.0002Z" });
    expect(answer(checkConsumerUpdate(t1, t2))).toBe("ok");
    expect(answer(checkConsumerUpdate(t1, t3))).toBe(cannot("start time can not be updated"));
  });

  it("keeps the storage type, as nats-server 2.12 does", () => {
    expect(answer(checkConsumerUpdate(U1, cfg({ ack_policy: "explicit", mem_storage: true })))).toBe(
      cannot("storage type can not be updated"),
    );
  });
});

describe("a workqueue's consumers share its subjects out", () => {
  const W1 = cfg({ ack_policy: "explicit" }, "W1", W);
  const A = cfg({ ack_policy: "explicit", filter_subject: "w.a" }, "A", W);
  const B = cfg({ ack_policy: "explicit", filter_subjects: ["w.b", "w.c.>"] }, "B", W);

  it("refuses a second consumer that overlaps, in nats-server's words", () => {
    // nats-server 2.9.10, with W1 (unfiltered) on the stream, refused W2 first unfiltered, then on "w.a".
    expect(checkWorkQueuePartition("W2", cfg({ ack_policy: "explicit" }, "W2", W), [{ name: "W1", config: W1 }])).toBe(
      JSERR.consumerWQMultipleUnfiltered,
    );
    expect(
      checkWorkQueuePartition("W2", cfg({ ack_policy: "explicit", filter_subject: "w.a" }, "W2", W), [{ name: "W1", config: W1 }]),
    ).toBe(JSERR.consumerWQConsumerNotUnique);
  });

  it("takes consumers on subjects that do not collide", () => {
    const others = [
      { name: "A", config: A },
      { name: "B", config: B },
    ];
    expect(checkWorkQueuePartition("C", cfg({ ack_policy: "explicit", filter_subject: "w.d.*" }, "C", W), others)).toBeNull();
    expect(checkWorkQueuePartition("C", cfg({ ack_policy: "explicit", filter_subject: "w.*" }, "C", W), others)).toBe(
      JSERR.consumerWQConsumerNotUnique,
    );
    expect(checkWorkQueuePartition("C", cfg({ ack_policy: "explicit", filter_subject: "w.c.x" }, "C", W), others)).toBe(
      JSERR.consumerWQConsumerNotUnique,
    );
    expect(checkWorkQueuePartition("first", W1, [])).toBeNull();
  });

  it("lets a consumer being updated keep clear of the others only", () => {
    const others = [
      { name: "A", config: A },
      { name: "B", config: B },
    ];
    expect(checkWorkQueuePartition("A", cfg({ ack_policy: "explicit", filter_subject: "w.a.>" }, "A", W), others)).toBeNull();
    // An update that drops its filter is not checked against the rest, as in nats-server.
    expect(checkWorkQueuePartition("A", cfg({ ack_policy: "explicit" }, "A", W), others)).toBeNull();
  });
});

describe("the create request's body", () => {
  const body = (o: unknown) => new TextEncoder().encode(typeof o === "string" ? o : JSON.stringify(o));
  const text = (r: ReturnType<typeof parseConsumerCreateRequest>) =>
    r.ok ? "ok" : errorResponse(API_TYPES.consumerCreate, r.error);

  it("hands back the stream, the decoded config and the action", () => {
    const r = parseConsumerCreateRequest(
      { stream_name: "S", config: { ack_policy: "explicit", opt_start_time: "2020-01-01T00:00:00+00:00" }, action: "create" },
      "S",
    );
    expect(r).toEqual({
      ok: true,
      stream: "S",
      config: { ack_policy: "explicit", opt_start_time: "2020-01-01T00:00:00Z" },
      action: "create",
    });
    expect(parseConsumerCreateRequest({ stream_name: "S" })).toEqual({ ok: true, stream: "S", config: {}, action: "" });
    expect(parseConsumerCreateRequest(body({ stream_name: "S", config: null, action: "" }))).toEqual({
      ok: true,
      stream: "S",
      config: {},
      action: "",
    });
  });

  it("refuses what nats-server refuses, in its words (2.9.10 says only \"invalid JSON\")", () => {
    // 2.9.10's answers to the same bodies on $JS.API.CONSUMER.CREATE.S, but for the decoder's error.
    expect(text(parseConsumerCreateRequest({ stream_name: "T", config: {} }, "S"))).toBe(
      '{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":400,"err_code":10056,"description":"stream name in subject does not match request"}}',
    );
    expect(text(parseConsumerCreateRequest(body("{bad"), "S"))).toBe(
      '{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":400,"err_code":10025,"description":"invalid JSON: invalid character \'b\' looking for beginning of object key string"}}',
    );
    expect(text(parseConsumerCreateRequest(body(""), "S"))).toBe(
      '{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":400,"err_code":10025,"description":"invalid JSON: unexpected end of JSON input"}}',
    );
    expect(text(parseConsumerCreateRequest([], "S"))).toBe(
      '{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":400,"err_code":10025,"description":"invalid JSON: json: cannot unmarshal array into Go value of type server.CreateConsumerRequest"}}',
    );
    // A wrong type deep in the config is the body's error, before the stream is compared.
    expect(text(parseConsumerCreateRequest({ stream_name: "T", config: { max_deliver: "x" } }, "S"))).toBe(
      '{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":400,"err_code":10025,"description":"invalid JSON: json: cannot unmarshal string into Go struct field ConsumerConfig.config.max_deliver of type int"}}',
    );
    expect(text(parseConsumerCreateRequest({ stream_name: "S", config: { backoff: ["x"] } }))).toContain(
      "Go struct field ConsumerConfig.config.backoff of type time.Duration",
    );
    expect(text(parseConsumerCreateRequest({ stream_name: "S", action: "replace" }))).toContain(
      '"description":"invalid JSON: unknown consumer action: \\"replace\\""',
    );
    expect(text(parseConsumerCreateRequest({ stream_name: "S", action: null }))).toContain(
      '"description":"invalid JSON: unknown consumer action: null"',
    );
  });

  it("leaves the comparison to the caller without the subject's stream", () => {
    expect(parseConsumerCreateRequest({ stream_name: "T" })).toMatchObject({ ok: true, stream: "T" });
  });
});
