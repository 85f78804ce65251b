import { describe, expect, it } from "vitest";
import { Message } from "../../src/protocol/message.js";
import { ackFrame, DATA_HEADER, NO_QUEUE_NAMES, readAck, readDataHeader, type DataHeader, ROUTE_DELIVER, ROUTE_HEADERS, ROUTE_RECEIPT, RouteBatch, RouteReader } from "../../src/protocol/route.js";
import { clusterSubject, ownerOf, ownerOfSubject, publishKey, subscriptionKey } from "../../src/protocol/shardkey.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

const msg = (subject: string, reply: string | null, headerSize: number, data: string) =>
  new Message().set(enc.encode(subject), reply === null ? null : enc.encode(reply), headerSize, enc.encode(data));

/** Every record of a batch, copied out of the reader's one record. */
function records(bytes: Uint8Array): unknown[][] {
  const out: unknown[][] = [];
  const r = new RouteReader().read(bytes);
  while (r.next()) {
    const m = r.record;
    out.push([m.id, m.flags, m.account, dec.decode(m.subject), m.reply && dec.decode(m.reply), m.headerSize, dec.decode(m.data), m.queues.slice(0, m.queueCount)]);
  }
  return out;
}

describe("route batch", () => {
  it("carries account, subject, reply, headers, message and queues through a round trip", () => {
    const b = new RouteBatch();
    b.add(7, enc.encode("ACCOUNT_A"), msg("orders.new", "_INBOX.x.1", 12, "NATS/1.0\r\n\r\nhello"), { names: [enc.encode("workers"), enc.encode("audit")], count: 2 }, true);
    b.add(0, enc.encode("$G"), msg("t", null, -1, ""), NO_QUEUE_NAMES, false);
    b.add(3, enc.encode("$G"), msg("u.v", null, -1, "x".repeat(100)), { names: [enc.encode("workers"), enc.encode("unsent")], count: 1 }, false);
    expect(b.count).toBe(3);
    expect(records(b.records())).toEqual([
      [7, ROUTE_HEADERS | ROUTE_RECEIPT, "ACCOUNT_A", "orders.new", "_INBOX.x.1", 12, "NATS/1.0\r\n\r\nhello", ["workers", "audit"]],
      [0, 0, "$G", "t", null, -1, "", []],
      [3, 0, "$G", "u.v", null, -1, "x".repeat(100), ["workers"]],
    ]);
  });

  it("carries a deliver subject when the message shows another subject than it is routed on", () => {
    const b = new RouteBatch();
    const m = msg("_INBOX.pull.1", "$JS.ACK.S.C.1.5.5.0.0", -1, "stored");
    m.deliver = enc.encode("orders.new");
    b.add(1, enc.encode("$G"), m, NO_QUEUE_NAMES, false);
    b.add(2, enc.encode("$G"), msg("plain", null, -1, "x"), NO_QUEUE_NAMES, false);
    const r = new RouteReader().read(b.records());
    expect(r.next()).toBe(true);
    expect([r.record.flags, dec.decode(r.record.subject), dec.decode(r.record.deliver!), dec.decode(r.record.data)]).toEqual([
      ROUTE_DELIVER, "_INBOX.pull.1", "orders.new", "stored",
    ]);
    expect(r.next()).toBe(true);
    expect([dec.decode(r.record.subject), r.record.deliver]).toEqual(["plain", null]);
  });

  it("starts again in the same buffer after clear(), and the bytes of a batch stay as they were until then", () => {
    const b = new RouteBatch();
    b.add(1, enc.encode("$G"), msg("a", null, -1, "one"), NO_QUEUE_NAMES, false);
    const first = b.records();
    expect(records(first)).toEqual([[1, 0, "$G", "a", null, -1, "one", []]]);
    expect(records(b.records())).toEqual(records(first)); // sent again (a retry): the same records
    b.clear();
    expect(b.count).toBe(0);
    b.add(2, enc.encode("B"), msg("b", "r", -1, "two"), NO_QUEUE_NAMES, false);
    expect(records(b.records())).toEqual([[2, 0, "B", "b", "r", -1, "two", []]]);
  });

  it("frames the records for a link: sender, its instance, the sequence number and an ack first", () => {
    const b = new RouteBatch();
    b.add(1, enc.encode("$G"), msg("a", null, -1, "one"), NO_QUEUE_NAMES, false);
    const frame = b.frame(3, 0xdeadbeef, 42, { instance: 7, seq: 9 });
    const h: DataHeader = { from: 0, instance: 0, seq: 0, ack: { instance: 0, seq: 0 } };
    expect(readDataHeader(frame, h)).toBe(true);
    expect(h).toEqual({ from: 3, instance: 0xdeadbeef, seq: 42, ack: { instance: 7, seq: 9 } });
    expect(records(frame.subarray(DATA_HEADER))).toEqual([[1, 0, "$G", "a", null, -1, "one", []]]);
    expect(readDataHeader(frame.subarray(0, DATA_HEADER - 1), h)).toBe(false);
    expect(readAck(ackFrame(2, { instance: 5, seq: 42 }, [7, 9]))).toEqual({ from: 2, ack: { instance: 5, seq: 42 }, undelivered: [7, 9] });
    expect(readAck(ackFrame(0, { instance: 1, seq: 1 }, []))).toEqual({ from: 0, ack: { instance: 1, seq: 1 }, undelivered: [] });
    expect(readAck(frame)).toBeNull();
    expect(readDataHeader(ackFrame(1, { instance: 1, seq: 1 }, []), h)).toBe(false);
  });

  it("refuses a batch cut short", () => {
    const b = new RouteBatch();
    b.add(1, enc.encode("$G"), msg("a.b", null, -1, "xyz"), NO_QUEUE_NAMES, false);
    const bytes = b.records();
    for (let cut = 1; cut < bytes.length; cut++) expect(() => records(bytes.subarray(0, cut))).toThrow(RangeError);
  });
});

describe("cluster keys", () => {
  it("put the account first, so it is part of every key", () => {
    expect(clusterSubject("A", "orders.new")).toBe("A.orders.new");
    expect(publishKey(clusterSubject("A", "orders.new.eu"), 3)).toBe("A.orders.new");
    expect(subscriptionKey(clusterSubject("A", ">"), 3)).toBeNull();
    expect(subscriptionKey(clusterSubject("A", "orders.new.*"), 3)).toBe("A.orders.new");
    expect(ownerOfSubject("A", "orders.new.eu", 2, 16)).toBe(ownerOf("A.orders.new", 16));
  });

  it("spread one subject of many accounts over the shards", () => {
    const owners = new Set<number>();
    for (let i = 0; i < 64; i++) owners.add(ownerOfSubject(`ACC${i}`, "chat.room", 2, 8));
    expect(owners.size).toBe(8);
  });
});
