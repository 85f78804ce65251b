import { describe, expect, it } from "vitest";
import { ROUTE_HEADERS, ROUTE_RECEIPT, RouteBatch, readRouteBatch, type RoutedMessage } from "../../src/protocol/route.js";
import { clusterSubject, ownerOf, ownerOfSubject, publishKey, subscriptionKey } from "../../src/protocol/shardkey.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("route batch", () => {
  it("carries account, subject, reply, headers, message and queues through a round trip", () => {
    const b = new RouteBatch();
    b.add(7, enc.encode("ACCOUNT_A"), enc.encode("orders.new"), enc.encode("_INBOX.x.1"), 12, enc.encode("NATS/1.0\r\n\r\nhello"), ["workers", "audit"], true);
    b.add(0, enc.encode("$G"), enc.encode("t"), null, -1, new Uint8Array(0), [], false);
    expect(b.count).toBe(2);
    const got: RoutedMessage[] = [];
    readRouteBatch(b.take(), (m) => got.push({ ...m, subject: m.subject.slice(), message: m.message.slice(), reply: m.reply?.slice() ?? null }));
    expect(b.count).toBe(0);
    expect(got.map((m) => [m.id, m.flags, m.account, dec.decode(m.subject), m.reply && dec.decode(m.reply), m.headerSize, dec.decode(m.message), m.queues])).toEqual([
      [7, ROUTE_HEADERS | ROUTE_RECEIPT, "ACCOUNT_A", "orders.new", "_INBOX.x.1", 12, "NATS/1.0\r\n\r\nhello", ["workers", "audit"]],
      [0, 0, "$G", "t", null, -1, "", []],
    ]);
  });

  it("refuses a batch cut short", () => {
    const b = new RouteBatch();
    b.add(1, enc.encode("$G"), enc.encode("a.b"), null, -1, enc.encode("xyz"), [], false);
    const bytes = b.take();
    expect(() => readRouteBatch(bytes.subarray(0, bytes.length - 2), () => undefined)).toThrow(RangeError);
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
