import { describe, expect, it } from "vitest";
import { type ApiRequest, jetStreamStream, parseApiSubject } from "../../../src/protocol/jetstream/api-subject.js";

// [subject, what parseApiSubject makes of it, the stream jetStreamStream routes it to]
const API: ReadonlyArray<readonly [string, ApiRequest, string]> = [
  ["$JS.API.INFO", { op: "INFO" }, ""],
  ["$JS.API.STREAM.NAMES", { op: "STREAM.NAMES" }, ""],
  ["$JS.API.STREAM.LIST", { op: "STREAM.LIST" }, ""],
  ["$JS.API.STREAM.CREATE.S", { op: "STREAM.CREATE", stream: "S" }, "S"],
  ["$JS.API.STREAM.UPDATE.S", { op: "STREAM.UPDATE", stream: "S" }, "S"],
  ["$JS.API.STREAM.INFO.S", { op: "STREAM.INFO", stream: "S" }, "S"],
  ["$JS.API.STREAM.DELETE.S", { op: "STREAM.DELETE", stream: "S" }, "S"],
  ["$JS.API.STREAM.PURGE.S", { op: "STREAM.PURGE", stream: "S" }, "S"],
  ["$JS.API.STREAM.MSG.GET.S", { op: "STREAM.MSG.GET", stream: "S" }, "S"],
  ["$JS.API.STREAM.MSG.DELETE.S", { op: "STREAM.MSG.DELETE", stream: "S" }, "S"],
  ["$JS.API.DIRECT.GET.S", { op: "DIRECT.GET", stream: "S", lastBySubject: null }, "S"],
  ["$JS.API.DIRECT.GET.KV_b.$KV.b.k", { op: "DIRECT.GET", stream: "KV_b", lastBySubject: "$KV.b.k" }, "KV_b"],
  ["$JS.API.CONSUMER.CREATE.S", { op: "CONSUMER.CREATE", stream: "S", consumer: null, filter: null }, "S"],
  ["$JS.API.CONSUMER.CREATE.S.C", { op: "CONSUMER.CREATE", stream: "S", consumer: "C", filter: null }, "S"],
  // One token of filter: nats-server 2.9.10 ignores it (it looks only past 7 tokens), 2.10 takes it.
  ["$JS.API.CONSUMER.CREATE.S.C.f", { op: "CONSUMER.CREATE", stream: "S", consumer: "C", filter: "f" }, "S"],
  ["$JS.API.CONSUMER.CREATE.S.C.f.*.>", { op: "CONSUMER.CREATE", stream: "S", consumer: "C", filter: "f.*.>" }, "S"],
  ["$JS.API.CONSUMER.DURABLE.CREATE.S.C", { op: "CONSUMER.DURABLE.CREATE", stream: "S", consumer: "C" }, "S"],
  ["$JS.API.CONSUMER.INFO.S.C", { op: "CONSUMER.INFO", stream: "S", consumer: "C" }, "S"],
  ["$JS.API.CONSUMER.DELETE.S.C", { op: "CONSUMER.DELETE", stream: "S", consumer: "C" }, "S"],
  ["$JS.API.CONSUMER.MSG.NEXT.S.C", { op: "CONSUMER.MSG.NEXT", stream: "S", consumer: "C" }, "S"],
  ["$JS.API.CONSUMER.NAMES.S", { op: "CONSUMER.NAMES", stream: "S" }, "S"],
  ["$JS.API.CONSUMER.LIST.S", { op: "CONSUMER.LIST", stream: "S" }, "S"],
  // Subjects no handler of nats-server matches: it drops them unanswered (2.9.10 sent
  // nothing back for $JS.API.FOO, $JS.API.STREAM.INFO or DIRECT.GET of a missing stream).
  ["$JS.API.FOO", { op: "UNKNOWN" }, ""],
  ["$JS.API.INFO.X", { op: "UNKNOWN" }, ""],
  ["$JS.API.STREAM.INFO", { op: "UNKNOWN" }, ""],
  ["$JS.API.STREAM.INFO.S.X", { op: "UNKNOWN" }, ""],
  ["$JS.API.STREAM.MSG.GET", { op: "UNKNOWN" }, ""],
  ["$JS.API.STREAM.MSG.S", { op: "UNKNOWN" }, ""],
  ["$JS.API.STREAM.NAMES.X", { op: "UNKNOWN" }, ""],
  ["$JS.API.STREAM.TEMPLATE.NAMES", { op: "UNKNOWN" }, ""],
  ["$JS.API.STREAM.SNAPSHOT.S", { op: "UNKNOWN" }, ""],
  ["$JS.API.STREAM.LEADER.STEPDOWN.S", { op: "UNKNOWN" }, ""],
  ["$JS.API.CONSUMER.INFO.S", { op: "UNKNOWN" }, ""],
  ["$JS.API.CONSUMER.INFO.S.C.X", { op: "UNKNOWN" }, ""],
  ["$JS.API.CONSUMER.DURABLE.CREATE.S", { op: "UNKNOWN" }, ""],
  ["$JS.API.CONSUMER.MSG.NEXT.S", { op: "UNKNOWN" }, ""],
  ["$JS.API.CONSUMER.CREATE", { op: "UNKNOWN" }, ""],
  ["$JS.API.DIRECT.GET", { op: "UNKNOWN" }, ""],
  ["$JS.API.META.LEADER.STEPDOWN", { op: "UNKNOWN" }, ""],
  // A wildcard or empty token where a name goes reaches no handler.
  ["$JS.API.STREAM.INFO.*", { op: "UNKNOWN" }, ""],
  ["$JS.API.STREAM.INFO.>", { op: "UNKNOWN" }, ""],
  ["$JS.API.STREAM.INFO.", { op: "UNKNOWN" }, ""],
  ["$JS.API.CONSUMER.CREATE.S.*", { op: "UNKNOWN" }, ""],
  ["$JS.API.", { op: "UNKNOWN" }, ""],
];

describe("JetStream API subjects", () => {
  it.each(API)("%s", (subject, request, stream) => {
    expect(parseApiSubject(subject)).toEqual(request);
    expect(jetStreamStream(subject)).toBe(stream);
  });

  it("is null outside $JS.API.", () => {
    for (const s of ["$JS.ACK.S.C.1.2.3.4.5", "$JS.API", "$JS.APIX.INFO", "$KV.b.k", "foo", ""]) {
      expect(parseApiSubject(s)).toBeNull();
    }
  });
});

describe("the stream of acks and flow control", () => {
  // [subject, stream or null]
  const CASES: ReadonlyArray<readonly [string, string | null]> = [
    // v1: $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<timestamp>.<pending>
    ["$JS.ACK.S.C.1.2.3.1700000000000000000.0", "S"],
    ["$JS.ACK.KV_b.C.1.2.3.4.5", "KV_b"],
    // v2 (2.10): $JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<5 numbers>[.<token>…]
    ["$JS.ACK._.ACCHASH.S.C.1.2.3.4.5", "S"],
    ["$JS.ACK.hub.ACCHASH.S.C.1.2.3.4.5.rand", "S"],
    ["$JS.ACK.S.C.1.2.3.4", null],
    ["$JS.ACK.S.C.1.2.3.4.5.6", null],
    ["$JS.ACK.S.C", null],
    ["$JS.ACK..C.1.2.3.4.5", null],
    ["$JS.ACK.*.C.1.2.3.4.5", null],
    // $JS.FC.<stream>.<consumer>.<id>, and the v2 form with domain and account hash.
    ["$JS.FC.S.C.abc", "S"],
    ["$JS.FC._.ACCHASH.S.C.abc", "S"],
    ["$JS.FC.S.C", null],
    ["$JS.FC.S.C.a.b", null],
    // The rest of $JS. is nobody's stream.
    ["$JS.EVENT.ADVISORY.STREAM.CREATED.S", null],
    ["$JS.hub.API.INFO", null],
    ["$JS.SNAPSHOT.ACK.S.x", null],
    ["$JS.ACK", null],
    ["$JSC.R.x", null],
  ];

  it.each(CASES)("%s", (subject, stream) => {
    expect(jetStreamStream(subject)).toBe(stream);
  });
});
