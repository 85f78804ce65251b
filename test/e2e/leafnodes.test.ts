// Leafnodes: Debian's nats-server dials nats-edge on /leafnode as a leaf (its remote URL is
// ws://), with clients of the official TCP client on the leaf and of wsconnect on nats-edge.
// Both directions, wildcards, headers, queue groups on each side and split over both,
// request/reply both ways, unsubscribing, monitoring, a restart of the broker, and
// credentials binding the leaf to an account; on one shard and on four.

import { connect } from "@nats-io/transport-node";
import { headers, wsconnect, type Msg, type NatsConnection } from "@nats-io/nats-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findNatsServer, startNatsServer, type NatsServer } from "../../harness/nats-server.mjs";
import { startBroker, type Broker } from "./broker.js";
import { collect, delay, uniq } from "./util.js";

const bin = findNatsServer();
if (bin === null) {
  throw new Error("nats-server is not installed: the leafnode tests run Debian's nats-server as the leaf (apt-get install nats-server; .ci/run installs it)");
}

/** Polls `pred` until it holds, or fails with `what` after `ms`. */
async function eventually(pred: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(50);
  }
}

/** The token monitoring needs once authorization is configured. */
const MONITOR_TOKEN = "leaf-monitor";

async function monitor(broker: Broker, path: string): Promise<Record<string, unknown>> {
  const r = await fetch(`http://127.0.0.1:${broker.port}${path}`, { headers: { Authorization: `Bearer ${MONITOR_TOKEN}` } });
  return (await r.json()) as Record<string, unknown>;
}

const leafCount = async (broker: Broker) => (await monitor(broker, "/leafz")).leafnodes as number;

/** nats-edge holds a subscription to `subject` (the leaf's, once its LS+ arrived). */
async function hubKnows(broker: Broker, subject: string): Promise<boolean> {
  const subsz = await monitor(broker, `/subsz?subs=1&test=${encodeURIComponent(subject)}`);
  return (subsz.total as number) > 0;
}

/** A leaf whose one remote is nats-edge. */
function startLeaf(broker: Broker, auth = ""): Promise<NatsServer> {
  return startNatsServer(bin!, { config: { leafnodes: { remotes: [{ url: `ws://${auth}127.0.0.1:${broker.port}` }] } } });
}

describe.each([1, 4])("leafnodes, nats-edge as the hub (%i shard(s))", (shards) => {
  let broker: Broker;
  let leaf: NatsServer;
  const conns: NatsConnection[] = [];
  /** A client of nats-edge, on shard `i` (of those there are). */
  const hub = async (i = 0) => {
    const nc = await wsconnect({ servers: `${broker.url}/?shard=${i % shards}` });
    conns.push(nc);
    return nc;
  };
  const onLeaf = async () => {
    const nc = await connect({ servers: `127.0.0.1:${leaf.clientPort}` });
    conns.push(nc);
    return nc;
  };

  beforeAll(async () => {
    broker = await startBroker({ name: `leaf-hub-${shards}`, vars: { SHARDS: String(shards), ALLOW_ANONYMOUS: "true" } });
    leaf = await startLeaf(broker);
    await eventually(async () => (await leafCount(broker)) === 1, "the leaf to connect");
  }, 120_000);

  afterAll(async () => {
    await Promise.all(conns.map((nc) => nc.close().catch(() => undefined)));
    await leaf?.stop();
    await broker?.stop();
  });

  it("carries messages both ways, with wildcards and headers", async () => {
    const base = uniq("lf");
    const l = await onLeaf();
    const h = await hub(1);
    const onL = l.subscribe(`${base}.down.*`);
    const onH = h.subscribe(`${base}.up.>`);
    await l.flush();
    await h.flush();
    await eventually(() => hubKnows(broker, `${base}.down.x`), "the leaf's interest to reach nats-edge");
    await delay(200);
    const hdr = headers();
    hdr.set("X-Trace", "42");
    h.publish(`${base}.down.a`, "to the leaf", { headers: hdr });
    h.publish(`${base}.down.b.c`, "matches nothing");
    l.publish(`${base}.up.x.y`, "to the hub");
    const [down] = await collect(onL, 1);
    expect(down.subject).toBe(`${base}.down.a`);
    expect(down.string()).toBe("to the leaf");
    expect(down.headers?.get("X-Trace")).toBe("42");
    const [up] = await collect(onH, 1);
    expect(up.subject).toBe(`${base}.up.x.y`);
    expect(up.string()).toBe("to the hub");
  });

  it("gives each message of a queue group to one member, on either side or split over both", async () => {
    const subject = uniq("lfq");
    const l = await onLeaf();
    const h1 = await hub(1);
    const h2 = await hub(2);
    const got: string[] = [];
    const member = (nc: NatsConnection, name: string) =>
      nc.subscribe(subject, { queue: "workers", callback: (_e, m: Msg) => void got.push(`${name}:${m.string()}`) });
    member(l, "leaf");
    member(l, "leaf");
    member(h1, "hub");
    member(h2, "hub");
    await l.flush();
    await h1.flush();
    await h2.flush();
    await eventually(() => hubKnows(broker, subject), "the leaf's members to reach nats-edge");
    await delay(300);
    const n = 40;
    for (let i = 0; i < n; i++) h1.publish(subject, `h${i}`);
    for (let i = 0; i < n; i++) l.publish(subject, `l${i}`);
    await h1.flush();
    await l.flush();
    await eventually(async () => got.length >= 2 * n, `${2 * n} deliveries`, 10_000);
    await delay(300);
    expect(got.length).toBe(2 * n);
    const payloads = got.map((g) => g.split(":")[1]).sort();
    expect(new Set(payloads).size).toBe(2 * n);
    // The leaf's own publications stay with its members, as nats-server prefers members of its own.
    expect(got.filter((g) => g.startsWith("hub:l")).length).toBe(0);

    // Members only on the other side: every message crosses, once.
    const only = uniq("lfq");
    const leafOnly: string[] = [];
    l.subscribe(only, { queue: "solo", callback: (_e, m: Msg) => void leafOnly.push(m.string()) });
    l.subscribe(only, { queue: "solo", callback: (_e, m: Msg) => void leafOnly.push(m.string()) });
    await l.flush();
    await delay(300);
    for (let i = 0; i < 20; i++) h2.publish(only, `x${i}`);
    await eventually(async () => leafOnly.length >= 20, "20 deliveries on the leaf");
    await delay(200);
    expect(leafOnly.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `x${i}`).sort());
  });

  it("answers requests both ways, and says no responders when nobody is there", async () => {
    const base = uniq("lfr");
    const l = await onLeaf();
    const h = await hub(3);
    l.subscribe(`${base}.leaf`, { callback: (_e, m: Msg) => void m.respond(`leaf got ${m.string()}`) });
    h.subscribe(`${base}.hub`, { callback: (_e, m: Msg) => void m.respond(`hub got ${m.string()}`) });
    await l.flush();
    await h.flush();
    await eventually(() => hubKnows(broker, `${base}.leaf`), "the leaf's responder to reach nats-edge");
    await delay(300);
    expect((await h.request(`${base}.leaf`, "ping", { timeout: 5000 })).string()).toBe("leaf got ping");
    expect((await l.request(`${base}.hub`, "pong", { timeout: 5000 })).string()).toBe("hub got pong");
    await expect(h.request(`${base}.nobody`, "", { timeout: 5000 })).rejects.toThrow(/no responders/);
  });

  it("stops delivery across the link when either side unsubscribes", async () => {
    const base = uniq("lfu");
    const l = await onLeaf();
    const h = await hub(1);
    const onL = l.subscribe(`${base}.down`);
    const onH = h.subscribe(`${base}.up`);
    await l.flush();
    await h.flush();
    await eventually(() => hubKnows(broker, `${base}.down`), "the leaf's interest to reach nats-edge");
    await delay(200);
    h.publish(`${base}.down`, "1");
    l.publish(`${base}.up`, "1");
    await collect(onL, 1);
    await collect(onH, 1);
    onL.unsubscribe();
    onH.unsubscribe();
    await l.flush();
    await h.flush();
    await eventually(async () => !(await hubKnows(broker, `${base}.down`)), "the leaf's LS- to reach nats-edge");
    await delay(200);
    const lateL = l.subscribe(`${base}.late`);
    await l.flush();
    // What nats-edge says of the leaf's interest: it told the leaf nothing of ${base}.up any more.
    const leafz = await monitor(broker, "/leafz?subs=1");
    const told = (leafz.leafs as { subscriptions_list: string[] }[])[0].subscriptions_list;
    expect(told).not.toContain(`${base}.up`);
    lateL.unsubscribe();
  });

  it("lists the leaf in /leafz, /varz and /accountz, and not in /connz", async () => {
    const leafz = await monitor(broker, "/leafz");
    expect(leafz.leafnodes).toBe(1);
    const [info] = leafz.leafs as Record<string, unknown>[];
    expect(info.account).toBe("$G");
    expect(info.is_spoke).toBe(false);
    expect(typeof info.name).toBe("string");
    expect((info.name as string).length).toBeGreaterThan(0);
    const varz = await monitor(broker, "/varz");
    expect(varz.leafnodes).toBe(1);
    const accountz = await monitor(broker, "/accountz?acc=$G");
    expect((accountz.account_detail as Record<string, unknown>).leafnode_connections).toBe(1);
    const connz = await monitor(broker, "/connz");
    expect((connz.connections as { cid: number }[]).some((c) => c.cid === info.id)).toBe(false);
  });

  it("comes back after the broker restarts, with interest on both sides", async () => {
    const base = uniq("lfx");
    const l = await onLeaf();
    const onL = l.subscribe(`${base}.down`);
    await l.flush();
    const port = broker.port;
    await broker.stop();
    broker = await startBroker({ name: `leaf-hub-${shards}`, port, vars: { SHARDS: String(shards), ALLOW_ANONYMOUS: "true" } });
    await eventually(async () => (await leafCount(broker)) === 1, "the leaf to reconnect", 30_000);
    const h = await hub(2);
    const onH = h.subscribe(`${base}.up`);
    await h.flush();
    await eventually(() => hubKnows(broker, `${base}.down`), "the leaf's interest to be told again");
    await delay(300);
    h.publish(`${base}.down`, "after");
    l.publish(`${base}.up`, "after");
    expect((await collect(onL, 1))[0].string()).toBe("after");
    expect((await collect(onH, 1))[0].string()).toBe("after");
  }, 120_000);
});

describe("leafnodes with credentials, bound to an account", () => {
  let broker: Broker;
  const servers: NatsServer[] = [];
  const conns: NatsConnection[] = [];
  const config = {
    accounts: {
      A: { users: [{ user: "a", password: "pa" }] },
      B: { users: [{ user: "b", password: "pb" }] },
    },
    leafnodes: { authorization: { users: [{ user: "leaf", password: "s3cret", account: "A" }] } },
  };

  beforeAll(async () => {
    broker = await startBroker({ name: "leaf-auth", vars: { NATS_CONFIG: JSON.stringify(config), MONITOR_TOKEN } });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(conns.map((nc) => nc.close().catch(() => undefined)));
    for (const s of servers) await s.stop();
    await broker?.stop();
  });

  it("refuses a leaf with the wrong password, and binds one with the right one to its account", async () => {
    const wrong = await startLeaf(broker, "leaf:nope@");
    servers.push(wrong);
    await eventually(async () => wrong.output().includes("Authorization Violation"), "the leaf to be refused");
    expect(await leafCount(broker)).toBe(0);

    const right = await startLeaf(broker, "leaf:s3cret@");
    servers.push(right);
    await eventually(async () => (await leafCount(broker)) === 1, "the leaf to connect");
    const leafz = await monitor(broker, "/leafz");
    expect((leafz.leafs as { account: string }[])[0].account).toBe("A");

    const subject = uniq("lfa");
    const l = await connect({ servers: `127.0.0.1:${right.clientPort}` });
    conns.push(l);
    const inA = await wsconnect({ servers: broker.url, user: "a", pass: "pa" });
    const inB = await wsconnect({ servers: broker.url, user: "b", pass: "pb" });
    conns.push(inA, inB);
    const gotA = inA.subscribe(subject);
    const gotB: Msg[] = [];
    inB.subscribe(subject, { callback: (_e, m) => void gotB.push(m) });
    await inA.flush();
    await inB.flush();
    await delay(300);
    l.publish(subject, "for account A");
    expect((await collect(gotA, 1))[0].string()).toBe("for account A");
    await delay(300);
    expect(gotB).toHaveLength(0);
  });
});
