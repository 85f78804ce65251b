// Accounts and permissions, on a broker of four shards with every connection
// on a different object than the last: no message crosses accounts, and each
// user's publish/subscribe permissions hold with nats-server's texts, the
// connection staying open.
import { type NatsConnection, type Status } from "@nats-io/nats-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type Broker } from "./broker.js";
import { Clients, delay, listen, quiesce, uniq, waitUntil } from "./util.js";

const SHARDS = 4;

const perms = {
  publish: { allow: ["allowed.>", "q.>"] },
  subscribe: { allow: ["allowed.>", "q.* workers"], deny: ["allowed.secret"] },
};

const config = {
  accounts: {
    A: { users: [{ user: "a1", password: "p" }, { user: "a2", password: "p" }] },
    B: { users: [{ user: "b1", password: "p" }] },
  },
  authorization: {
    users: [
      { user: "g", password: "p" },
      { user: "limited", password: "p", permissions: perms },
      { user: "responder", password: "p", permissions: { publish: { deny: [">"] }, subscribe: { allow: ["service.>"] }, allow_responses: true } },
    ],
  },
};

/** Collects the async errors a connection reports. */
function errorsOf(nc: NatsConnection): string[] {
  const errors: string[] = [];
  void (async () => {
    for await (const s of nc.status() as AsyncIterable<Status>) {
      if (s.type === "error") errors.push(String((s as { error?: Error }).error?.message ?? ""));
    }
  })();
  return errors;
}

// One broker for both groups of tests: the same configuration serves them.
let broker: Broker;
let clients: Clients;

beforeAll(async () => {
  broker = await startBroker({ vars: { SHARDS: String(SHARDS), NATS_CONFIG: JSON.stringify(config) } });
  clients = new Clients(broker.url, SHARDS);
});
afterEach(async () => clients.closeAll());
afterAll(async () => broker?.stop());

const as = (user: string) => clients.connect({ user, pass: "p" });

describe("accounts", () => {
  it("no message crosses accounts, also for `>` and on other shards", async () => {
    const [a1, a2, b1, g] = await Promise.all([as("a1"), as("a2"), as("b1"), as("g")]);
    const subject = uniq("acct");
    const seenA = listen(a2, ">");
    const seenB = listen(b1, ">");
    const seenG = listen(g, ">");
    await Promise.all([a2.flush(), b1.flush(), g.flush()]);
    a1.publish(subject, "from A");
    b1.publish(subject, "from B");
    g.publish(subject, "from G");
    await quiesce(a1, b1, g, a2);
    await delay(200);
    expect(seenA.strings().filter((s) => s.startsWith("from"))).toEqual(["from A"]);
    expect(seenB.strings().filter((s) => s.startsWith("from"))).toEqual(["from B"]);
    expect(seenG.strings().filter((s) => s.startsWith("from"))).toEqual(["from G"]);
  });

  it("queue groups of the same name in two accounts each get every message once", async () => {
    const subject = uniq("acctq");
    const members = await Promise.all([as("a1"), as("a2"), as("b1"), as("b1")]);
    const inboxes = members.map((nc) => listen(nc, subject, { queue: "workers" }));
    await Promise.all(members.map((nc) => nc.flush()));
    const pubA = await as("a1");
    const pubB = await as("b1");
    for (let i = 0; i < 50; i++) {
      pubA.publish(subject, `A${i}`);
      pubB.publish(subject, `B${i}`);
    }
    await quiesce(pubA, pubB, ...members);
    await waitUntil(() => inboxes.reduce((n, i) => n + i.count, 0) >= 100, 5_000);
    const a = [...inboxes[0].strings(), ...inboxes[1].strings()].sort();
    const b = [...inboxes[2].strings(), ...inboxes[3].strings()].sort();
    expect(a).toEqual(Array.from({ length: 50 }, (_, i) => `A${i}`).sort());
    expect(b).toEqual(Array.from({ length: 50 }, (_, i) => `B${i}`).sort());
  });

  it("a second CONNECT as a user of another account takes the connection and its subscriptions there", async () => {
    const subject = uniq("acctmove");
    const raw = await clients.raw();
    await raw.handshake({ user: "a1", pass: "p" });
    const m = raw.mark();
    raw.send(`SUB ${subject} 1\r\nCONNECT ${JSON.stringify({ verbose: false, user: "b1", pass: "p" })}\r\nPING\r\n`);
    await raw.waitFor("PONG\r\n", 5_000, m);
    const [inA, inB] = await Promise.all([as("a2"), as("b1")]);
    inA.publish(subject, "from A");
    inB.publish(subject, "from B");
    await quiesce(inA, inB);
    await waitUntil(() => raw.messages(m).length > 0, 5_000);
    await delay(200);
    expect(raw.messages(m).map((o) => o.body)).toEqual(["from B"]);
  });

  it("request/reply stays inside the account", async () => {
    const subject = uniq("acctsvc");
    const [svcA, svcB, reqA] = await Promise.all([as("a1"), as("b1"), as("a2")]);
    svcA.subscribe(subject, { callback: (_e, m) => void m.respond("A") });
    svcB.subscribe(subject, { callback: (_e, m) => void m.respond("B") });
    await Promise.all([svcA.flush(), svcB.flush()]);
    for (let i = 0; i < 5; i++) expect((await reqA.request(subject, "", { timeout: 3_000 })).string()).toBe("A");
  });
});

describe("permissions", () => {
  it("a publish outside the allow list: the exact -ERR, nothing delivered, the connection stays", async () => {
    const g = await as("g");
    const seen = listen(g, "forbidden.>");
    await g.flush();
    const raw = await clients.raw();
    await raw.handshake({ user: "limited", pass: "p" });
    const m = raw.mark();
    raw.send("PUB forbidden.x 2\r\nno\r\nPUB allowed.x 3\r\nyes\r\nPING\r\n");
    await raw.waitFor("PONG\r\n", 5_000, m);
    expect(raw.since(m)).toBe(`-ERR 'Permissions Violation for Publish to "forbidden.x"'\r\nPONG\r\n`);
    await quiesce(g);
    expect(seen.count).toBe(0);
    expect(raw.isClosed).toBe(false);
  });

  it("the official client reports a publish violation as an error and stays connected", async () => {
    const nc = await as("limited");
    const errors = errorsOf(nc);
    nc.publish("forbidden.y", "x");
    await nc.flush();
    await waitUntil(() => errors.length > 0, 3_000);
    expect(errors[0]).toBe('Permissions Violation for Publish to "forbidden.y"');
    expect(nc.isClosed()).toBe(false);
  });

  it("subscriptions: outside the allow list, in the deny list, and with the wrong queue", async () => {
    const raw = await clients.raw();
    await raw.handshake({ user: "limited", pass: "p" });
    const m = raw.mark();
    raw.send("SUB forbidden.x 1\r\nSUB allowed.secret 2\r\nSUB q.x other 3\r\nSUB q.x 4\r\nSUB q.x workers 5\r\nSUB allowed.ok 6\r\nPING\r\n");
    await raw.waitFor("PONG\r\n", 5_000, m);
    expect(raw.since(m)).toBe(
      `-ERR 'Permissions Violation for Subscription to "forbidden.x"'\r\n` +
        `-ERR 'Permissions Violation for Subscription to "allowed.secret"'\r\n` +
        `-ERR 'Permissions Violation for Subscription to "q.x" using queue "other"'\r\n` +
        `-ERR 'Permissions Violation for Subscription to "q.x"'\r\n` +
        `PONG\r\n`,
    );
  });

  it("a wildcard subscription does not receive subjects its user is denied", async () => {
    const limited = await as("limited");
    const seen = listen(limited, "allowed.*");
    await limited.flush();
    const g = await as("g");
    g.publish("allowed.secret", "hidden");
    g.publish("allowed.public", "shown");
    await quiesce(g, limited);
    await seen.waitFor(1);
    await delay(100);
    expect(seen.strings()).toEqual(["shown"]);
  });

  it("allow_responses: a responder may answer each request once, and publish nothing else", async () => {
    const responder = await as("responder");
    const errors = errorsOf(responder);
    const subject = `service.${uniq("echo")}`;
    responder.subscribe(subject, {
      callback: (_e, m) => {
        m.respond(`re:${m.string()}`);
        m.respond("twice"); // a second reply is not allowed
      },
    });
    await responder.flush();
    const requester = await as("g");
    const reply = await requester.request(subject, "hi", { timeout: 3_000 });
    expect(reply.string()).toBe("re:hi");
    responder.publish("elsewhere", "x");
    await responder.flush();
    await waitUntil(() => errors.length >= 2, 3_000, () => `errors: ${JSON.stringify(errors)}`);
    expect(errors.some((e) => e.startsWith("Permissions Violation for Publish to \"_INBOX."))).toBe(true);
    expect(errors).toContain('Permissions Violation for Publish to "elsewhere"');
    expect(responder.isClosed()).toBe(false);
  });
});
