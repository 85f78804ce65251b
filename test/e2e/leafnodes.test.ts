// Leafnodes, both ways: Debian's nats-server dials nats-edge on /leafnode as a leaf (its remote
// URL is ws://), and nats-edge dials a nats-server hub as a leaf (leafnodes.remotes, over TCP
// and over WebSocket); clients of the official TCP client on nats-server and of wsconnect on
// nats-edge. The same checks for each: both directions, wildcards, headers, queue groups on
// each side and split over both, request/reply both ways, unsubscribing; then monitoring, a
// restart of the other side, and credentials binding the link to an account; on one shard and
// on four.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { encodeAccount, encodeOperator, encodeUser, fmtCreds } from "@nats-io/jwt";
import { createAccount, createOperator, createUser } from "@nats-io/nkeys";
import { connect } from "@nats-io/transport-node";
import { credsAuthenticator, headers, wsconnect, type Msg, type NatsConnection, type Subscription } from "@nats-io/nats-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findNatsServer, startNatsServer, type NatsServer } from "../../harness/nats-server.mjs";
import { freePort } from "../../harness/process.mjs";
import { startBroker, type Broker } from "./broker.js";
import { RawSocket, collect, delay, uniq } from "./util.js";

const bin = findNatsServer();
if (bin === null) {
  throw new Error("nats-server is not installed: the leafnode tests run Debian's nats-server (apt-get install nats-server; .ci/run installs it)");
}

/** The token monitoring needs once authorization is configured. */
const MONITOR_TOKEN = "leaf-monitor";

/** Polls `pred` until it holds, or fails with `what` after `ms`. */
async function eventually(pred: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(50);
  }
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const r = await fetch(url, { headers: { Authorization: `Bearer ${MONITOR_TOKEN}` } });
  return (await r.json()) as Record<string, unknown>;
}

const monitor = (broker: Broker, path: string) => getJson(`http://127.0.0.1:${broker.port}${path}`);

/** nats-server, with a WebSocket listener on `wsPort` when given (to come back where nats-edge dials). */
function startServer(config: Record<string, unknown>, wsPort?: number): Promise<NatsServer> {
  return startNatsServer(bin!, { wsPort, config });
}

/**
 * nats-edge told the other side of its link of interest in `key` (`<subject>` or `<subject>
 * <queue>`): the LS+ is on its way. nats-server does not list a link's interest in its own
 * monitoring (its /subsz shows local subscriptions only), so this is asked of nats-edge.
 */
async function told(broker: Broker, key: string): Promise<boolean> {
  const leafz = await monitor(broker, "/leafz?subs=1");
  const [link] = leafz.leafs as { subscriptions_list?: string[] }[];
  return link !== undefined && (link.subscriptions_list ?? []).includes(key);
}

type Server = NatsServer;

/** nats-edge holds a subscription to `subject` (nats-server's, once its LS+ arrived). */
async function edgeKnows(broker: Broker, subject: string): Promise<boolean> {
  const subsz = await monitor(broker, `/subsz?subs=1&test=${encodeURIComponent(subject)}`);
  return (subsz.total as number) > 0;
}

const leafCount = async (broker: Broker) => (await monitor(broker, "/leafz")).leafnodes as number;

async function remotesUp(broker: Broker): Promise<number> {
  const leafz = await monitor(broker, "/leafz");
  return ((leafz.remotes ?? []) as { connected: boolean }[]).filter((r) => r.connected).length;
}

/** Who dials whom: nats-edge as the hub of a nats-server leaf, or as the leaf of a nats-server hub. */
interface Topology {
  readonly edgeIs: "hub" | "leaf";
  readonly shards: number;
  /** How nats-edge dials the hub, as its leaf. */
  readonly via?: "ws" | "tcp";
}

const TOPOLOGIES: Topology[] = [
  { edgeIs: "hub", shards: 1 },
  { edgeIs: "hub", shards: 4 },
  { edgeIs: "leaf", shards: 1, via: "ws" },
  { edgeIs: "leaf", shards: 4, via: "tcp" },
];

describe.each(TOPOLOGIES)("leafnodes: nats-edge as the $edgeIs ($shards shard(s))", (topology) => {
  const { edgeIs, shards, via } = topology;
  let broker: Broker;
  let server: Server;
  /** The hub's leafnode and WebSocket ports, kept when it restarts (nats-edge as the leaf). */
  let leafPort = 0;
  let wsPort = 0;
  const conns: NatsConnection[] = [];
  const vars = (config: unknown) => ({ SHARDS: String(shards), ALLOW_ANONYMOUS: "true", TEST_HOOKS: "1", NATS_CONFIG: JSON.stringify(config) });

  const startHubServer = () => startServer({ leafnodes: { listen: `127.0.0.1:${leafPort}` } }, wsPort);
  const startEdge = (port?: number) => {
    const remote = via === "ws" ? server.url : `nats-leaf://127.0.0.1:${leafPort}`;
    const config = edgeIs === "hub" ? {} : { leafnodes: { remotes: [{ url: remote }] } };
    return startBroker({ name: `leaf-${edgeIs}-${shards}`, port, vars: vars(config) });
  };
  const linked = async () => (edgeIs === "hub" ? (await leafCount(broker)) === 1 : (await remotesUp(broker)) === 1);

  /** A client of nats-edge, on shard `i` (of those there are). */
  const onEdge = async (i = 0) => {
    const nc = await wsconnect({ servers: `${broker.url}/?shard=${i % shards}` });
    conns.push(nc);
    return nc;
  };
  /** A client of nats-server, over TCP. */
  const onServer = async () => {
    const nc = await connect({ servers: `127.0.0.1:${server.clientPort}` });
    conns.push(nc);
    return nc;
  };
  /** Both sides know of each other's subscriptions: subjects (and "<subject> <queue>" keys) on each. */
  const known = async (onServerSide: string[], onEdgeSide: string[]) => {
    for (const s of onServerSide) await eventually(() => edgeKnows(broker, s), `nats-server's interest in ${s} to reach nats-edge`);
    for (const k of onEdgeSide) await eventually(() => told(broker, k), `nats-edge to tell nats-server of ${k}`);
    // nats-edge's owners hear of a subscription just after its host does, and nats-server reads its LS+.
    await delay(200);
  };

  /** A client on each side, subscribed to `<base>.toServer` and `<base>.toEdge`, each side told of the other's. */
  const subscribedBothWays = async (base: string) => {
    const s = await onServer();
    const e = await onEdge(1);
    const onS = s.subscribe(`${base}.toServer`);
    const onE = e.subscribe(`${base}.toEdge`);
    await s.flush();
    await e.flush();
    await known([`${base}.toServer`], [`${base}.toEdge`]);
    return { s, e, onS, onE };
  };

  /**
   * Messages go both ways again after the other side came back. Interest a leaf declares reaches
   * the owners of its subjects a moment after the shard holding the link (a cold start after a
   * restart or an eviction makes that moment longer), and nothing in the leafnode protocol waits
   * for it: so this publishes until a message arrives each way.
   */
  const bothWays = (base: string, e: NatsConnection, s: NatsConnection, onE: Subscription, onS: Subscription, what: string) =>
    eventually(async () => {
      if (onS.getReceived() === 0) e.publish(`${base}.toServer`, "after");
      if (onE.getReceived() === 0) s.publish(`${base}.toEdge`, "after");
      await delay(200);
      return onS.getReceived() > 0 && onE.getReceived() > 0;
    }, what, 30_000);

  beforeAll(async () => {
    if (edgeIs === "hub") {
      broker = await startEdge();
      server = await startServer({ leafnodes: { remotes: [{ url: `ws://127.0.0.1:${broker.port}` }] } });
    } else {
      leafPort = await freePort();
      wsPort = await freePort();
      server = await startHubServer();
      broker = await startEdge();
    }
    await eventually(linked, "the link to come up");
  }, 120_000);

  afterAll(async () => {
    await Promise.all(conns.map((nc) => nc.close().catch(() => undefined)));
    await broker?.stop();
    await server?.stop();
  });

  it("carries messages both ways, with wildcards and headers", async () => {
    const base = uniq("lf");
    const s = await onServer();
    const e = await onEdge(1);
    const onS = s.subscribe(`${base}.toServer.*`);
    const onE = e.subscribe(`${base}.toEdge.>`);
    await s.flush();
    await e.flush();
    await known([`${base}.toServer.x`], [`${base}.toEdge.>`]);
    const hdr = headers();
    hdr.set("X-Trace", "42");
    e.publish(`${base}.toServer.a`, "from nats-edge", { headers: hdr });
    e.publish(`${base}.toServer.b.c`, "matches nothing");
    s.publish(`${base}.toEdge.x.y`, "from nats-server");
    const [down] = await collect(onS, 1);
    expect(down.subject).toBe(`${base}.toServer.a`);
    expect(down.string()).toBe("from nats-edge");
    expect(down.headers?.get("X-Trace")).toBe("42");
    const [up] = await collect(onE, 1);
    expect(up.subject).toBe(`${base}.toEdge.x.y`);
    expect(up.string()).toBe("from nats-server");
    await delay(200);
    expect(onS.getReceived()).toBe(1);
  });

  it("gives each message of a queue group to one member, split over both sides or on one", async () => {
    const subject = uniq("lfq");
    const s = await onServer();
    const e1 = await onEdge(1);
    const e2 = await onEdge(2);
    const got: string[] = [];
    for (const [nc, side] of [[s, "server"], [s, "server"], [e1, "edge"], [e2, "edge"]] as const) {
      nc.subscribe(subject, { queue: "workers", callback: (_e, m: Msg) => void got.push(`${side}:${m.string()}`) });
    }
    await s.flush();
    await e1.flush();
    await e2.flush();
    await known([subject], [`${subject} workers`]);
    const n = 40;
    for (let i = 0; i < n; i++) e1.publish(subject, `e${i}`);
    for (let i = 0; i < n; i++) s.publish(subject, `s${i}`);
    await eventually(async () => got.length >= 2 * n, `${2 * n} deliveries`, 10_000);
    await delay(300);
    expect(got.length).toBe(2 * n);
    expect(new Set(got.map((g) => g.split(":")[1])).size).toBe(2 * n);
    // Each side keeps its own publications for its own members, as nats-server prefers them.
    expect(got.filter((g) => g.startsWith("server:e")).length).toBe(0);
    expect(got.filter((g) => g.startsWith("edge:s")).length).toBe(0);

    // Members on one side only: every message crosses, once.
    const only = uniq("lfq");
    const onServerOnly: string[] = [];
    for (let i = 0; i < 2; i++) s.subscribe(only, { queue: "solo", callback: (_e, m: Msg) => void onServerOnly.push(m.string()) });
    await s.flush();
    await known([only], []);
    for (let i = 0; i < 20; i++) e2.publish(only, `x${i}`);
    await eventually(async () => onServerOnly.length >= 20, "20 deliveries on nats-server");
    await delay(200);
    expect(onServerOnly.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `x${i}`).sort());
  });

  it("answers requests both ways, and says no responders when nobody is there", async () => {
    const base = uniq("lfr");
    const s = await onServer();
    const e = await onEdge(3);
    s.subscribe(`${base}.server`, { callback: (_e, m: Msg) => void m.respond(`server got ${m.string()}`) });
    e.subscribe(`${base}.edge`, { callback: (_e, m: Msg) => void m.respond(`edge got ${m.string()}`) });
    await s.flush();
    await e.flush();
    await known([`${base}.server`], [`${base}.edge`]);
    expect((await e.request(`${base}.server`, "ping", { timeout: 5000 })).string()).toBe("server got ping");
    expect((await s.request(`${base}.edge`, "pong", { timeout: 5000 })).string()).toBe("edge got pong");
    await expect(e.request(`${base}.nobody`, "", { timeout: 5000 })).rejects.toThrow(/no responders/);
    await expect(s.request(`${base}.nobody`, "", { timeout: 5000 })).rejects.toThrow(/no responders/);
  });

  it("stops delivery across the link when either side unsubscribes", async () => {
    const base = uniq("lfu");
    const { s, e, onS, onE } = await subscribedBothWays(base);
    onS.unsubscribe();
    onE.unsubscribe();
    await s.flush();
    await e.flush();
    await eventually(async () => !(await edgeKnows(broker, `${base}.toServer`)), "nats-server's LS- to reach nats-edge");
    await eventually(async () => !(await told(broker, `${base}.toEdge`)), "nats-edge to tell nats-server the interest is gone");
  });

  it("lists the link in /leafz, /varz and /accountz, and not in /connz", async () => {
    const leafz = await monitor(broker, "/leafz");
    expect(leafz.leafnodes).toBe(1);
    const [info] = leafz.leafs as Record<string, unknown>[];
    // The side that dialed is the spoke.
    expect(info).toMatchObject({ account: "$G", is_spoke: edgeIs === "leaf" });
    expect((info.name as string).length).toBeGreaterThan(0);
    if (edgeIs === "leaf") {
      expect(leafz.remotes).toEqual([expect.objectContaining({ connected: true, account: "$G", shard: 0, cid: info.id })]);
    }
    expect((await monitor(broker, "/varz")).leafnodes).toBe(1);
    const accountz = await monitor(broker, "/accountz?acc=$G");
    expect((accountz.account_detail as Record<string, unknown>).leafnode_connections).toBe(1);
    const connz = await monitor(broker, "/connz");
    expect((connz.connections as { cid: number }[]).some((c) => c.cid === info.id)).toBe(false);
  });

  it("links again when the other side restarts, and interest is told again both ways", async () => {
    const base = uniq("lfx");
    // The side that stays keeps its subscription; the one that restarts gets a new one.
    if (edgeIs === "hub") {
      const s = await onServer();
      const onS = s.subscribe(`${base}.toServer`);
      await s.flush();
      const port = broker.port;
      await broker.stop();
      broker = await startEdge(port);
      await eventually(linked, "the leaf to reconnect", 30_000);
      const e = await onEdge(2);
      const onE = e.subscribe(`${base}.toEdge`);
      await e.flush();
      await known([`${base}.toServer`], [`${base}.toEdge`]);
      await bothWays(base, e, s, onE, onS, "messages both ways after the restart");
    } else {
      const e = await onEdge(2);
      const onE = e.subscribe(`${base}.toEdge`);
      await e.flush();
      await server.stop();
      await eventually(async () => (await remotesUp(broker)) === 0, "nats-edge to see the hub gone");
      server = await startHubServer();
      await eventually(linked, "nats-edge to link again", 30_000);
      const s = await onServer();
      const onS = s.subscribe(`${base}.toServer`);
      await s.flush();
      await known([`${base}.toServer`], [`${base}.toEdge`]);
      await bothWays(base, e, s, onE, onS, "messages both ways after the restart");
    }
  }, 120_000);

  it("goes on after the shard holding the link is evicted", async () => {
    const base = uniq("lfe");
    const { s, e, onS, onE } = await subscribedBothWays(base);
    const [link] = (await monitor(broker, "/leafz")).leafs as { id: number }[];
    // A connection id tells its shard (Host.newCid); the holder of remote 0 is shard 0.
    const holder = (link.id - 1) % shards;
    await fetch(`http://127.0.0.1:${broker.port}/_test/abort/${holder}`, { method: "POST" });
    await eventually(linked, "the link after the eviction", 30_000);
    await known([`${base}.toServer`], [`${base}.toEdge`]);
    await bothWays(base, e, s, onE, onS, "messages both ways after the eviction");
  }, 90_000);

  if (edgeIs === "hub") {
    it("refuses a loop, ops before CONNECT and malformed ops, and only that connection", async () => {
      const url = `${broker.url}/leafnode?shard=0`;
      const early = await RawSocket.open(url);
      await early.waitFor(/^INFO /);
      early.send("LS+ foo\r\n");
      await early.waitFor("-ERR 'Authorization Violation'");
      await early.waitClosed();

      const loop = await RawSocket.open(url);
      await loop.waitFor(/^INFO /);
      loop.send('CONNECT {"name":"looping","headers":true}\r\n');
      const lds = /LS\+ (\$LDS\.\S+)\r\n/.exec(await loop.waitFor(/LS\+ \$LDS\.\S+\r\n/))![1];
      loop.send(`LS+ ${lds}\r\n`);
      await loop.waitFor(`-ERR 'Loop detected for leafnode account="$G". Delaying attempt to reconnect for 30s'`);
      await loop.waitClosed();

      const bad = await RawSocket.open(url);
      await bad.waitFor(/^INFO /);
      bad.send('CONNECT {"name":"bad"}\r\nLMSG foo ? q 2\r\nhi\r\n');
      expect((await bad.waitClosed()).code).toBe(1002);

      // The real leaf never noticed.
      expect(await leafCount(broker)).toBe(1);
      const subject = uniq("lfo");
      const s = await onServer();
      const e = await onEdge(0);
      const onE = e.subscribe(subject);
      await e.flush();
      await known([], [subject]);
      s.publish(subject, "still here");
      expect((await collect(onE, 1))[0].string()).toBe("still here");
    });
  }
});

describe("leafnodes with credentials, bound to accounts", () => {
  const conns: NatsConnection[] = [];
  const stops: (() => Promise<void>)[] = [];
  const accounts = {
    A: { users: [{ user: "a", password: "pa" }] },
    B: { users: [{ user: "b", password: "pb" }] },
  };
  const edgeClients = async (broker: Broker) => {
    const inA = await wsconnect({ servers: broker.url, user: "a", pass: "pa" });
    const inB = await wsconnect({ servers: broker.url, user: "b", pass: "pb" });
    conns.push(inA, inB);
    return { inA, inB };
  };

  afterAll(async () => {
    await Promise.all(conns.map((nc) => nc.close().catch(() => undefined)));
    for (const stop of stops.reverse()) await stop();
  });

  it("as the hub: refuses a leaf with the wrong password, and binds one with the right one to its account", async () => {
    const config = { accounts, leafnodes: { authorization: { users: [{ user: "leaf", password: "s3cret", account: "A" }] } } };
    const broker = await startBroker({ name: "leaf-auth-hub", vars: { NATS_CONFIG: JSON.stringify(config), MONITOR_TOKEN } });
    stops.push(() => broker.stop());
    const wrong = await startServer({ leafnodes: { remotes: [{ url: `ws://leaf:nope@127.0.0.1:${broker.port}` }] } });
    stops.push(() => wrong.stop());
    await eventually(async () => wrong.output().includes("Authorization Violation"), "the leaf to be refused");
    expect(await leafCount(broker)).toBe(0);

    const right = await startServer({ leafnodes: { remotes: [{ url: `ws://leaf:s3cret@127.0.0.1:${broker.port}` }] } });
    stops.push(() => right.stop());
    await eventually(async () => (await leafCount(broker)) === 1, "the leaf to connect");
    expect(((await monitor(broker, "/leafz")).leafs as { account: string }[])[0].account).toBe("A");

    const subject = uniq("lfa");
    const l = await connect({ servers: `127.0.0.1:${right.clientPort}` });
    conns.push(l);
    const { inA, inB } = await edgeClients(broker);
    const gotA = inA.subscribe(subject);
    const gotB = inB.subscribe(subject);
    await inA.flush();
    await inB.flush();
    await eventually(() => told(broker, subject), "account A's interest to reach the leaf");
    await delay(200);
    l.publish(subject, "for account A");
    expect((await collect(gotA, 1))[0].string()).toBe("for account A");
    await delay(300);
    expect(gotB.getReceived()).toBe(0);
  });

  it("as the leaf: joins the hub's account with the URL's credentials, from one local account", async () => {
    const leafPort = await freePort();
    const hub = await startServer({
      accounts: { HUBACC: { users: [{ user: "hubuser", password: "hp" }] } },
      leafnodes: { listen: `127.0.0.1:${leafPort}`, authorization: { users: [{ user: "edge", password: "e-pass", account: "HUBACC" }] } },
    });
    stops.push(() => hub.stop());
    const config = { accounts, leafnodes: { remotes: [{ url: `nats-leaf://edge:e-pass@127.0.0.1:${leafPort}`, account: "A" }] } };
    const broker = await startBroker({ name: "leaf-auth-leaf", vars: { NATS_CONFIG: JSON.stringify(config), MONITOR_TOKEN } });
    stops.push(() => broker.stop());
    await eventually(async () => (await remotesUp(broker)) === 1, "nats-edge to link to the hub");

    const subject = uniq("lfa");
    const h = await connect({ servers: `127.0.0.1:${hub.clientPort}`, user: "hubuser", pass: "hp" });
    conns.push(h);
    const { inA, inB } = await edgeClients(broker);
    const gotA = inA.subscribe(subject);
    const gotB = inB.subscribe(subject);
    await inA.flush();
    await inB.flush();
    await eventually(() => told(broker, subject), "account A's interest to reach the hub's account");
    await delay(200);
    h.publish(subject, "from HUBACC");
    expect((await collect(gotA, 1))[0].string()).toBe("from HUBACC");
    await delay(300);
    expect(gotB.getReceived()).toBe(0);
  });

  it("as the leaf: shows a refused link in /leafz with the hub's words, and tries again", async () => {
    const leafPort = await freePort();
    const strict = await startServer({ leafnodes: { listen: `127.0.0.1:${leafPort}`, authorization: { user: "edge", password: "right" } } });
    stops.push(() => strict.stop());
    const config = { leafnodes: { remotes: [{ url: `nats-leaf://edge:wrong@127.0.0.1:${leafPort}` }] } };
    const broker = await startBroker({ name: "leaf-refused", vars: { NATS_CONFIG: JSON.stringify(config), MONITOR_TOKEN } });
    stops.push(() => broker.stop());
    await eventually(async () => {
      const [r] = ((await monitor(broker, "/leafz")).remotes ?? []) as { last_error: string; attempts: number; url: string }[];
      return r !== undefined && r.attempts > 1 && /Authorization Violation/.test(r.last_error);
    }, "the refusal to show, after more than one try");
    const [r] = (await monitor(broker, "/leafz")).remotes as { url: string }[];
    // The password never shows.
    expect(r.url).not.toContain("wrong");
  });

  it("as the hub, in operator mode: a leaf with a .creds file joins its JWT's account", async () => {
    const operator = createOperator();
    const account = createAccount();
    const other = createAccount();
    const config = {
      operator: await encodeOperator("OP", operator),
      resolver: "MEMORY",
      resolver_preload: {
        [account.getPublicKey()]: await encodeAccount("A", account, {}, { signer: operator }),
        [other.getPublicKey()]: await encodeAccount("B", other, {}, { signer: operator }),
      },
    };
    const broker = await startBroker({ name: "leaf-jwt-hub", vars: { NATS_CONFIG: JSON.stringify(config), MONITOR_TOKEN } });
    stops.push(() => broker.stop());
    const leafUser = createUser();
    const creds = path.join(mkdtempSync(path.join(tmpdir(), "nats-edge-leaf-")), "leaf.creds");
    writeFileSync(creds, fmtCreds(await encodeUser("leaf", leafUser, account), leafUser));
    const leaf = await startServer({ leafnodes: { remotes: [{ url: `ws://127.0.0.1:${broker.port}`, credentials: creds }] } });
    stops.push(() => leaf.stop());
    await eventually(async () => (await leafCount(broker)) === 1, "the leaf to connect with its JWT");
    expect(((await monitor(broker, "/leafz")).leafs as { account: string }[])[0].account).toBe(account.getPublicKey());

    const userIn = async (acc: typeof account) => {
      const u = createUser();
      const nc = await wsconnect({ servers: broker.url, authenticator: credsAuthenticator(fmtCreds(await encodeUser("u", u, acc), u)) });
      conns.push(nc);
      return nc;
    };
    const inA = await userIn(account);
    const inB = await userIn(other);
    const subject = uniq("lfj");
    const gotA = inA.subscribe(subject);
    const gotB = inB.subscribe(subject);
    await inA.flush();
    await inB.flush();
    await eventually(() => told(broker, subject), "account A's interest to reach the leaf");
    await delay(200);
    const l = await connect({ servers: `127.0.0.1:${leaf.clientPort}` });
    conns.push(l);
    l.publish(subject, "signed in");
    expect((await collect(gotA, 1))[0].string()).toBe("signed in");
    await delay(300);
    expect(gotB.getReceived()).toBe(0);
  });

  it("as the leaf: signs the hub's nonce with the credentials' seed and joins the JWT's account there", async () => {
    const operator = createOperator();
    const account = createAccount();
    const leafPort = await freePort();
    const hub = await startServer({
      operator: await encodeOperator("OP", operator),
      resolver: "MEMORY",
      // The account may have leafnode connections and subscriptions (its JWT's limits say none by default).
      resolver_preload: {
        [account.getPublicKey()]: await encodeAccount("A", account, { limits: { leaf: -1, subs: -1, conn: -1, data: -1, payload: -1 } }, { signer: operator }),
      },
      leafnodes: { listen: `127.0.0.1:${leafPort}` },
    });
    stops.push(() => hub.stop());
    const edgeUser = createUser();
    const credentials = fmtCreds(await encodeUser("edge", edgeUser, account), edgeUser);
    const config = { leafnodes: { remotes: [{ url: `nats-leaf://127.0.0.1:${leafPort}`, credentials: new TextDecoder().decode(credentials) }] } };
    const broker = await startBroker({ name: "leaf-jwt-leaf", vars: { NATS_CONFIG: JSON.stringify(config), ALLOW_ANONYMOUS: "true" } });
    stops.push(() => broker.stop());
    await eventually(async () => (await remotesUp(broker)) === 1, "nats-edge to link with its credentials");

    const hubUser = createUser();
    const h = await connect({ servers: `127.0.0.1:${hub.clientPort}`, authenticator: credsAuthenticator(fmtCreds(await encodeUser("u", hubUser, account), hubUser)) });
    conns.push(h);
    const e = await wsconnect({ servers: broker.url });
    conns.push(e);
    const subject = uniq("lfj");
    const got = e.subscribe(subject);
    await e.flush();
    await eventually(() => told(broker, subject), "nats-edge's interest to reach the hub");
    await delay(200);
    h.publish(subject, "from the JWT account");
    expect((await collect(got, 1))[0].string()).toBe("from the JWT account");
  });
});
