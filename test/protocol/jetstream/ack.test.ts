import { describe, expect, it } from "vitest";
import { ackSubject, flowControlSubject, parseAck, parseAckSubject } from "../../../src/protocol/jetstream/ack.js";
import { jetStreamStream } from "../../../src/protocol/jetstream/api-subject.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("ack subjects", () => {
  it("writes a delivery's reply subject as nats-server does, the time in nanoseconds", () => {
    // nats-server 2.9.10 delivered stream message 1 to PM with reply
    // $JS.ACK.Q.PM.1.1.1.1796283881623832122.2; we keep milliseconds.
    expect(ackSubject("Q", "PM", 1, 1, 1, 1796283881623, 2)).toBe("$JS.ACK.Q.PM.1.1.1.1796283881623000000.2");
    expect(ackSubject("Q", "PM", 3, 17, 5, 1796283881623.832, 0)).toBe("$JS.ACK.Q.PM.3.17.5.1796283881623832000.0");
    expect(ackSubject("S", "C", 1, 1, 1, 0.5, 0)).toBe("$JS.ACK.S.C.1.1.1.500000.0");
    expect(ackSubject("S", "C", 1, 1, 1, 0, 0)).toBe("$JS.ACK.S.C.1.1.1.0.0");
    expect(ackSubject("S", "C", 1, 1, 1, 999.9999, 0)).toBe("$JS.ACK.S.C.1.1.1.1000000000.0");
    expect(ackSubject("S", "C", 1, 1, 1, 0.0015, 0)).toBe("$JS.ACK.S.C.1.1.1.2000.0");
  });

  it("reads back what it writes, and what nats-server writes", () => {
    const subject = ackSubject("ORDERS", "worker-1", 2, 1234567, 89, Date.UTC(2026, 11, 3), 10);
    expect(parseAckSubject(subject)).toEqual({ stream: "ORDERS", consumer: "worker-1", delivered: 2, streamSeq: 1234567, consumerSeq: 89 });
    expect(parseAckSubject("$JS.ACK.Q.PM.1.2.2.1796283881623933542.1")).toEqual({
      stream: "Q",
      consumer: "PM",
      delivered: 1,
      streamSeq: 2,
      consumerSeq: 2,
    });
    expect(jetStreamStream(subject)).toBe("ORDERS");
  });

  it("reads the longer form with a domain and an account hash", () => {
    const v2 = "$JS.ACK.hub.ACCHASH.S.C.3.40.7.1796283881623933542.0.r4nd0m";
    expect(parseAckSubject(v2)).toEqual({ stream: "S", consumer: "C", delivered: 3, streamSeq: 40, consumerSeq: 7 });
    expect(parseAckSubject("$JS.ACK._.ACCHASH.S.C.3.40.7.1796283881623933542.0")).toMatchObject({ stream: "S", streamSeq: 40 });
    expect(jetStreamStream(v2)).toBe("S");
  });

  it("is null for anything else", () => {
    for (const s of [
      "$JS.ACK.S.C.1.1.1.1",
      "$JS.ACK.S.C.1.1.1.1.1.1",
      "$JS.ACK.S.C.x.1.1.1.1",
      "$JS.ACK.S.C.1.-1.1.1.1",
      "$JS.ACK.S.C.1..1.1.1",
      "$JS.ACK..C.1.1.1.1.1",
      "$JS.FC.S.C.abcd",
      "orders.new",
    ]) {
      expect(parseAckSubject(s), s).toBeNull();
    }
  });

  it("makes flow control subjects as nats-server does", () => {
    // nats-server 2.9.10 sent its flow control request with reply $JS.FC.F.PU.ErSQ.
    const a = flowControlSubject("F", "PU");
    expect(a).toMatch(/^\$JS\.FC\.F\.PU\.[0-9A-Za-z]{4}$/);
    expect(jetStreamStream(a)).toBe("F");
    expect(new Set(Array.from({ length: 20 }, () => flowControlSubject("F", "PU"))).size).toBeGreaterThan(1);
  });
});

describe("ack payloads", () => {
  it("acks on an empty body, +ACK and the old +OK", () => {
    for (const s of ["", "+ACK", "+OK"]) expect(parseAck(bytes(s))).toEqual({ kind: "ack" });
  });

  it("naks, with a delay as the official client writes it or as a Go duration", () => {
    expect(parseAck(bytes("-NAK"))).toEqual({ kind: "nak", delayMs: 0 });
    // @nats-io/jetstream's nak(5000): `-NAK {"delay":5000000000}`.
    expect(parseAck(bytes('-NAK {"delay":5000000000}'))).toEqual({ kind: "nak", delayMs: 5000 });
    expect(parseAck(bytes("-NAK 1m30s"))).toEqual({ kind: "nak", delayMs: 90_000 });
    expect(parseAck(bytes("-NAK 250ms "))).toEqual({ kind: "nak", delayMs: 250 });
    expect(parseAck(bytes('-NAK{"DELAY":1000000}'))).toEqual({ kind: "nak", delayMs: 1 });
  });

  it("takes a delay nats-server cannot read as a plain NAK, and a negative one as none", () => {
    for (const s of ["-NAK soon", '-NAK {"delay":"5s"}', "-NAK {bad", "-NAKED", "-NAK 5"]) {
      expect(parseAck(bytes(s)), s).toEqual({ kind: "nak", delayMs: 0 });
    }
    expect(parseAck(bytes("-NAK -5s"))).toEqual({ kind: "nak", delayMs: 0 });
  });

  it("reads progress and termination", () => {
    expect(parseAck(bytes("+WPI"))).toEqual({ kind: "progress" });
    expect(parseAck(bytes("+TERM"))).toEqual({ kind: "term", reason: "" });
    // @nats-io/jetstream's term("bad payload"): `+TERM bad payload`.
    expect(parseAck(bytes("+TERM bad payload "))).toEqual({ kind: "term", reason: "bad payload" });
  });

  it("reads +NXT's pull request", () => {
    expect(parseAck(bytes("+NXT"))).toEqual({
      kind: "next",
      request: { batch: 1, maxBytes: 0, expiresMs: 0, noWait: false, heartbeatMs: 0 },
    });
    // @nats-io/jetstream's next(): `+NXT ` and the request's JSON.
    expect(parseAck(bytes('+NXT {"batch":3,"expires":5000000000}'))).toEqual({
      kind: "next",
      request: { batch: 3, maxBytes: 0, expiresMs: 5000, noWait: false, heartbeatMs: 0 },
    });
    expect(parseAck(bytes("+NXT 4"))).toMatchObject({ kind: "next", request: { batch: 4 } });
    expect(parseAck(bytes('+NXT {"batch":"x"}'))).toEqual({
      kind: "next",
      request: null,
      error: "json: cannot unmarshal string into Go struct field JSApiConsumerGetNextRequest.batch of type int",
    });
  });

  it("does nothing with anything else, as nats-server (which still answers its reply)", () => {
    // nats-server 2.9.10 answered "+ACK " with an empty message and acked nothing.
    for (const s of ["+ACK ", "+WPI ", "ack", "-ACK", "+NAK"]) expect(parseAck(bytes(s)), s).toEqual({ kind: "unknown" });
  });
});
