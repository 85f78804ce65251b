import { describe, expect, it } from "vitest";
import { API_TYPES, errorResponse, JSERR } from "../../../src/protocol/jetstream/api-errors.js";
import { goJson } from "../../../src/protocol/jetstream/go-json.js";
import {
  checkStreamConfig,
  checkStreamUpdate,
  sameStreamConfig,
  type StreamConfig,
  type StreamConfigResult,
  streamConfigJson,
  subjectsOverlap,
} from "../../../src/protocol/jetstream/stream-config.js";

const LIMITS = { maxPayload: 1024 * 1024 };
const CREATE = API_TYPES.streamCreate;
const UPDATE = API_TYPES.streamUpdate;

function created(body: unknown, name = (body as { name: string }).name): StreamConfig {
  const r = checkStreamConfig(body, name, LIMITS);
  if (!r.ok) throw new Error(`refused: ${r.error.description}`);
  return r.config;
}

/** What nats-server would send for the request: the error response, or the config's JSON. */
function answer(type: string, r: StreamConfigResult): string {
  return r.ok ? goJson(streamConfigJson(r.config)) : errorResponse(type, r.error);
}

// The `config` objects of nats-server 2.9.10's stream_create_response to the same
// bodies (`nats-server -js`, raw TCP client; the rest of each response is state).
const S1_CONFIG =
  '{"name":"S1","subjects":["S1"],"retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"file","num_replicas":1,"duplicate_window":120000000000,"allow_direct":false,"mirror_direct":false,"sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false}';
const S2_BODY = {
  name: "S2",
  subjects: ["a.>", "b"],
  description: "d",
  max_age: 1000000000,
  storage: "memory",
  discard: "new",
  max_msg_size: 100,
  no_ack: true,
  allow_direct: true,
  allow_rollup_hdrs: true,
  deny_delete: true,
  max_msgs_per_subject: 3,
  discard_new_per_subject: true,
};
const S2_CONFIG =
  '{"name":"S2","description":"d","subjects":["a.\\u003e","b"],"retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":1000000000,"max_msgs_per_subject":3,"max_msg_size":100,"discard":"new","storage":"memory","num_replicas":1,"no_ack":true,"duplicate_window":1000000000,"allow_direct":true,"mirror_direct":false,"discard_new_per_subject":true,"sealed":false,"deny_delete":true,"deny_purge":false,"allow_rollup_hdrs":true}';

const invalidConfig = (text: string) =>
  `{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":500,"err_code":10052,"description":"${text}"}}`;

describe("stream create: defaults and JSON as nats-server 2.9.10", () => {
  it("fills in the defaults of a bare config", () => {
    expect(goJson(streamConfigJson(created({ name: "S1" })))).toBe(S1_CONFIG);
  });

  it("keeps what a full config sets, with omitempty fields and nats-server's escaping", () => {
    expect(goJson(streamConfigJson(created(S2_BODY)))).toBe(S2_CONFIG);
  });

  it("drops empty values and keeps a placement", () => {
    const body = {
      name: "U",
      subjects: ["u1", "u2"],
      max_age: 200000000,
      description: "",
      max_msg_size: 0,
      sources: [],
      placement: { cluster: "c1", tags: ["t"] },
    };
    // nats-server 2.9.10's config for the same body:
    expect(goJson(streamConfigJson(created(body)))).toBe(
      '{"name":"U","subjects":["u1","u2"],"retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":200000000,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"file","num_replicas":1,"duplicate_window":200000000,"placement":{"cluster":"c1","tags":["t"]},"allow_direct":false,"mirror_direct":false,"sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false}',
    );
  });

  it("reads keys case-insensitively, ignores unknown ones and treats null as absent", () => {
    // nats-server 2.9.10 answered {"NAME":"X","Max_Msgs":7} with max_msgs 7.
    expect(created({ NAME: "X", Max_Msgs: 7, unknown_field: [1] }, "X").max_msgs).toBe(7);
    // … and {"max_msgs":null,"subjects":null,"discard":"NEW"} with the defaults and discard new.
    const c = created({ name: "X", max_msgs: null, subjects: null, discard: "NEW" });
    expect(c.max_msgs).toBe(-1);
    expect(c.subjects).toEqual(["X"]);
    expect(c.discard).toBe("new");
    expect(checkStreamConfig(null, "", LIMITS)).toEqual(checkStreamConfig({}, "", LIMITS));
  });

  it("takes the duplicate window from max_age when that is shorter than two minutes", () => {
    expect(created({ name: "X", max_age: 1e9 }).duplicate_window).toBe(1e9);
    expect(created({ name: "X", max_age: 3600e9 }).duplicate_window).toBe(120e9);
    expect(created({ name: "X", duplicate_window: 5e9 }).duplicate_window).toBe(5e9);
  });

  it("stores other negative limits as -1, as nats-server 2.11 does", () => {
    // 2.9.10 echoed "max_msgs":-5 (and treated it as unlimited).
    const c = created({ name: "X", max_msgs: -5, max_bytes: -2, max_consumers: -9, max_msg_size: -3 });
    expect([c.max_msgs, c.max_bytes, c.max_consumers, c.max_msg_size]).toEqual([-1, -1, -1, -1]);
  });

  it("does not hold max_msg_size to max_payload", () => {
    // 2.9.10 created a stream with max_msg_size 9999999 under its 1 MiB max_payload.
    expect(created({ name: "X", max_msg_size: 9999999 }).max_msg_size).toBe(9999999);
  });

  it("round-trips the 2.10 fields only when they are sent", () => {
    const c = created({
      name: "X",
      compression: "s2",
      first_seq: 10,
      consumer_limits: { inactive_threshold: 5e9 },
      metadata: { b: "2", a: "1" },
      placement: { cluster: "c", tags: [] },
    });
    expect(goJson(streamConfigJson(c))).toBe(
      '{"name":"X","subjects":["X"],"retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"file","num_replicas":1,"duplicate_window":120000000000,"placement":{"cluster":"c"},"compression":"s2","first_seq":10,"allow_direct":false,"mirror_direct":false,"sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false,"consumer_limits":{"inactive_threshold":5000000000},"metadata":{"a":"1","b":"2"}}',
    );
    expect(streamConfigJson(created({ name: "X", first_seq: 0, metadata: {} }))).not.toHaveProperty("first_seq");
  });
});

describe("stream create: refusals, in nats-server 2.9.10's words", () => {
  // [request body, name in the subject, nats-server 2.9.10's whole answer]
  const CASES: ReadonlyArray<readonly [unknown, string, string]> = [
    [{ name: "Y" }, "X", `{"type":"${CREATE}","error":{"code":400,"err_code":10056,"description":"stream name in subject does not match request"}}`],
    [{ name: "a/b" }, "a/b", `{"type":"${CREATE}","error":{"code":400,"err_code":10128,"description":"Stream name can not contain path separators"}}`],
    [{ name: "X", max_msgs: "x" }, "X", `{"type":"${CREATE}","error":{"code":400,"err_code":10025,"description":"invalid JSON: json: cannot unmarshal string into Go struct field StreamConfig.max_msgs of type int64"}}`],
    [{ name: "X", max_age: 5 }, "X", invalidConfig("max age needs to be \\u003e= 100ms")],
    [{ name: "X", duplicate_window: 5 }, "X", invalidConfig("duplicates window needs to be \\u003e= 100ms")],
    [{ name: "X", duplicate_window: -5 }, "X", invalidConfig("duplicates window can not be negative")],
    [{ name: "X", max_age: 1e9, duplicate_window: 2e9 }, "X", invalidConfig("duplicates window can not be larger then max age")],
    [{ name: "X", num_replicas: 3 }, "X", `{"type":"${CREATE}","error":{"code":500,"err_code":10074,"description":"replicas \\u003e 1 not supported in non-clustered mode"}}`],
    [{ name: "X", num_replicas: 6 }, "X", invalidConfig("maximum replicas is 5")],
    [{ name: "X", num_replicas: -1 }, "X", `{"type":"${CREATE}","error":{"code":400,"err_code":10133,"description":"replicas count cannot be negative"}}`],
    [{ name: "X", subjects: ["q", "q"] }, "X", invalidConfig("duplicate subjects detected")],
    [{ name: "X", subjects: ["q.*", "q.a"] }, "X", invalidConfig('subject \\"q.*\\" overlaps with \\"q.a\\"')],
    [{ name: "X", subjects: ["$JS.API.FOO"] }, "X", invalidConfig("subjects overlap with jetstream api")],
    [{ name: "X", subjects: ["a..b"] }, "X", invalidConfig("invalid subject")],
    [{ name: "X", sealed: true }, "X", invalidConfig("stream configuration for create can not be sealed")],
    [{ name: "X", mirror_direct: true }, "X", invalidConfig("stream has no mirror but does have mirror direct")],
    [{ name: "X", deny_purge: true, allow_rollup_hdrs: true }, "X", invalidConfig("roll-ups require the purge permission")],
    [{ name: "X", discard_new_per_subject: true }, "X", invalidConfig("discard new per subject requires discard new policy to be set")],
    [
      { name: "X", discard_new_per_subject: true, discard: "new" },
      "X",
      invalidConfig("discard new per subject requires max msgs per subject \\u003e 0"),
    ],
  ];

  it.each(CASES)("%j", (body, name, expected) => {
    const r = checkStreamConfig(body, name, LIMITS);
    // 2.9.10 says only "invalid JSON" for the type error; 2.10 adds the decoder's
    // message, which we give. Everything else is 2.9.10's answer byte for byte.
    expect(answer(CREATE, r)).toBe(expected);
  });

  it("refuses the values Go's decoder refuses, with err_code 10025 (2.9.10: \"invalid JSON\")", () => {
    const text = (body: unknown) => {
      const r = checkStreamConfig(body, "X", LIMITS);
      expect(r.ok).toBe(false);
      if (r.ok) return "";
      expect([r.error.code, r.error.err_code]).toEqual([400, 10025]);
      return r.error.description;
    };
    expect(text({ name: "X", retention: "bogus" })).toBe('invalid JSON: can not unmarshal "\\"bogus\\""');
    expect(text({ name: "X", retention: null })).toBe('invalid JSON: can not unmarshal "null"');
    expect(text({ name: "X", storage: "bogus" })).toBe('invalid JSON: can not unmarshal "\\"bogus\\""');
    // 2.9.10 takes "any", then crashes creating the store (a nil pointer in setupStore).
    expect(text({ name: "X", storage: "any" })).toBe('invalid JSON: can not unmarshal "\\"any\\""');
    expect(text({ name: "X", discard: "bogus" })).toBe('invalid JSON: can not unmarshal "\\"bogus\\""');
    expect(text({ name: "X", max_msg_size: 99999999999 })).toBe(
      "invalid JSON: json: cannot unmarshal number 99999999999 into Go struct field StreamConfig.max_msg_size of type int32",
    );
    expect(text({ name: "X", max_msgs: 1.5 })).toBe(
      "invalid JSON: json: cannot unmarshal number 1.5 into Go struct field StreamConfig.max_msgs of type int64",
    );
    expect(text({ name: "X", subjects: "foo" })).toBe(
      "invalid JSON: json: cannot unmarshal string into Go struct field StreamConfig.subjects of type []string",
    );
    expect(text({ name: "X", subjects: ["a", 1] })).toBe(
      "invalid JSON: json: cannot unmarshal number into Go struct field StreamConfig.subjects of type string",
    );
    expect(text({ name: "X", max_age: "1m" })).toBe(
      "invalid JSON: json: cannot unmarshal string into Go struct field StreamConfig.max_age of type time.Duration",
    );
    expect(text({ name: "X", first_seq: -1 })).toBe(
      "invalid JSON: json: cannot unmarshal number -1 into Go struct field StreamConfig.first_seq of type uint64",
    );
    expect(text({ name: "X", consumer_limits: { max_ack_pending: "x" } })).toBe(
      "invalid JSON: json: cannot unmarshal string into Go struct field StreamConsumerLimits.consumer_limits.max_ack_pending of type int",
    );
    expect(text({ name: "X", compression: "zip" })).toBe("invalid JSON: unknown compression algorithm");
    expect(text({ name: "X", sealed: "yes" })).toBe(
      "invalid JSON: json: cannot unmarshal string into Go struct field StreamConfig.sealed of type bool",
    );
    expect(text([])).toBe("invalid JSON: json: cannot unmarshal array into Go value of type server.StreamConfig");
  });

  it("refuses bad names and long texts with nats-server's words", () => {
    const desc = (body: unknown, name: string) => {
      const r = checkStreamConfig(body, name, LIMITS);
      return r.ok ? "ok" : r.error.description;
    };
    expect(desc({}, "")).toBe("stream name is required and can not contain '.', '*', '>'");
    expect(desc({ name: "a b" }, "a b")).toBe("stream name is required and can not contain '.', '*', '>'");
    expect(desc({ name: "n".repeat(256) }, "n".repeat(256))).toBe("stream name is too long, maximum allowed is 255");
    expect(desc({ name: "n".repeat(255) }, "n".repeat(255))).toBe("ok");
    expect(desc({ name: "X", description: "é".repeat(2049) }, "X")).toBe(
      "stream description is too long, maximum allowed is 4096",
    );
    expect(desc({ name: "X", metadata: { k: "v".repeat(128 * 1024) } }, "X")).toBe(
      "stream metadata exceeds maximum size of 131072 bytes",
    );
  });

  it("says what is wrong with a negative max_age, as nats-server 2.11 does", () => {
    // 2.9.10 answered "duplicates window can not be negative" (the window defaults to max_age).
    expect(answer(CREATE, checkStreamConfig({ name: "X", max_age: -5 }, "X", LIMITS))).toBe(
      invalidConfig("max age can not be negative"),
    );
  });

  it("asks for no_ack on subjects that would capture JetStream's own traffic, as nats-server 2.11 does", () => {
    const desc = (body: object) => {
      const r = checkStreamConfig({ name: "X", ...body }, "X", LIMITS);
      return r.ok ? "ok" : r.error.description;
    };
    expect(desc({ subjects: [">"] })).toBe("capturing all subjects requires no-ack to be true");
    expect(desc({ subjects: [">"], no_ack: true })).toBe("ok");
    expect(desc({ subjects: ["$JS.>"] })).toBe("subjects that overlap with jetstream api require no-ack to be true");
    // nats-server 2.9.10 created a stream on "*.API.>", which then answered the next
    // $JS.API.STREAM.CREATE request with {"stream":"W2", "seq":1}.
    expect(desc({ subjects: ["*.API.>"] })).toBe("subjects that overlap with jetstream api require no-ack to be true");
    expect(desc({ subjects: ["*.ACK.>"] })).toBe("subjects that overlap with jetstream api require no-ack to be true");
    expect(desc({ subjects: ["$JS.EVENT.>"] })).toBe("ok");
    expect(desc({ subjects: ["$SYS.>"] })).toBe("subjects that overlap with system api require no-ack to be true");
    expect(desc({ subjects: ["$SYS.ACCOUNT.>"] })).toBe("ok");
    // Inside $JS.API is refused even without acks, as 2.9.10 refuses it.
    expect(desc({ subjects: ["$JS.API.>"], no_ack: true })).toBe("subjects overlap with jetstream api");
  });

  it("refuses what a stream here cannot do, clearly", () => {
    const desc = (body: object) => {
      const r = checkStreamConfig({ name: "X", ...body }, "X", LIMITS);
      return r.ok ? "ok" : `${r.error.err_code} ${r.error.description}`;
    };
    expect(desc({ mirror: { name: "S1" } })).toBe("10052 stream mirrors are not supported");
    expect(desc({ sources: [{ name: "S1" }] })).toBe("10052 stream sources are not supported");
    expect(desc({ sources: [] })).toBe("ok");
    expect(desc({ mirror: null })).toBe("ok");
    expect(desc({ republish: { dest: "x" } })).toBe("10052 stream republish is not supported");
    expect(desc({ subject_transform: { src: "a", dest: "b" } })).toBe("10052 stream subject transforms are not supported");
    expect(desc({ template_owner: "T" })).toBe("10049 stream not owned by template");
  });

  it("applies the account's max_bytes limits", () => {
    const r1 = checkStreamConfig({ name: "X" }, "X", { ...LIMITS, maxBytesRequired: true });
    expect(r1.ok ? null : r1.error).toBe(JSERR.streamMaxBytesRequired);
    const r2 = checkStreamConfig({ name: "X", max_bytes: 2000 }, "X", { ...LIMITS, maxStreamBytes: 1000 });
    expect(r2.ok ? null : r2.error).toBe(JSERR.streamMaxStreamBytesExceeded);
    expect(checkStreamConfig({ name: "X", max_bytes: 1000 }, "X", { ...LIMITS, maxStreamBytes: 1000 }).ok).toBe(true);
  });
});

describe("stream update, as nats-server 2.9.10", () => {
  const X = created({ name: "X" });
  const update = (old: StreamConfig | null, body: unknown, name = "X") =>
    answer(UPDATE, checkStreamUpdate(old, body, name, LIMITS));
  const refused = (text: string) =>
    `{"type":"${UPDATE}","error":{"code":500,"err_code":10052,"description":"${text}"}}`;

  it("refuses changes nats-server does not allow", () => {
    // nats-server 2.9.10's answers to the same updates of a stream created as {"name":"X"}.
    expect(update(X, { name: "X", storage: "memory" })).toBe(
      refused("stream configuration update can not change storage type"),
    );
    expect(update(X, { name: "X", retention: "interest" })).toBe(
      refused("stream configuration update can not change retention policy"),
    );
    expect(update(X, { name: "X", max_consumers: 5 })).toBe(
      refused("stream configuration update can not change MaxConsumers"),
    );
    expect(update(X, { name: "Y" })).toBe(
      `{"type":"${UPDATE}","error":{"code":400,"err_code":10056,"description":"stream name in subject does not match request"}}`,
    );
    expect(update(X, { name: "a.b" })).toBe(refused("stream name is required and can not contain '.', '*', '\\u003e'"));
    expect(update(X, {})).toBe(refused("stream name is required and can not contain '.', '*', '\\u003e'"));
  });

  it("checks the request before looking for the stream", () => {
    expect(update(null, { name: "NOPE" }, "NOPE")).toBe(
      `{"type":"${UPDATE}","error":{"code":404,"err_code":10059,"description":"stream not found"}}`,
    );
    expect(update(null, { name: "NOPE", max_age: 5 }, "NOPE")).toBe(refused("max age needs to be \\u003e= 100ms"));
  });

  it("puts back the default subject when an update leaves subjects out", () => {
    // 2.9.10 answered an update of a stream on ["u1","u2"] without subjects with "subjects":["U"].
    const U = created({ name: "U", subjects: ["u1", "u2"] });
    const r = checkStreamUpdate(U, { name: "U" }, "U", LIMITS);
    expect(r.ok ? r.config.subjects : null).toEqual(["U"]);
  });

  it("changes subjects, and keeps deny and seal promises", () => {
    expect(update(X, { name: "X", subjects: ["b"] })).toBe(S1_CONFIG.replaceAll("S1", "X").replace('["X"]', '["b"]'));
    const denied = checkStreamUpdate(X, { name: "X", deny_delete: true, deny_purge: true, discard: "new" }, "X", LIMITS);
    expect(denied.ok).toBe(true);
    const D = denied.ok ? denied.config : X;
    expect(update(D, { name: "X", deny_purge: true, discard: "new" })).toBe(
      refused("stream configuration update can not cancel deny message deletes"),
    );
    expect(update(D, { name: "X", deny_delete: true, discard: "new" })).toBe(
      refused("stream configuration update can not cancel deny purge"),
    );
    // Sealing drops max_age and rollups and forces discard new; the window keeps
    // the value max_age gave it. 2.9.10's answer:
    const sealed = checkStreamUpdate(
      D,
      { name: "X", deny_delete: true, deny_purge: true, sealed: true, max_age: 5e9, discard: "old" },
      "X",
      LIMITS,
    );
    expect(answer(UPDATE, sealed)).toBe(
      '{"name":"X","subjects":["X"],"retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"new","storage":"file","num_replicas":1,"duplicate_window":5000000000,"allow_direct":false,"mirror_direct":false,"sealed":true,"deny_delete":true,"deny_purge":true,"allow_rollup_hdrs":false}',
    );
    const S = sealed.ok ? sealed.config : X;
    expect(update(S, { name: "X", deny_delete: true, deny_purge: true })).toBe(
      refused("stream configuration update can not unseal a sealed stream"),
    );
  });

  it("refuses more than one replica, as nats-server 2.11 does", () => {
    // 2.9.10 accepted num_replicas 3 on a single server and echoed it back.
    const r = checkStreamUpdate(X, { name: "X", num_replicas: 3 }, "X", LIMITS);
    expect(r.ok ? null : r.error).toBe(JSERR.replicasNotSupported);
  });
});

describe("comparing and overlapping configurations", () => {
  it("sees a repeated create as the same stream", () => {
    expect(sameStreamConfig(created({ name: "S1" }), created({ name: "S1", max_msgs: 0, storage: "file" }))).toBe(true);
    expect(sameStreamConfig(created({ name: "S1" }), created({ name: "S1", max_msgs: 5 }))).toBe(false);
    expect(sameStreamConfig(created({ name: "S1" }), created({ name: "S1", compression: "none", consumer_limits: {} }))).toBe(
      true,
    );
    expect(sameStreamConfig(created({ name: "S", metadata: { a: "1", b: "2" } }), created({ name: "S", metadata: { b: "2", a: "1" } }))).toBe(
      true,
    );
  });

  it("finds subjects two streams would share", () => {
    expect(subjectsOverlap(["a.>", "b"], ["a.b.c"])).toBe(true);
    expect(subjectsOverlap(["S1"], [">"])).toBe(true);
    expect(subjectsOverlap(["a.*"], ["a.b.c"])).toBe(false);
    expect(subjectsOverlap(["a", "b"], ["c", "d.>"])).toBe(false);
    expect(subjectsOverlap([], ["a"])).toBe(false);
  });
});
