import { describe, expect, it } from "vitest";
import { API_TYPES, errorResponse, JSERR } from "../../../src/protocol/jetstream/api-errors.js";
import {
  checkConsumerConfig,
  type ConsumerConfig,
  type ConsumerConfigResult,
  type ConsumerCreateSubject,
  consumerConfigJson,
  consumerName,
  type ConsumerStream,
  newEphemeralName,
  sameConsumerConfig,
} from "../../../src/protocol/jetstream/consumer-config.js";
import { goJson } from "../../../src/protocol/jetstream/go-json.js";

const CREATE = API_TYPES.consumerCreate;
// The streams of the captures: S on "s.>", W a workqueue on "w.>".
const S: ConsumerStream = { subjects: ["s.>"], retention: "limits" };
const W: ConsumerStream = { subjects: ["w.>"], retention: "workqueue" };
const BARE: ConsumerCreateSubject = { stream: "S", nameInSubject: null, filterInSubject: null };
const named = (name: string, filter: string | null = null): ConsumerCreateSubject => ({
  stream: "S",
  nameInSubject: name,
  filterInSubject: filter,
});
const durable = (name: string): ConsumerCreateSubject => ({ ...named(name), op: "CONSUMER.DURABLE.CREATE" });

function created(config: unknown, req: ConsumerCreateSubject = BARE, stream = S): ConsumerConfig {
  const r = checkConsumerConfig(config, req, stream);
  if (!r.ok) throw new Error(`refused: ${r.error.description}`);
  return r.config;
}

/** What nats-server would send: the error response, or the config's JSON. */
function answer(r: ConsumerConfigResult): string {
  return r.ok ? goJson(consumerConfigJson(r.config)) : errorResponse(CREATE, r.error);
}

const refused = (code: number, errCode: number, text: string) =>
  `{"type":"${CREATE}","error":{"code":${code},"err_code":${errCode},"description":"${text}"}}`;

describe("consumer create: defaults and JSON as nats-server", () => {
  // The `config` of nats-server 2.9.10's consumer_create_response to the same
  // requests (`nats-server -js`, raw TCP client).
  it("fills in a durable pull consumer's defaults", () => {
    const c = created({ durable_name: "D1", ack_policy: "explicit" }, durable("D1"));
    expect(goJson(consumerConfigJson(c))).toBe(
      '{"durable_name":"D1","deliver_policy":"all","ack_policy":"explicit","ack_wait":30000000000,"max_deliver":-1,"replay_policy":"instant","max_waiting":512,"max_ack_pending":1000,"num_replicas":0}',
    );
    expect(consumerName(c)).toBe("D1");
  });

  it("takes ack policy none when none is given, as Go's zero value", () => {
    const c = created({});
    // 2.9.10: {"deliver_policy":"all","ack_policy":"none","max_deliver":-1,"replay_policy":"instant","max_waiting":512,"inactive_threshold":5000000000,"num_replicas":0}
    // 2.10 also writes the name it made up into the config, first.
    const json = goJson(consumerConfigJson(c));
    expect(json).toBe(
      `{"name":"${c.name}","deliver_policy":"all","ack_policy":"none","max_deliver":-1,"replay_policy":"instant","max_waiting":512,"inactive_threshold":5000000000,"num_replicas":0}`,
    );
    expect(c.name).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(consumerName(c)).toBe(c.name);
  });

  it("names a consumer after its subject, durable or not", () => {
    expect(goJson(consumerConfigJson(created({ ack_policy: "explicit" }, named("N1"))))).toBe(
      '{"name":"N1","deliver_policy":"all","ack_policy":"explicit","ack_wait":30000000000,"max_deliver":-1,"replay_policy":"instant","max_waiting":512,"max_ack_pending":1000,"inactive_threshold":5000000000,"num_replicas":0}',
    );
    expect(goJson(consumerConfigJson(created({ durable_name: "N2", ack_policy: "explicit" }, named("N2"))))).toBe(
      '{"durable_name":"N2","name":"N2","deliver_policy":"all","ack_policy":"explicit","ack_wait":30000000000,"max_deliver":-1,"replay_policy":"instant","max_waiting":512,"max_ack_pending":1000,"num_replicas":0}',
    );
    const c = created({ durable_name: "N3", ack_policy: "explicit", filter_subject: "s.a" }, named("N3", "s.a"));
    expect(goJson(consumerConfigJson(c))).toBe(
      '{"durable_name":"N3","name":"N3","deliver_policy":"all","ack_policy":"explicit","ack_wait":30000000000,"max_deliver":-1,"filter_subject":"s.a","replay_policy":"instant","max_waiting":512,"max_ack_pending":1000,"num_replicas":0}',
    );
    // The body's name gives way to the subject's, as in nats-server.
    expect(created({ name: "other" }, named("N4")).name).toBe("N4");
  });

  it("gives a push consumer no wait queue", () => {
    const c = created({ deliver_subject: "push.1", ack_policy: "none" });
    expect(goJson(consumerConfigJson(c))).toBe(
      `{"name":"${c.name}","deliver_policy":"all","ack_policy":"none","max_deliver":-1,"replay_policy":"instant","deliver_subject":"push.1","inactive_threshold":5000000000,"num_replicas":0}`,
    );
    expect(goJson(consumerConfigJson(created({ durable_name: "P", deliver_subject: "dp.1", ack_policy: "explicit", idle_heartbeat: 3e8, flow_control: true }, durable("P"))))).toBe(
      '{"durable_name":"P","deliver_policy":"all","ack_policy":"explicit","ack_wait":30000000000,"max_deliver":-1,"replay_policy":"instant","max_ack_pending":1000,"idle_heartbeat":300000000,"flow_control":true,"deliver_subject":"dp.1","num_replicas":0}',
    );
  });

  it("keeps what a full config sets, in nats-server's order, and lets backoff set the ack wait", () => {
    const body = {
      durable_name: "U1",
      ack_policy: "explicit",
      max_ack_pending: 5,
      description: "x",
      ack_wait: 5e9,
      max_deliver: 9,
      backoff: [1e9],
      sample_freq: "10",
      max_waiting: 512,
      headers_only: true,
      max_batch: 10,
      max_expires: 2e9,
      max_bytes: 100,
      inactive_threshold: 3e9,
      filter_subject: "s.a",
      metadata: { b: "2", a: "1" },
    };
    // 2.9.10's answer, which has no metadata yet (2.10 writes it last, keys sorted).
    expect(goJson(consumerConfigJson(created(body, durable("U1"))))).toBe(
      '{"durable_name":"U1","description":"x","deliver_policy":"all","ack_policy":"explicit","ack_wait":1000000000,"max_deliver":9,"backoff":[1000000000],"filter_subject":"s.a","replay_policy":"instant","sample_freq":"10","max_waiting":512,"max_ack_pending":5,"headers_only":true,"max_batch":10,"max_expires":2000000000,"max_bytes":100,"inactive_threshold":3000000000,"num_replicas":0,"metadata":{"a":"1","b":"2"}}',
    );
  });

  it("writes a start time back as Go does", () => {
    // 2.9.10's opt_start_time for each opt_start_time sent.
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["2020-01-01T05:00:00+05:00", "2020-01-01T05:00:00+05:00"],
      ["2020-01-01T00:00:00.500000000Z", "2020-01-01T00:00:00.5Z"],
      ["2020-01-01T00:00:00+00:00", "2020-01-01T00:00:00Z"],
      ["2020-01-01T00:00:00-00:00", "2020-01-01T00:00:00Z"],
      ["2020-01-01T00:00:00.123456789123Z", "2020-01-01T00:00:00.123456789Z"],
      ["2020-01-01T00:00:00,5Z", "2020-01-01T00:00:00.5Z"],
    ];
    for (const [sent, written] of cases) {
      expect(created({ deliver_policy: "by_start_time", opt_start_time: sent }).opt_start_time).toBe(written);
    }
  });

  it("reads keys case-insensitively, treats null as absent and 'undefined' as deliver all", () => {
    const c = created({ ACK_POLICY: "explicit", Max_Deliver: 3, filter_subject: null, deliver_policy: "undefined" });
    expect([c.ack_policy, c.max_deliver, c.filter_subject, c.deliver_policy]).toEqual(["explicit", 3, undefined, "all"]);
    expect(checkConsumerConfig(null, named("X"), S)).toEqual(checkConsumerConfig({}, named("X"), S));
  });

  it("takes defaults from the stream's consumer limits (2.10)", () => {
    const limited: ConsumerStream = { ...S, consumerLimits: { max_ack_pending: 50, inactive_threshold: 10e9 } };
    const c = created({ ack_policy: "explicit" }, named("L"), limited);
    expect([c.max_ack_pending, c.inactive_threshold]).toEqual([50, 10e9]);
    const r = checkConsumerConfig({ ack_policy: "explicit", max_ack_pending: 51 }, named("L"), limited);
    expect(answer(r)).toBe(refused(400, 10121, "consumer max ack pending exceeds system limit of 50"));
    const t = checkConsumerConfig({ inactive_threshold: 60e9 }, named("L"), limited);
    expect(answer(t)).toBe(refused(400, 10153, "consumer inactive threshold exceeds system limit of 10s"));
  });

  it("applies the server's limits when it has any", () => {
    const limits = { maxAckPending: 100, maxRequestBatch: 20 };
    const c = checkConsumerConfig({ ack_policy: "explicit" }, named("L"), S, limits);
    expect(c.ok && [c.config.max_ack_pending, c.config.max_batch]).toEqual([100, 20]);
    expect(answer(checkConsumerConfig({ max_batch: 21 }, named("L"), S, limits))).toBe(
      refused(400, 10125, "consumer max request batch exceeds server limit of 20"),
    );
    expect(answer(checkConsumerConfig({ ack_policy: "all", max_ack_pending: 101 }, named("L"), S, limits))).toBe(
      refused(400, 10121, "consumer max ack pending exceeds system limit of 100"),
    );
  });

  it("stores other negative limits as -1 and negative durations as 0, as nats-server 2.11 does", () => {
    // 2.10 echoes max_deliver -5 back, and a negative heartbeat fires without pause.
    const c = created({ max_deliver: -5, max_ack_pending: -3, deliver_subject: "p", idle_heartbeat: -1, inactive_threshold: -1 });
    expect([c.max_deliver, c.max_ack_pending, c.idle_heartbeat, c.inactive_threshold]).toEqual([-1, -1, undefined, 5e9]);
  });

  it("makes names of nats-server's shape", () => {
    const names = new Set(Array.from({ length: 50 }, newEphemeralName));
    expect(names.size).toBe(50);
    for (const n of names) expect(n).toMatch(/^[0-9A-Za-z]{8}$/);
  });
});

describe("consumer create: refusals, in nats-server's words", () => {
  // [config, subject, stream, nats-server 2.9.10's whole answer]
  const CASES: ReadonlyArray<readonly [unknown, ConsumerCreateSubject, ConsumerStream, string]> = [
    [{ deliver_subject: "a.*" }, BARE, S, refused(400, 10079, "consumer deliver subject has wildcards")],
    [{ deliver_subject: "a..b" }, BARE, S, refused(400, 10112, "invalid push consumer deliver subject")],
    [{ deliver_subject: "s.x" }, BARE, S, refused(400, 10081, "consumer deliver subject forms a cycle")],
    [{ deliver_subject: "p", max_waiting: 5 }, BARE, S, refused(400, 10080, "consumer in push mode can not set max waiting")],
    [{ deliver_subject: "p", max_ack_pending: 5 }, BARE, S, refused(400, 10082, "consumer requires ack policy for max ack pending")],
    [{ deliver_subject: "p", idle_heartbeat: 50e6 }, BARE, S, refused(400, 10083, "consumer idle heartbeat needs to be \\u003e= 100ms")],
    [{ deliver_subject: "p", flow_control: true }, BARE, S, refused(400, 10108, "consumer with flow control also needs heartbeats")],
    [{ ack_policy: "none" }, BARE, W, refused(400, 10084, "consumer in pull mode requires ack policy")],
    [{ ack_policy: "explicit", rate_limit_bps: 5 }, BARE, S, refused(400, 10086, "consumer in pull mode can not have rate limit set")],
    [{ ack_policy: "explicit", max_waiting: -1 }, BARE, S, refused(400, 10087, "consumer max waiting needs to be positive")],
    [{ ack_policy: "explicit", idle_heartbeat: 1e9 }, BARE, S, refused(400, 10088, "consumer idle heartbeat requires a push based consumer")],
    [{ ack_policy: "explicit", flow_control: true }, BARE, S, refused(400, 10089, "consumer flow control requires a push based consumer")],
    [{ ack_policy: "explicit", max_batch: -1 }, BARE, S, refused(400, 10114, "consumer max request batch needs to be \\u003e 0")],
    [{ ack_policy: "explicit", max_expires: 1000 }, BARE, S, refused(400, 10115, "consumer max request expires needs to be \\u003e= 1ms")],
    [{ ack_policy: "explicit", backoff: [1e9, 2e9, 3e9], max_deliver: 2 }, BARE, S, refused(400, 10116, "max deliver is required to be \\u003e length of backoff values")],
    [{ ack_policy: "explicit", description: "é".repeat(2049) }, BARE, S, refused(400, 10107, "consumer description is too long, maximum allowed is 4096")],
    [{ ack_policy: "explicit", opt_start_seq: 5 }, BARE, S, refused(400, 10094, "consumer delivery policy is deliver all, but optional start sequence is also set")],
    [{ ack_policy: "explicit", opt_start_time: "2020-01-01T00:00:00Z" }, BARE, S, refused(400, 10094, "consumer delivery policy is deliver all, but optional start time is also set")],
    [{ ack_policy: "explicit", deliver_policy: "last", opt_start_seq: 5 }, BARE, S, refused(400, 10094, "consumer delivery policy is deliver last, but optional start sequence is also set")],
    [{ ack_policy: "explicit", deliver_policy: "last_per_subject" }, BARE, S, refused(400, 10094, "consumer delivery policy is deliver last per subject, but optional filter subject is not set")],
    [{ ack_policy: "explicit", deliver_policy: "by_start_sequence" }, BARE, S, refused(400, 10094, "consumer delivery policy is deliver by start sequence, but optional start sequence is not set")],
    [{ ack_policy: "explicit", deliver_policy: "by_start_time" }, BARE, S, refused(400, 10094, "consumer delivery policy is deliver by start time, but optional start time is not set")],
    [{ ack_policy: "explicit", deliver_policy: "by_start_time", opt_start_time: "2020-01-01T00:00:00Z", opt_start_seq: 3 }, BARE, S, refused(400, 10094, "consumer delivery policy is deliver by start time, but optional start start sequence is also set")],
    [{ ack_policy: "explicit", deliver_policy: "new", opt_start_time: "2020-01-01T00:00:00Z" }, BARE, S, refused(400, 10094, "consumer delivery policy is deliver new, but optional start time is also set")],
    [{ ack_policy: "explicit", sample_freq: "abc" }, BARE, S, refused(400, 10095, 'failed to parse consumer sampling configuration: strconv.Atoi: parsing \\"abc\\": invalid syntax')],
    [{ ack_policy: "explicit", sample_freq: "-5" }, BARE, S, refused(400, 10095, "failed to parse consumer sampling configuration: \\u003cnil\\u003e")],
    [{ ack_policy: "explicit", sample_freq: "-5%" }, BARE, S, refused(400, 10095, "failed to parse consumer sampling configuration: \\u003cnil\\u003e")],
    [{ ack_policy: "explicit", num_replicas: 3 }, BARE, S, refused(500, 10074, "replicas \\u003e 1 not supported in non-clustered mode")],
    [{ ack_policy: "explicit", num_replicas: -1 }, BARE, S, refused(400, 10133, "replicas count cannot be negative")],
    [{ ack_policy: "explicit", durable_name: "X" }, BARE, S, refused(400, 10020, "consumer expected to be ephemeral but a durable name was set in request")],
    [{ ack_policy: "explicit" }, durable("D9"), S, refused(400, 10018, "consumer expected to be durable but a durable name was not set")],
    [{ ack_policy: "explicit", durable_name: "D8" }, durable("D9"), S, refused(400, 10017, "consumer name in subject does not match durable name in request")],
    [{ ack_policy: "explicit", durable_name: "D8" }, named("D9"), S, refused(400, 10017, "consumer name in subject does not match durable name in request")],
    [{ ack_policy: "explicit", durable_name: "D9", name: "D7" }, durable("D9"), S, refused(400, 10132, "Consumer Durable and Name have to be equal if both are provided")],
    [{ ack_policy: "explicit", name: "a*" }, BARE, S, refused(400, 10103, "durable name can not contain '.', '*', '\\u003e'")],
    [{ ack_policy: "explicit" }, named("a*"), S, refused(400, 10103, "durable name can not contain '.', '*', '\\u003e'")],
    [{ ack_policy: "explicit" }, named("a\\b"), S, refused(400, 10127, "Consumer name can not contain path separators")],
    [{ ack_policy: "explicit" }, named("a/b"), S, refused(400, 10127, "Consumer name can not contain path separators")],
    [{ ack_policy: "explicit", durable_name: "n".repeat(256) }, durable("n".repeat(256)), S, refused(400, 10102, "consumer name is too long, maximum allowed is 255")],
    [{ ack_policy: "explicit", filter_subject: "s.b" }, named("F1", "s.a.x"), S, refused(400, 10131, "Consumer create request did not match filtered subject from create subject")],
    [{ ack_policy: "all" }, BARE, W, refused(400, 10098, "workqueue stream requires explicit ack")],
    [{ ack_policy: "none", deliver_subject: "wq.p" }, BARE, W, refused(400, 10098, "workqueue stream requires explicit ack")],
    [{ ack_policy: "explicit", deliver_policy: "new" }, BARE, W, refused(400, 10101, "consumer must be deliver all on workqueue stream")],
  ];

  it.each(CASES)("%j %j", (config, req, stream, expected) => {
    expect(answer(checkConsumerConfig(config, req, stream))).toBe(expected);
  });

  it("refuses what Go's decoder refuses, with the decoder's words (2.9.10: just \"invalid JSON\")", () => {
    const text = (config: unknown) => {
      const r = checkConsumerConfig(config, BARE, S);
      expect(r.ok ? null : [r.error.code, r.error.err_code]).toEqual([400, 10025]);
      return r.ok ? "" : r.error.description;
    };
    expect(text({ ack_policy: "bogus" })).toBe('invalid JSON: can not unmarshal "\\"bogus\\""');
    expect(text({ deliver_policy: null })).toBe('invalid JSON: can not unmarshal "null"');
    expect(text({ max_deliver: "x" })).toBe(
      "invalid JSON: json: cannot unmarshal string into Go struct field ConsumerConfig.max_deliver of type int",
    );
    expect(text({ opt_start_seq: -1 })).toBe(
      "invalid JSON: json: cannot unmarshal number -1 into Go struct field ConsumerConfig.opt_start_seq of type uint64",
    );
    expect(text({ backoff: "1s" })).toBe(
      "invalid JSON: json: cannot unmarshal string into Go struct field ConsumerConfig.backoff of type []time.Duration",
    );
    expect(text({ backoff: [1e9, "2s"] })).toBe(
      "invalid JSON: json: cannot unmarshal string into Go struct field ConsumerConfig.backoff of type time.Duration",
    );
    expect(text({ opt_start_time: 5 })).toBe("invalid JSON: Time.UnmarshalJSON: input is not a JSON string");
    expect(text({ opt_start_time: "nope" })).toBe(
      'invalid JSON: parsing time "nope" as "2006-01-02T15:04:05Z07:00": cannot parse "nope" as "2006"',
    );
    expect(text({ opt_start_time: "2020-1-01T00:00:00Z" })).toBe(
      'invalid JSON: parsing time "2020-1-01T00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse "1-01T00:00:00Z" as "01"',
    );
    expect(text({ opt_start_time: "2020-01-01t00:00:00z" })).toBe(
      'invalid JSON: parsing time "2020-01-01t00:00:00z" as "2006-01-02T15:04:05Z07:00": cannot parse "t00:00:00z" as "T"',
    );
    expect(text({ opt_start_time: "2020-13-01T00:00:00Z" })).toBe('invalid JSON: parsing time "2020-13-01T00:00:00Z": month out of range');
    expect(text({ opt_start_time: "2020-02-30T00:00:00Z" })).toBe('invalid JSON: parsing time "2020-02-30T00:00:00Z": day out of range');
    expect(text({ opt_start_time: "2020-02-01T00:00:00Zx" })).toBe(
      'invalid JSON: parsing time "2020-02-01T00:00:00Zx": extra text: "x"',
    );
    expect(text({ metadata: { a: 1 } })).toBe(
      "invalid JSON: json: cannot unmarshal number into Go struct field ConsumerConfig.metadata of type string",
    );
    expect(text([])).toBe("invalid JSON: json: cannot unmarshal array into Go value of type server.ConsumerConfig");
  });

  it("checks filter_subjects as nats-server 2.10 does", () => {
    const desc = (config: object, req = BARE) => {
      const r = checkConsumerConfig({ ack_policy: "explicit", ...config }, req, S);
      return r.ok ? "ok" : `${r.error.err_code} ${r.error.description}`;
    };
    expect(desc({ filter_subjects: ["s.a", "s.b.>"] })).toBe("ok");
    expect(desc({ filter_subject: "s.a", filter_subjects: ["s.b"] })).toBe(
      "10136 consumer cannot have both FilterSubject and FilterSubjects specified",
    );
    expect(desc({ filter_subjects: ["s.a", ""] })).toBe("10139 consumer filter in FilterSubjects cannot be empty");
    expect(desc({ filter_subjects: ["s.*", "s.a"] })).toBe("10138 consumer subject filters cannot overlap");
    expect(desc({ filter_subjects: ["s..a"] })).toBe("10052 invalid subject");
    expect(desc({ filter_subject: "a..b" })).toBe("10052 invalid subject");
    expect(desc({ filter_subjects: ["s.a"] }, named("F", "s.a"))).toBe(
      "10137 consumer with multiple subject filters cannot use subject based API",
    );
    expect(desc({ deliver_policy: "last_per_subject", filter_subjects: ["s.a", "s.b"] })).toBe("ok");
  });

  it("takes a filter outside the stream's subjects, as nats-server 2.10 does", () => {
    // 2.9.10 answered 10093 "consumer filter subject is not a valid subset of the interest subjects".
    expect(created({ ack_policy: "explicit", filter_subject: "t.x" }).filter_subject).toBe("t.x");
  });

  it("refuses a negative ack wait or backoff, as nats-server 2.12 does", () => {
    expect(answer(checkConsumerConfig({ ack_policy: "explicit", ack_wait: -1 }, BARE, S))).toBe(
      refused(400, 10183, "consumer ack wait needs to be positive"),
    );
    expect(answer(checkConsumerConfig({ ack_policy: "explicit", backoff: [1e9, -1] }, BARE, S))).toBe(
      refused(400, 10184, "consumer backoff needs to be positive"),
    );
  });

  it("takes backoff without max_deliver, as nats-server 2.10 does", () => {
    // 2.9.10 refused it: max_deliver -1 was "not > 3".
    const c = created({ ack_policy: "explicit", backoff: [1e9, 2e9, 3e9] });
    expect([c.ack_wait, c.max_deliver]).toEqual([1e9, -1]);
  });

  it("holds every name to 255 bytes, and metadata to 128KB (2.10)", () => {
    // 2.10 let a longer ephemeral name through to its file store, which failed:
    // 2.9.10 answered 500 10012 "error creating store for consumer".
    expect(answer(checkConsumerConfig({ name: "n".repeat(256) }, BARE, S))).toBe(
      refused(400, 10102, "consumer name is too long, maximum allowed is 255"),
    );
    expect(answer(checkConsumerConfig({ metadata: { k: "v".repeat(128 * 1024) } }, BARE, S))).toBe(
      refused(400, 10135, "consumer metadata exceeds maximum size of 128KB"),
    );
  });

  it("refuses a direct consumer after nats-server's own rules for one", () => {
    const desc = (config: object, req = BARE) => {
      const r = checkConsumerConfig({ direct: true, ...config }, req, S);
      return r.ok ? "ok" : `${r.error.err_code} ${r.error.description}`;
    };
    expect(desc({})).toBe("10090 consumer direct requires a push based consumer");
    expect(desc({ deliver_subject: "d", durable_name: "D" }, durable("D"))).toBe(
      "10091 consumer direct requires an ephemeral consumer",
    );
    expect(desc({ deliver_subject: "d" })).toBe("10012 consumer direct is not supported");
  });

  it("checks the body's name of a bare create for path separators, as nats-server 2.11 does", () => {
    expect(checkConsumerConfig({ name: "a/b" }, BARE, S)).toEqual({ ok: false, error: JSERR.consumerNameContainsPathSeparators });
  });
});

describe("the configurations the official client sends", () => {
  it("takes @nats-io/jetstream's ordered consumers, pull and push", () => {
    // jsmstream_api.js ordered() and getOrderedPushConsumer(), as 3.4.0 builds them.
    const pull = created(
      {
        name: "oc_1",
        deliver_policy: "by_start_sequence",
        opt_start_seq: 1,
        ack_policy: "none",
        inactive_threshold: 300e9,
        num_replicas: 1,
        max_deliver: 1,
        mem_storage: true,
        filter_subjects: ["s.a", "s.b"],
      },
      named("oc_1"),
    );
    expect([pull.name, pull.max_waiting, pull.num_replicas, pull.inactive_threshold]).toEqual(["oc_1", 512, 1, 300e9]);
    const push = created(
      {
        ack_policy: "none",
        inactive_threshold: 300e9,
        num_replicas: 1,
        max_deliver: 1,
        flow_control: true,
        idle_heartbeat: 30e9,
        filter_subject: ">",
        name: "oc_push_1",
        deliver_subject: "_INBOX.abc.1",
      },
      named("oc_push_1"),
    );
    expect([push.deliver_subject, push.max_waiting, push.filter_subject]).toEqual(["_INBOX.abc.1", 0, ">"]);
  });
});

describe("comparing configurations", () => {
  it("sees a repeated create as the same consumer", () => {
    const a = created({ durable_name: "D", ack_policy: "explicit" }, durable("D"));
    expect(sameConsumerConfig(a, created({ durable_name: "D", ack_policy: "explicit", ack_wait: 30e9 }, durable("D")))).toBe(true);
    expect(sameConsumerConfig(a, created({ durable_name: "D", ack_policy: "explicit", max_deliver: 3 }, durable("D")))).toBe(false);
    const m1 = created({ metadata: { a: "1", b: "2" } }, named("M"));
    expect(sameConsumerConfig(m1, created({ metadata: { b: "2", a: "1" } }, named("M")))).toBe(true);
  });

  it("sees the same named ephemeral twice as the same, where nats-server 2.10 refuses the second", () => {
    // 2.10 compares the request before it stamps the 5s inactive_threshold, and answers 10148.
    expect(sameConsumerConfig(created({ ack_policy: "explicit" }, named("E")), created({ ack_policy: "explicit" }, named("E")))).toBe(true);
  });
});
