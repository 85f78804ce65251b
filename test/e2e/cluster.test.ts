// What only a cluster of shards has to get right, seen through the official
// client: queue groups across objects, wildcards across owners, request/reply
// through three objects, publish order across subjects, flush semantics, and
// an owner that is reset in the middle of traffic.
import type { NatsConnection } from "@nats-io/nats-core";
import { afterEach, describe, expect, it } from "vitest";
import { ownerOfSubject } from "../../src/protocol/shardkey";
import { brokerShards, brokerUrl, Clients, collect, sharers, uniq, waitUntil } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

const DEPTH = 2; // the default SHARD_KEY_DEPTH
const shards = () => brokerShards();

/** The official client on a given shard. */
function on(shard: number): Promise<NatsConnection> {
  return new Clients(`${brokerUrl()}/?shard=${shard}`, 1).connect().then((nc) => {
    track.push(nc);
    return nc;
  });
}
const track: NatsConnection[] = [];
afterEach(async () => {
  await Promise.all(track.splice(0).map((nc) => nc.close().catch(() => undefined)));
});

/** The answer to a WebSocket upgrade request for `path`, as raw HTTP text. */
async function rawUpgrade(path: string): Promise<string> {
  const { connect } = await import("node:net");
  const url = new URL(brokerUrl());
  const sock = connect({ host: url.hostname, port: Number(url.port) });
  await new Promise((r) => sock.once("connect", r));
  sock.write(
    `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let text = "";
  sock.on("data", (d: Buffer) => (text += d.toString()));
  await waitUntil(() => text.includes("shard must be") || text.includes("101"), 5_000).catch(() => undefined);
  sock.destroy();
  return text.replace(/\r\n[\s\S]*?\r\n\r\n/, " ");
}

/** A subject (with `prefix`) whose owner is `owner`. */
function ownedBy(owner: number, prefix = "cl"): string {
  for (let tries = 0; tries < 10_000; tries++) {
    const s = uniq(prefix);
    if (ownerOfSubject("$G", s, DEPTH, shards()) === owner) return s;
  }
  throw new Error(`no subject found for owner ${owner}`);
}

describe.runIf(brokerShards() > 1)("cluster", () => {
  it("a shard out of range or malformed in the connect URL is a clear HTTP 400", async () => {
    const http = brokerUrl().replace("ws:", "http:");
    for (const bad of [String(shards()), "-1", "x", "1.5", ""]) {
      const res = await fetch(`${http}/?shard=${encodeURIComponent(bad)}`, { headers: { Upgrade: "websocket" } }).catch(() => null);
      // undici may refuse to send an Upgrade header itself; then ask with a raw socket.
      const answer = res !== null ? `${res.status} ${await res.text()}` : await rawUpgrade(`/?shard=${encodeURIComponent(bad)}`);
      expect(answer).toMatch(/^(HTTP\/1\.1 )?400 /);
      expect(answer).toContain(`shard must be a whole number from 0 to ${shards() - 1}`);
    }
  });

  it("a queue group with members on 3 shards gets 3,000 messages exactly once in total", async () => {
    const subject = ownedBy(3);
    const members = await Promise.all([on(0), on(1), on(2)]);
    const counts = [0, 0, 0];
    const seen = new Set<string>();
    let dupes = 0;
    members.forEach((nc, i) =>
      nc.subscribe(subject, {
        queue: "workers",
        callback: (_e, m) => {
          counts[i]++;
          if (seen.has(m.string())) dupes++;
          seen.add(m.string());
        },
      }),
    );
    await Promise.all(members.map((nc) => nc.flush()));
    const pub = await on(3);
    for (let i = 0; i < 3000; i++) pub.publish(subject, String(i));
    await pub.flush();
    await waitUntil(() => seen.size === 3000, 10_000, () => `3000 distinct, got ${seen.size}`);
    await new Promise((r) => setTimeout(r, 200));
    expect(counts.reduce((a, b) => a + b)).toBe(3000);
    expect(dupes).toBe(0);
    // With REGIONS, the members in the publisher's region take them all (sharers()).
    const share = sharers(members, pub);
    const k = share.filter(Boolean).length;
    counts.forEach((c, i) => (share[i] ? expect(c).toBeGreaterThan(3000 / k / 2) : expect(c).toBe(0)));
  });

  it("a `>` subscriber on one shard sees subjects owned by every shard", async () => {
    // One token of prefix, so the key (two tokens) differs with the second: a different owner each.
    const first = uniq("all").replace(".", "");
    const sub = await on(0);
    const inbox = sub.subscribe(`${first}.>`);
    await sub.flush();
    const subjects = Array.from({ length: shards() }, (_, o) => ownedBy(o, first));
    const pub = await on(1);
    for (const s of subjects) pub.publish(s, s);
    await pub.flush();
    const got = await collect(inbox, subjects.length);
    expect(got.map((m) => m.subject).sort()).toEqual([...subjects].sort());
  });

  it("request/reply where requester, responder and owner are three different objects", async () => {
    const subject = ownedBy(2, "svc");
    const responder = await on(1);
    responder.subscribe(subject, { callback: (_e, m) => {
        m.respond(`re:${m.string()}`);
      },
    });
    await responder.flush();
    const requester = await on(0);
    for (let i = 0; i < 20; i++) {
      const r = await requester.request(subject, String(i), { timeout: 5_000 });
      expect(r.string()).toBe(`re:${i}`);
    }
    // And with nobody there, the requester on another shard hears no-responders.
    await expect(requester.request(ownedBy(3, "none"), "x", { timeout: 5_000 })).rejects.toThrow(/no responders/);
  });

  it("the first request of a fresh connection is answered even when its inbox's owner is a third object", async () => {
    // The client sends its inbox SUB and the request back to back: the reply must not
    // depend on the registration reaching the inbox's owner before the responder replies.
    const subject = ownedBy(2, "first");
    const responder = await on(1);
    responder.subscribe(subject, {
      callback: (_e, m) => {
        m.respond("ok");
      },
    });
    await responder.flush();
    for (let i = 0; i < 30; i++) {
      const requester = await on(0);
      const r = await requester.request(subject, String(i), { timeout: 5_000 });
      expect(r.string()).toBe("ok");
      await requester.close();
    }
  });

  it("10,000 messages on 10 subjects from one publisher arrive in publish order at a `>` subscriber on another shard", async () => {
    const prefix = uniq("ord");
    const sub = await on(2);
    const got: number[] = [];
    sub.subscribe(`${prefix}.>`, { callback: (_e, m) => {
        got.push(Number(m.string()));
      },
    });
    await sub.flush();
    const pub = await on(0);
    for (let i = 0; i < 10_000; i++) pub.publish(`${prefix}.s${i % 10}`, String(i));
    await pub.flush();
    await waitUntil(() => got.length === 10_000, 20_000, () => `10000 messages, got ${got.length}`);
    expect(got).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });

  it("subscribe + flush on one shard, then an immediate publish from another shard is delivered", async () => {
    const pub = await on(1);
    for (let round = 0; round < 20; round++) {
      const subject = ownedBy(round % shards(), "now");
      // The publisher already watches the key: it must learn of the new subscription from the owner.
      pub.publish(subject, "before");
      await pub.flush();
      const sub = await on(0);
      const inbox = sub.subscribe(subject, { max: 1 });
      await sub.flush();
      pub.publish(subject, "after");
      const [m] = await collect(inbox, 1, 5_000);
      expect(m.string()).toBe("after");
      await sub.close();
    }
  });

  it("an owner reset in the middle of traffic reloads its tables, and delivery continues", async () => {
    const owner = 3;
    const subject = ownedBy(owner, "evict");
    const sub = await on(0);
    const got: number[] = [];
    sub.subscribe(subject, { callback: (_e, m) => {
        got.push(Number(m.string()));
      },
    });
    await sub.flush();
    const pub = await on(1);
    let n = 0;
    const burst = async (count: number) => {
      for (let i = 0; i < count; i++) pub.publish(subject, String(n++));
      await pub.flush();
    };
    await burst(500);
    const reset = await fetch(`${brokerUrl().replace("ws:", "http:")}/_test/abort/${owner}`, { method: "POST" });
    expect(reset.status).toBe(200);
    await burst(500);
    await waitUntil(() => got.length === 1000, 10_000, () => `1000 messages, got ${got.length}`);
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));

    // The reset owner reloaded the subscription from storage...
    const health = (await (await fetch(`${brokerUrl().replace("ws:", "http:")}/healthz`)).json()) as {
      shards: { shard: number; directory: { entries: number } }[];
    };
    expect(health.shards[owner].directory.entries).toBeGreaterThanOrEqual(1);
    // ...and takes new interest, which reaches a publisher on yet another shard.
    const late = await on(2);
    const lateInbox = late.subscribe(subject, { max: 1 });
    await late.flush();
    const other = await on(0);
    other.publish(subject, "x");
    const [m] = await collect(lateInbox, 1, 5_000);
    expect(m.string()).toBe("x");
  });
});
