import { describe, expect, it } from "vitest";
import { readPublishHeaders } from "../../../src/protocol/jetstream/publish-headers.js";

const enc = new TextEncoder();
const block = (lines: string) => enc.encode(`NATS/1.0\r\n${lines}\r\n`);
const NONE = {
  msgId: null,
  expectedStream: null,
  expectedLastSeq: null,
  expectedLastSubjectSeq: null,
  expectedLastMsgId: null,
  rollup: null,
  rollupInvalid: false,
  rollupValue: null,
};

describe("the headers a publish into a stream carries", () => {
  it("expects nothing of a message without headers, or without JetStream's", () => {
    expect(readPublishHeaders(null)).toEqual(NONE);
    expect(readPublishHeaders(block("X-A: 1\r\n"))).toEqual(NONE);
    expect(readPublishHeaders(enc.encode("NATS/1.0\r\n\r\n"))).toEqual(NONE);
  });

  it("reads all six", () => {
    expect(
      readPublishHeaders(
        block(
          "Nats-Msg-Id: m1\r\nNats-Expected-Stream: P\r\nNats-Expected-Last-Sequence: 7\r\n" +
            "Nats-Expected-Last-Subject-Sequence: 0\r\nNats-Expected-Last-Msg-Id: m0\r\nNats-Rollup: sub\r\n",
        ),
      ),
    ).toEqual({
      msgId: "m1",
      expectedStream: "P",
      expectedLastSeq: 7,
      expectedLastSubjectSeq: 0,
      expectedLastMsgId: "m0",
      rollup: "sub",
      rollupInvalid: false,
      rollupValue: "sub",
    });
  });

  // What nats-server 2.9.10 did with each (stream P, last sequence 2, last id m1):
  it("matches names as written: case and the colon right after the name count", () => {
    // "Nats-Msg-Id:m1" was a duplicate of m1; "nats-msg-id: m1" and "Nats-Msg-Id : m1" were stored anew.
    expect(readPublishHeaders(block("Nats-Msg-Id:m1\r\n")).msgId).toBe("m1");
    expect(readPublishHeaders(block("nats-msg-id: m1\r\n")).msgId).toBeNull();
    expect(readPublishHeaders(block("Nats-Msg-Id : m1\r\n")).msgId).toBeNull();
    // "Nats-Msg-Id:" with nothing after it was no id.
    expect(readPublishHeaders(block("Nats-Msg-Id:\r\n")).msgId).toBeNull();
    expect(readPublishHeaders(block("Nats-Msg-Id:   \r\n")).msgId).toBeNull();
  });

  it("keeps trailing spaces and parses sequences as nats-server's parseInt64", () => {
    // "Nats-Expected-Last-Sequence: abc" and ": 3 " both failed with "wrong last sequence: 2".
    expect(readPublishHeaders(block("Nats-Expected-Last-Sequence: abc\r\n")).expectedLastSeq).toBe(-1);
    expect(readPublishHeaders(block("Nats-Expected-Last-Sequence: 3 \r\n")).expectedLastSeq).toBe(-1);
    expect(readPublishHeaders(block("Nats-Expected-Last-Sequence: -3\r\n")).expectedLastSeq).toBe(-1);
    expect(readPublishHeaders(block("Nats-Expected-Last-Subject-Sequence: 12\r\n")).expectedLastSubjectSeq).toBe(12);
    expect(readPublishHeaders(block("Nats-Msg-Id: a b \r\n")).msgId).toBe("a b ");
  });

  it("lower-cases the rollup and flags a value it does not know", () => {
    // "Nats-Rollup: SUB" was taken as a subject rollup; "bogus" got no reply at all.
    expect(readPublishHeaders(block("Nats-Rollup: SUB\r\n")).rollup).toBe("sub");
    expect(readPublishHeaders(block("Nats-Rollup: All\r\n")).rollup).toBe("all");
    const bogus = readPublishHeaders(block("Nats-Rollup: Bogus\r\n"));
    expect([bogus.rollup, bogus.rollupInvalid, bogus.rollupValue]).toEqual([null, true, "bogus"]);
  });

  it("takes the first line with a name, even when its value is empty", () => {
    expect(readPublishHeaders(block("Nats-Msg-Id: a\r\nNats-Msg-Id: b\r\n")).msgId).toBe("a");
    expect(readPublishHeaders(block("Nats-Msg-Id:\r\nNats-Msg-Id: b\r\n")).msgId).toBeNull();
  });

  it("finds a name that also appears inside an earlier header (2.9.10 did not)", () => {
    // 2.9.10 stored "X-A: Nats-Msg-Id\r\nNats-Msg-Id: m1" as a new message: it looked
    // only at the first occurrence of the name in the block.
    expect(readPublishHeaders(block("X-A: Nats-Msg-Id\r\nNats-Msg-Id: m1\r\n")).msgId).toBe("m1");
    expect(readPublishHeaders(block("X-Nats-Msg-Id: m1\r\n")).msgId).toBeNull();
    expect(readPublishHeaders(block("Nats-Msg-Id-X: m1\r\nNats-Msg-Id: m2\r\n")).msgId).toBe("m2");
  });

  it("does not take one name for another that shares its start", () => {
    const h = readPublishHeaders(block("Nats-Expected-Last-Subject-Sequence: 4\r\nNats-Expected-Last-Msg-Id: x\r\n"));
    expect([h.expectedLastSeq, h.expectedLastSubjectSeq, h.msgId, h.expectedLastMsgId]).toEqual([null, 4, null, "x"]);
  });

  it("reads a value at the very end of an unterminated block, and non-ASCII values", () => {
    expect(readPublishHeaders(enc.encode("NATS/1.0\r\nNats-Msg-Id: end")).msgId).toBe("end");
    expect(readPublishHeaders(block("Nats-Msg-Id: ünï\r\n")).msgId).toBe("ünï");
    expect(readPublishHeaders(enc.encode("NATS/1.0 503\r\nNats-Msg-Id: x\r\n\r\n")).msgId).toBe("x");
  });
});
