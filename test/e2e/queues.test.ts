import { afterEach, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/nats-core";
import { Clients, Inbox, listen, quiesce, sharers, uniq, waitUntil } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

const N = 3000;

/** Each member on its own connection. */
async function group(subject: string, queue: string, members: number): Promise<{ conns: NatsConnection[]; inboxes: Inbox[] }> {
  const conns: NatsConnection[] = [];
  const inboxes: Inbox[] = [];
  for (let i = 0; i < members; i++) {
    const nc = await clients.connect();
    inboxes.push(listen(nc, subject, { queue }));
    await nc.flush();
    conns.push(nc);
  }
  return { conns, inboxes };
}

function publishAll(pub: NatsConnection, subject: string, n = N): void {
  for (let i = 0; i < n; i++) pub.publish(subject, String(i));
}

const total = (inboxes: Inbox[]) => inboxes.reduce((a, b) => a + b.count, 0);

/** Asserts that the group as a whole got 0..n-1 exactly once. */
function expectExactlyOnce(inboxes: Inbox[], n = N): void {
  const seen = new Uint32Array(n);
  for (const ib of inboxes) for (const s of ib.strings()) seen[Number(s)]!++;
  const wrong: string[] = [];
  for (let i = 0; i < n; i++) if (seen[i] !== 1) wrong.push(`${i}x${seen[i]}`);
  expect(wrong.slice(0, 20)).toEqual([]);
  expect(total(inboxes)).toBe(n);
}

/**
 * Each member that shares (sharers()) got at least half of its even share, the others nothing:
 * a group spreads its messages at random over the members it chooses among.
 */
function expectShares(inboxes: Inbox[], share: boolean[]): void {
  const n = total(inboxes);
  const k = share.filter(Boolean).length;
  inboxes.forEach((ib, i) => (share[i] ? expect(ib.count).toBeGreaterThan(n / k / 2) : expect(ib.count).toBe(0)));
}

describe("queues", () => {
  it("a group of 3 members gets each of 3000 messages exactly once, roughly balanced", async () => {
    const s = uniq("queue.one");
    const { conns, inboxes } = await group(s, "workers", 3);
    const pub = await clients.connect();
    publishAll(pub, s);
    await waitUntil(() => total(inboxes) >= N, 20_000, () => `${N} messages in the group (got ${total(inboxes)})`);
    await quiesce(pub, ...conns);
    expectExactlyOnce(inboxes);
    expectShares(inboxes, sharers(conns, pub));
    // each member sees its share in publish order
    for (const ib of inboxes) {
      const xs = ib.strings().map(Number);
      expect(xs).toEqual([...xs].sort((a, b) => a - b));
    }
  });

  it("two groups on one subject each get all 3000", async () => {
    const s = uniq("queue.two");
    const g1 = await group(s, "g1", 2);
    const g2 = await group(s, "g2", 2);
    const pub = await clients.connect();
    publishAll(pub, s);
    await waitUntil(
      () => total(g1.inboxes) >= N && total(g2.inboxes) >= N,
      20_000,
      () => `${N} in each group (got ${total(g1.inboxes)} and ${total(g2.inboxes)})`,
    );
    await quiesce(pub, ...g1.conns, ...g2.conns);
    expectExactlyOnce(g1.inboxes);
    expectExactlyOnce(g2.inboxes);
  });

  it("a plain subscriber beside a group gets all 3000; the group gets each once", async () => {
    const s = uniq("queue.plain");
    const g = await group(s, "q", 3);
    const plainNc = await clients.connect();
    const plain = listen(plainNc, s);
    await plainNc.flush();
    const pub = await clients.connect();
    publishAll(pub, s);
    await waitUntil(
      () => total(g.inboxes) >= N && plain.count >= N,
      20_000,
      () => `${N} in the group and the plain sub (got ${total(g.inboxes)} and ${plain.count})`,
    );
    await quiesce(pub, plainNc, ...g.conns);
    expectExactlyOnce(g.inboxes);
    expect(plain.strings()).toEqual(Array.from({ length: N }, (_, i) => String(i)));
  });

  it("a queue name is one group across all matching subscriptions (wildcard or not); another name is another group", async () => {
    // nats-server groups matching queue subscriptions by queue name only (sublist findQSlot)
    const p = uniq("queue.wild");
    const a = await group(`${p}.*`, "q", 2);
    const b = await group(`${p}.x`, "q", 2);
    const c = await group(`${p}.>`, "other", 1);
    const pub = await clients.connect();
    const n = 400;
    publishAll(pub, `${p}.x`, n);
    await waitUntil(
      () => total([...a.inboxes, ...b.inboxes]) >= n && total(c.inboxes) >= n,
      10_000,
      () => `${n} in group q and in group other (got ${total([...a.inboxes, ...b.inboxes])} and ${total(c.inboxes)})`,
    );
    await quiesce(pub, ...a.conns, ...b.conns, ...c.conns);
    expectExactlyOnce([...a.inboxes, ...b.inboxes], n);
    expectExactlyOnce(c.inboxes, n);
    // both the wildcard and the literal members take part (those that share at all)
    const share = sharers([...a.conns, ...b.conns], pub);
    expect(total(a.inboxes) > 0).toBe(share[0] || share[1]);
    expect(total(b.inboxes) > 0).toBe(share[2] || share[3]);
  });

  it("when a member unsubscribes, the rest of the group takes all later messages", async () => {
    const s = uniq("queue.leave");
    const { conns, inboxes } = await group(s, "q", 3);
    inboxes[0]!.sub.unsubscribe();
    await conns[0]!.flush();
    const pub = await clients.connect();
    const n = 600;
    publishAll(pub, s, n);
    await waitUntil(() => total(inboxes) >= n, 10_000, () => `${n} messages (got ${total(inboxes)})`);
    await quiesce(pub, ...conns);
    expect(inboxes[0]!.count).toBe(0);
    expectExactlyOnce(inboxes, n);
    const share = sharers(conns.slice(1), pub);
    expect(inboxes[1]!.count > 0).toBe(share[0]);
    expect(inboxes[2]!.count > 0).toBe(share[1]);
  });

  it("when a member's connection closes, the rest of the group takes all later messages", async () => {
    const s = uniq("queue.gone");
    const { conns, inboxes } = await group(s, "q", 3);
    await conns[0]!.close();
    const pub = await clients.connect();
    const n = 600;
    publishAll(pub, s, n);
    await waitUntil(() => total(inboxes) >= n, 10_000, () => `${n} messages (got ${total(inboxes)})`);
    await quiesce(pub, conns[1]!, conns[2]!);
    expect(inboxes[0]!.count).toBe(0);
    expectExactlyOnce(inboxes, n);
  });

  it("a request to a queue group gets exactly one reply", async () => {
    const s = uniq("queue.req");
    const responders: NatsConnection[] = [];
    const handled = [0, 0, 0];
    for (let i = 0; i < 3; i++) {
      const nc = await clients.connect();
      nc.subscribe(s, {
        queue: "svc",
        callback: (_e, m) => {
          handled[i]!++;
          m.respond(`r${i}`);
        },
      });
      await nc.flush();
      responders.push(nc);
    }
    const req = await clients.connect();
    const replies = await Promise.all(
      Array.from({ length: 90 }, () => req.request(s, "q", { timeout: 5_000 }).then((m) => m.string())),
    );
    for (const r of replies) expect(["r0", "r1", "r2"]).toContain(r);
    await quiesce(req, ...responders);
    expect(handled.reduce((a, b) => a + b, 0)).toBe(90);
  });
});
