// Subject mappings, side by side with Debian's nats-server running the same configuration:
// the same clients (wsconnect) publish to mapped subjects of both and must see the same
// subjects arrive, partitions included. nats-edge runs on two regions of one shard each, the
// publisher on one shard and the subscribers on the other, so mapped messages also cross
// shards; the destinations scoped to a region are nats-edge's alone (nats-server has no
// cluster here).

import { wsconnect, type NatsConnection } from "@nats-io/nats-core";
import { connect as tcpConnect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findNatsServer, startNatsServer, type NatsServer } from "../../harness/nats-server.mjs";
import { startBroker, type Broker } from "./broker.js";
import { collect, delay, uniq } from "./util.js";

const bin = findNatsServer();
if (bin === null) {
  throw new Error("nats-server is not installed: the mapping tests compare with Debian's nats-server (apt-get install nats-server; .ci/run installs it)");
}

const config = {
  authorization: { users: [{ user: "g", password: "p" }] },
  mappings: {
    "orders.*": "orders.received.$1",
    "swap.*.*": "swapped.{{wildcard(2)}}.{{wildcard(1)}}",
    "part.*": "part.{{partition(7,1)}}.$1",
    "cut.*": "cut.{{SplitFromLeft(1,3)}}",
    "all.>": "everything.>",
    "canary.*": [
      { destination: "canary.a.$1", weight: 50 },
      { destination: "canary.b.$1", weight: "50%" },
    ],
    "sampled.*": [{ destination: "sampled.kept.$1", weight: 30 }],
  },
  accounts: {
    A: {
      jetstream: "enabled",
      users: [{ user: "a", password: "p", permissions: { publish: { allow: ["allowed.>", "stored.>", "$JS.API.>", "_INBOX.>"] }, subscribe: { allow: [">"] } } }],
      mappings: { "m.*": "allowed.$1", "n.*": "denied.$1", "ingest.*": "stored.$1" },
    },
  },
};

/** nats-edge adds the region-scoped destinations; nats-server would need a cluster to use them. */
const edgeConfig = {
  ...config,
  mappings: {
    ...config.mappings,
    "geo.*": [
      { destination: "geo.eu.$1", weight: 100, cluster: "weur" },
      { destination: "geo.us.$1", weight: 100 },
    ],
  },
};

type Target = { name: string; url: (shard: number) => string };

let broker: Broker;
let server: NatsServer;
const targets: Target[] = [];

beforeAll(async () => {
  [broker, server] = await Promise.all([
    startBroker({ vars: { NATS_CONFIG: JSON.stringify(edgeConfig), REGIONS: "wnam,weur", SHARDS: "1" } }),
    startNatsServer(bin, { config, jetstream: true }),
  ]);
  targets.push({ name: "nats-edge", url: (shard) => `${broker.url}/?shard=${shard}` });
  targets.push({ name: "nats-server", url: () => server.url });
});

afterAll(async () => {
  await Promise.all([broker?.stop(), server?.stop()]);
});

const open: NatsConnection[] = [];
afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => {})));
});

async function connect(t: Target, shard: number, user = "g"): Promise<NatsConnection> {
  const nc = await wsconnect({ servers: t.url(shard), user, pass: "p" });
  open.push(nc);
  return nc;
}

/** A publisher on the first shard and a subscriber on the second (both on nats-server's one). */
async function pair(t: Target, user = "g"): Promise<{ pub: NatsConnection; sub: NatsConnection }> {
  return { pub: await connect(t, 0, user), sub: await connect(t, 1, user) };
}

/** The subjects `n` messages arrived on, at `pattern`, after `send` published them. */
async function arrived(sub: NatsConnection, pub: NatsConnection, pattern: string, n: number, send: () => void): Promise<string[]> {
  const s = sub.subscribe(pattern);
  await sub.flush();
  send();
  await pub.flush();
  return (await collect(s, n)).map((m) => m.subject);
}

/** Asks both servers the same thing; each answer is checked, and the two must be equal. */
async function bothAgree<T>(ask: (t: Target) => Promise<T>): Promise<T> {
  const [edge, nats] = await Promise.all(targets.map(ask));
  expect(edge).toEqual(nats);
  return edge;
}

describe("subject mappings", () => {
  it("rewrite what is published: literal tokens, wildcards moved, the rest of a subject", async () => {
    const got = await bothAgree(async (t) => {
      const { pub, sub } = await pair(t);
      const id = uniq("o").replace(/\./g, "_");
      return arrived(sub, pub, ">", 4, () => {
        pub.publish(`orders.${id}`);
        pub.publish(`swap.${id}.second`);
        pub.publish(`all.${id}.x.y`);
        pub.publish(`cut.abcdef`);
      }).then((subjects) => subjects.map((s) => s.replace(id, "<id>")).sort());
    });
    expect(got).toEqual(["cut.abc.def", "everything.<id>.x.y", "orders.received.<id>", "swapped.second.<id>"]);
  });

  it("never deliver to a subscriber of the original subject", async () => {
    await bothAgree(async (t) => {
      const { pub, sub } = await pair(t);
      const original = sub.subscribe("orders.*");
      const mapped = sub.subscribe("orders.received.*");
      await sub.flush();
      pub.publish("orders.1");
      await pub.flush();
      await collect(mapped, 1);
      await delay(200);
      original.unsubscribe();
      return original.getProcessed();
    });
  });

  it("partition as nats-server does: the same key, the same partition", async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `customer${i}`);
    const got = await bothAgree(async (t) => {
      const { pub, sub } = await pair(t);
      const subjects = await arrived(sub, pub, "part.*.*", keys.length, () => keys.forEach((k) => pub.publish(`part.${k}`)));
      return subjects.sort();
    });
    expect(new Set(got.map((s) => s.split(".")[1])).size).toBeGreaterThan(3);
  });

  it("split by weight, and keep what the weights leave for the subject itself", async () => {
    const n = 400;
    for (const t of targets) {
      const { pub, sub } = await pair(t);
      /** How many of n messages published to `subject` arrived on each subject. */
      const spread = async (subject: string, pattern: string) => {
        const got = await arrived(sub, pub, pattern, n, () => {
          for (let i = 0; i < n; i++) pub.publish(subject);
        });
        const counts: Record<string, number> = {};
        for (const s of got) counts[s] = (counts[s] ?? 0) + 1;
        return counts;
      };
      const canary = await spread("canary.x", "canary.*.*");
      expect(Object.keys(canary).sort(), t.name).toEqual(["canary.a.x", "canary.b.x"]);
      expect(canary["canary.a.x"], t.name).toBeGreaterThan(n * 0.3);
      expect(canary["canary.a.x"], t.name).toBeLessThan(n * 0.7);
      const sampled = await spread("sampled.x", "sampled.>");
      expect(Object.keys(sampled).sort(), t.name).toEqual(["sampled.kept.x", "sampled.x"]);
      expect(sampled["sampled.kept.x"], t.name).toBeGreaterThan(n * 0.15);
      expect(sampled["sampled.kept.x"], t.name).toBeLessThan(n * 0.45);
    }
  });

  it("carry requests to a responder on the mapped subject, and its reply back", async () => {
    const answers = await bothAgree(async (t) => {
      const { pub, sub } = await pair(t);
      const service = sub.subscribe("orders.received.*", { callback: (_e, m) => void m.respond(`ack ${m.subject}`) });
      await sub.flush();
      const r = await pub.request("orders.42", "", { timeout: 5_000 });
      service.unsubscribe();
      return r.string();
    });
    expect(answers).toBe("ack orders.received.42");
  });

  // The permission is checked against the mapped subject: user "a" may publish to allowed.> (and
  // stored.>, below), and m.* and n.* only as far as they map there.
  it("apply before permissions: a user may publish to a subject that maps where it may publish", async () => {
    await bothAgree(async (t) => {
      const { pub, sub } = await pair(t, "a");
      const errors: string[] = [];
      void (async () => {
        for await (const s of pub.status()) if (s.type === "error") errors.push(String((s as { error?: Error }).error?.message ?? ""));
      })();
      const got = await arrived(sub, pub, ">", 1, () => {
        pub.publish("n.1");
        pub.publish("m.1");
      }).catch((e: Error) => [e.message]);
      await pub.flush();
      await delay(200);
      return { got, violations: errors };
    }).then((r) => {
      expect(r.got).toEqual(["allowed.1"]);
      expect(r.violations).toEqual(['Permissions Violation for Publish to "denied.1"']);
    });
  });

  it("store what JetStream streams hold under the mapped subject", async () => {
    await bothAgree(async (t) => {
      const nc = await connect(t, 0, "a");
      const jsm = await jetstreamManager(nc);
      const name = uniq("MAPPED").replace(/\./g, "_");
      await jsm.streams.add({ name, subjects: [`stored.${name}`] });
      const ack = await jetstream(nc).publish(`ingest.${name}`, "kept");
      const m = await jsm.streams.getMessage(name, { seq: ack.seq });
      await jsm.streams.delete(name);
      return { stream: ack.stream === name, subject: m?.subject.replace(name, "<name>"), data: m?.string() };
    }).then((r) => expect(r).toEqual({ stream: true, subject: "stored.<name>", data: "kept" }));
  });

  it("map what a leafnode publishes, which its hub asked it to send (the mapping's source)", async () => {
    const leaf = await startNatsServer(bin, { config: { leafnodes: { remotes: [{ url: `ws://g:p@127.0.0.1:${broker.port}` }] } } });
    try {
      const sub = await connect(targets[0], 1);
      const s = sub.subscribe("orders.received.*");
      await sub.flush();
      const onLeaf = await tcpConnect({ servers: `127.0.0.1:${leaf.clientPort}` });
      open.push(onLeaf);
      // Until the link is up and nats-edge told the leaf of orders.*, the leaf keeps these to itself.
      const first = collect(s, 1, 20_000);
      const timer = setInterval(() => onLeaf.publish("orders.fromleaf"), 100);
      const [m] = await first.finally(() => clearInterval(timer));
      expect(m.subject).toBe("orders.received.fromleaf");
    } finally {
      await leaf.stop();
    }
  });

  it("map what the HTTP bridge publishes, as a client's", async () => {
    const sub = await connect(targets[0], 1);
    const s = sub.subscribe("orders.received.*");
    await sub.flush();
    const r = await fetch(`http://127.0.0.1:${broker.port}/pub/orders.http?shard=0`, {
      method: "POST",
      body: "over http",
      headers: { Authorization: `Basic ${Buffer.from("g:p").toString("base64")}` },
    });
    expect(r.status).toBe(204);
    const [m] = await collect(s, 1);
    expect([m.subject, m.string()]).toEqual(["orders.received.http", "over http"]);
  });

  it("use the destinations scoped to the publisher's region", async () => {
    const t = targets[0];
    const west = await connect(t, 0);
    const europe = await connect(t, 1);
    const sub = await connect(t, 1);
    const s = sub.subscribe("geo.*.*");
    await sub.flush();
    west.publish("geo.w");
    await west.flush();
    europe.publish("geo.e");
    await europe.flush();
    expect((await collect(s, 2)).map((m) => m.subject).sort()).toEqual(["geo.eu.e", "geo.us.w"]);
  });
});
