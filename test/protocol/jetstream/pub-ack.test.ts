import { describe, expect, it } from "vitest";
import { JSERR, streamStoreFailed, wrongLastMsgId, wrongLastSequence } from "../../../src/protocol/jetstream/api-errors.js";
import { pubAck, pubAckError, pubAckPrefix } from "../../../src/protocol/jetstream/pub-ack.js";

describe("publish acks as nats-server 2.9.10 sends them", () => {
  // Replies nats-server 2.9.10 sent to publishes into stream P (raw TCP client).
  it("acks a stored message, and a duplicate with the first one's sequence", () => {
    const p = pubAckPrefix("P");
    expect(pubAck(p, 1, false)).toBe('{"stream":"P", "seq":1}');
    expect(pubAck(p, 2, true)).toBe('{"stream":"P", "seq":2,"duplicate": true}');
  });

  it("answers a refused publish with the error, the stream and seq 0", () => {
    expect(pubAckError("P", JSERR.streamNotMatch)).toBe(
      '{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"},"stream":"P","seq":0}',
    );
    expect(pubAckError("P", wrongLastSequence(2))).toBe(
      '{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 2"},"stream":"P","seq":0}',
    );
    expect(pubAckError("P", wrongLastMsgId("m1"))).toBe(
      '{"error":{"code":400,"err_code":10070,"description":"wrong last msg ID: m1"},"stream":"P","seq":0}',
    );
    expect(pubAckError("P", JSERR.streamSealed)).toBe(
      '{"error":{"code":400,"err_code":10109,"description":"invalid operation on sealed stream"},"stream":"P","seq":0}',
    );
    expect(pubAckError("T", JSERR.messageExceedsMaximum)).toBe(
      '{"error":{"code":400,"err_code":10054,"description":"message size exceeds maximum allowed"},"stream":"T","seq":0}',
    );
    expect(pubAckError("T2", streamStoreFailed("maximum messages exceeded"))).toBe(
      '{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"stream":"T2","seq":0}',
    );
  });
});
