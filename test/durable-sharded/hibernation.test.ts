// A cluster of two shards inside workerd: what survives when a host or an owner
// is evicted from memory (hibernation) while its sockets stay open. The client
// on shard 0 subscribes; the publisher is on shard 1; subjects are chosen so that
// either shard is the owner.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { Shard } from "../../src/durable/shard.js";
import { clusterSubject, ownerOfSubject } from "../../src/protocol/shardkey.js";
import { RawClient, shardStub } from "../durable/ws.js";

const open: RawClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close().catch(() => undefined)));
});

async function on(shard: number): Promise<RawClient> {
  const c = await RawClient.connect({ headers: true, no_responders: true }, `/?shard=${shard}`);
  open.push(c);
  return c;
}

let n = 0;
function ownedBy(owner: number): string {
  for (;;) {
    const s = `hib.k${n++}`;
    if (ownerOfSubject("$G", s, 2, 2) === owner) return s;
  }
}

async function evict(shard: number): Promise<void> {
  const stub = shardStub(shard);
  // Make sure it is running, and idle: the links it opened to other shards pin it in memory.
  await runInDurableObject(stub, (s: Shard) => s.testIdle());
  await evictDurableObject(stub);
}

describe("two shards", () => {
  for (const owner of [0, 1]) {
    it(`a host that hibernates keeps receiving (owner: shard ${owner})`, async () => {
      const subject = ownedBy(owner);
      const sub = await on(0);
      expect(await sub.pingAfter(`SUB ${subject} 1\r\nSUB ${subject} q 2\r\n`)).toBe("");
      const pub = await on(1);
      expect(await pub.pingAfter(`PUB ${subject} 1\r\na\r\n`)).toBe("");
      // Routed messages arrive on their own time: wait for them, not for a PONG.
      const first = await sub.until(`MSG ${subject} 2 1\r\na\r\n`);
      expect(first.map((f) => f.text).join("")).toBe(`MSG ${subject} 1 1\r\na\r\nMSG ${subject} 2 1\r\na\r\n`);

      await evict(0);
      expect(await pub.pingAfter(`PUB ${subject} 1\r\nb\r\n`)).toBe("");
      const got = await sub.until(`MSG ${subject} 2 1\r\nb\r\n`);
      expect(got.map((f) => f.text).join("")).toBe(`MSG ${subject} 1 1\r\nb\r\nMSG ${subject} 2 1\r\nb\r\n`);
    });

    it(`an owner evicted between subscribe and publish still routes (owner: shard ${owner})`, async () => {
      const subject = ownedBy(owner);
      const sub = await on(0);
      const pub = await on(1);
      await evict(owner);
      expect(await sub.pingAfter(`SUB ${subject} 1\r\n`)).toBe("");
      await evict(owner);
      expect(await pub.pingAfter(`PUB ${subject} 1\r\nc\r\n`)).toBe("");
      await sub.until(`MSG ${subject} 1 1\r\nc\r\n`);
      const dir = await runInDurableObject(shardStub(owner), (s: Shard) => s.health().directory);
      expect(dir?.entries).toBeGreaterThanOrEqual(1);
    });
  }

  it("a host that receives a message it has no interest in makes the owner drop the stale entry", async () => {
    const subject = ownedBy(1);
    const sub = await on(0); // a connection on shard 0, so it is awake and hosting
    expect(await sub.pingAfter("SUB other.thing 1\r\n")).toBe("");
    // An entry for shard 0 that shard 0 never had: as if its UNSUB had been lost.
    await runInDurableObject(shardStub(1), (s: Shard) => s.registerInterest(0, [{ subject: clusterSubject("$G", subject), queue: "", weight: 1 }]));
    const before = await runInDurableObject(shardStub(1), (s: Shard) => s.health().directory!.entries);
    const pub = await on(1);
    expect(await pub.pingAfter(`PUB ${subject} 1\r\nz\r\n`)).toBe("");
    let after = before;
    for (let i = 0; i < 50 && after >= before; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await runInDurableObject(shardStub(1), (s: Shard) => s.health().directory!.entries);
    }
    expect(after).toBe(before - 1);
  });

  it("no responders reaches a requester across shards, after the responder's host hibernated", async () => {
    const subject = ownedBy(1);
    const responder = await on(0);
    expect(await responder.pingAfter(`SUB ${subject} 1\r\n`)).toBe("");
    const requester = await on(1);
    expect(await requester.pingAfter(`SUB _INBOX.r1.* 9\r\nUNSUB 9 2\r\n`)).toBe("");
    requester.send(`PUB ${subject} _INBOX.r1.a 2\r\nhi\r\n`);
    await responder.until(`MSG ${subject} 1 _INBOX.r1.a 2\r\nhi\r\n`);
    responder.send("UNSUB 1\r\n");
    await responder.pingAfter("");
    await evict(0);
    requester.send(`PUB ${subject} _INBOX.r1.b 0\r\n\r\n`);
    await requester.until("HMSG _INBOX.r1.b 9 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
  });
});
