import { describe, expect, it } from "vitest";
import {
  badRequest,
  batchCompleted,
  consumerDeleted,
  consumerIsPushBased,
  exceeded,
  exceededMaxRequestBatch,
  exceededMaxRequestExpires,
  exceededMaxRequestMaxBytes,
  exceededMaxWaiting,
  flowControlRequest,
  idleHeartbeat,
  messageSizeExceedsMaxBytes,
  noMessages,
  requestsPending,
  requestTimeout,
  withMessageSize,
} from "../../../src/protocol/jetstream/status.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

describe("consumer status messages, byte for byte", () => {
  // The header blocks nats-server 2.9.10 sent to pull requests and push
  // subscribers in the same situations (raw TCP client).
  const OBSERVED: ReadonlyArray<readonly [Uint8Array, string]> = [
    [noMessages(), "NATS/1.0 404 No Messages\r\n\r\n"],
    [requestTimeout(1, 0), "NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\nNats-Pending-Bytes: 0\r\n\r\n"],
    [requestTimeout(3, 0), "NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 3\r\nNats-Pending-Bytes: 0\r\n\r\n"],
    [
      messageSizeExceedsMaxBytes(1, 3),
      "NATS/1.0 409 Message Size Exceeds MaxBytes\r\nNats-Pending-Messages: 1\r\nNats-Pending-Bytes: 3\r\n\r\n",
    ],
    [badRequest("heartbeat value too large"), "NATS/1.0 400 Bad Request - heartbeat value too large\r\n\r\n"],
    [exceededMaxRequestBatch(10), "NATS/1.0 409 Exceeded MaxRequestBatch of 10\r\n\r\n"],
    [exceededMaxRequestExpires(2e9), "NATS/1.0 409 Exceeded MaxRequestExpires of 2s\r\n\r\n"],
    [exceededMaxRequestMaxBytes(1000), "NATS/1.0 409 Exceeded MaxRequestMaxBytes of 1000\r\n\r\n"],
    [consumerIsPushBased(), "NATS/1.0 409 Consumer is push based\r\n\r\n"],
    [consumerDeleted(), "NATS/1.0 409 Consumer Deleted\r\n\r\n"],
    [idleHeartbeat(0, 0), "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 0\r\nNats-Last-Stream: 0\r\n\r\n"],
    [
      idleHeartbeat(20, 20, "$JS.FC.F.PU.ErSQ"),
      "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 20\r\nNats-Last-Stream: 20\r\nNats-Consumer-Stalled: $JS.FC.F.PU.ErSQ\r\n\r\n",
    ],
    [flowControlRequest(), "NATS/1.0 100 FlowControl Request\r\n\r\n"],
  ];

  it.each(OBSERVED)("%#: %j", (block, expected) => {
    expect(text(block)).toBe(expected);
  });

  it("writes the statuses 2.9.10 had no occasion to send as nats-server's source does", () => {
    expect(text(requestsPending())).toBe("NATS/1.0 408 Requests Pending\r\n\r\n");
    expect(text(exceededMaxWaiting())).toBe("NATS/1.0 409 Exceeded MaxWaiting\r\n\r\n");
    expect(text(exceeded("MaxRequestBatch of 3"))).toBe("NATS/1.0 409 Exceeded MaxRequestBatch of 3\r\n\r\n");
    // 2.10: the batch was filled with max_bytes to spare.
    expect(text(batchCompleted(0, 100))).toBe(
      "NATS/1.0 409 Batch Completed\r\nNats-Pending-Messages: 0\r\nNats-Pending-Bytes: 100\r\n\r\n",
    );
    expect(text(exceededMaxRequestExpires(90e9))).toBe("NATS/1.0 409 Exceeded MaxRequestExpires of 1m30s\r\n\r\n");
    expect(text(idleHeartbeat(5, 9, null))).toBe(text(idleHeartbeat(5, 9)));
  });

  it("adds the payload's size to a headers-only delivery's headers", () => {
    // nats-server 2.9.10's deliveries to a headers_only consumer of "hello" without
    // headers, and of "payload!" published with X-A: 1.
    expect(text(withMessageSize(null, 5))).toBe("NATS/1.0\r\nNats-Msg-Size: 5\r\n\r\n");
    expect(text(withMessageSize(new Uint8Array(0), 5))).toBe("NATS/1.0\r\nNats-Msg-Size: 5\r\n\r\n");
    expect(text(withMessageSize(bytes("NATS/1.0\r\nX-A: 1\r\n\r\n"), 8))).toBe("NATS/1.0\r\nX-A: 1\r\nNats-Msg-Size: 8\r\n\r\n");
  });

  it("parses as the official client reads a status", async () => {
    const { MsgHdrsImpl } = await import("@nats-io/nats-core/internal");
    const h = MsgHdrsImpl.decode(requestTimeout(4, 512));
    expect([h.code, h.description, h.get("Nats-Pending-Messages"), h.get("Nats-Pending-Bytes")]).toEqual([
      408,
      "Request Timeout",
      "4",
      "512",
    ]);
    const hb = MsgHdrsImpl.decode(idleHeartbeat(7, 11, "$JS.FC.S.C.abcd"));
    expect([hb.code, hb.description, hb.get("Nats-Last-Consumer"), hb.get("Nats-Consumer-Stalled")]).toEqual([
      100,
      "Idle Heartbeat",
      "7",
      "$JS.FC.S.C.abcd",
    ]);
  });
});
