// The broker's log as an operator reads it: the JSON lines `npm start` prints (workerd's
// console). At the default level, what needs attention and nothing per message: refused
// credentials, slow consumers, protocol errors, each with the connection's id and never
// a secret; at trace, every op in and out as nats-server's -V shows them. And one
// connection whose handling throws is logged and closed alone: the others go on.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type Broker } from "./broker.js";
import { Clients, delay, listen, uniq, upgradeAnswer, waitUntil } from "./util.js";

type Line = Record<string, unknown> & { time: string; level: string; msg: string };

/** Every log line the broker printed so far. */
function lines(broker: Broker): Line[] {
  return broker
    .output()
    .split("\n")
    .filter((l) => l.startsWith('{"time":'))
    .map((l) => JSON.parse(l) as Line);
}

/** Waits for a line that has every field of `want`; returns it. */
async function logged(broker: Broker, want: Record<string, unknown>, timeoutMs = 5_000): Promise<Line> {
  const find = () => lines(broker).find((l) => Object.entries(want).every(([k, v]) => l[k] === v));
  await waitUntil(() => find() !== undefined, timeoutMs, () => `a log line with ${JSON.stringify(want)}; got:\n${broker.output().slice(-4000)}`);
  return find()!;
}

const USER = { user: "alice", pass: "wonderland" };
const CONFIG = JSON.stringify({ authorization: { users: [{ user: "alice", password: "wonderland" }] } });

describe("logs at the default level (info)", () => {
  let broker: Broker;
  let clients: Clients;

  beforeAll(async () => {
    broker = await startBroker({ vars: { NATS_CONFIG: CONFIG, MAX_PENDING: "65536", TEST_HOOKS: "1" } });
    clients = new Clients(broker.url, 1);
  });
  afterEach(async () => clients.closeAll());
  afterAll(async () => broker?.stop());

  it("an authentication failure: its connection id and reason, never the password", async () => {
    const raw = await clients.raw();
    const cid = (await raw.info()).client_id;
    raw.send(`CONNECT ${JSON.stringify({ verbose: false, user: "alice", pass: "not-the-password-42" })}\r\nPING\r\n`);
    await raw.waitFor("-ERR 'Authorization Violation'");
    const line = await logged(broker, { msg: "authentication error", cid });
    expect(line).toMatchObject({ level: "info", shard: 0, ip: "127.0.0.1", reason: 'wrong password for user "alice"' });
    expect(broker.output()).not.toContain("not-the-password-42");
  });

  it("a slow consumer, with its connection id and the limit", async () => {
    const subject = uniq("logs.slow");
    // A raw socket answers none of the server's PINGs: it is seen as not reading.
    const slow = await clients.raw();
    const cid = (await slow.handshake(USER)).client_id;
    slow.send(`SUB ${subject} 1\r\n`);
    await slow.ping();
    const pub = await clients.connect(USER);
    const payload = new Uint8Array(1024);
    for (let i = 0; i < 256 && !slow.isClosed; i++) {
      pub.publish(subject, payload);
      if (i % 32 === 0) await pub.flush();
    }
    await pub.flush();
    const line = await logged(broker, { msg: "Slow Consumer Detected: MaxPending of 65536 Exceeded", cid });
    expect(line).toMatchObject({ level: "info", account: "$G", user: "alice" });
  });

  it("a protocol error, with the connection id and what the client sent", async () => {
    const raw = await clients.raw();
    const cid = (await raw.handshake(USER)).client_id;
    raw.send("FOO bar\r\n");
    await raw.waitFor("-ERR 'Unknown Protocol Operation'");
    const line = await logged(broker, { msg: "Protocol error: Protocol Violation", cid });
    // The parser's snippet, bytes outside printable ASCII escaped.
    expect(line.reason).toBe("Unknown Protocol Operation: 'FOO bar\\x0d\\x0a'");
  });

  it("nothing per message: connections that come, publish and go write no line", async () => {
    const before = lines(broker).length;
    const sub = await clients.connect({ ...USER, name: "quiet-sub" });
    const pub = await clients.connect({ ...USER, name: "quiet-pub" });
    const subject = uniq("logs.quiet");
    const inbox = listen(sub, subject);
    await sub.flush();
    for (let i = 0; i < 300; i++) pub.publish(subject, `m${i}`);
    await inbox.waitFor(300);
    await clients.closeAll();
    for (let i = 0; i < 100 && (await broker.health()).connections > 0; i++) await delay(50);
    expect(lines(broker).slice(before)).toEqual([]);
  });

  it("a failure while serving one connection is logged and closes it alone; the others go on", async () => {
    const subject = uniq("logs.isolated");
    const victim = await clients.raw();
    const cid = (await victim.handshake(USER)).client_id as number;
    victim.send(`SUB ${subject} 1\r\n`);
    await victim.ping();
    const sub = await clients.connect(USER);
    const pub = await clients.connect(USER);
    const inbox = listen(sub, subject);
    await sub.flush();

    const res = await fetch(`http://127.0.0.1:${broker.port}/_test/break/0/${cid}`, { method: "POST" });
    expect(res.status).toBe(200);
    const mark = victim.mark();
    victim.send("PING\r\n");
    const closed = await victim.waitClosed();
    expect(closed.code).toBe(1011);
    expect(closed.reason).toBe("Internal Error");
    expect(victim.since(mark)).toBe(""); // no -ERR: its client reconnects, as after any drop
    const line = await logged(broker, { msg: "unexpected exception in webSocketMessage", cid });
    expect(line).toMatchObject({ level: "error", shard: 0, user: "alice" });
    expect(line.error).toBe(`Error: connection ${cid} broken by a test`);
    expect(line.stack).toContain("broken by a test");

    // The object and its other connections carry on.
    pub.publish(subject, "after");
    await inbox.waitFor(1);
    expect(inbox.strings()).toEqual(["after"]);
    expect(sub.isClosed()).toBe(false);
    expect(pub.isClosed()).toBe(false);
    expect((await broker.health()).connections).toBe(2);
  });
});

describe("LOG_LEVEL=trace", () => {
  let broker: Broker;
  let clients: Clients;

  beforeAll(async () => {
    broker = await startBroker({ vars: { NATS_CONFIG: CONFIG, LOG_LEVEL: "trace" } });
    clients = new Clients(broker.url, 1);
  });
  afterEach(async () => clients.closeAll());
  afterAll(async () => broker?.stop());

  it("shows every op in and out as nats-server's -V does, CONNECT without its password", async () => {
    const nc = await clients.connect({ ...USER, name: "traced" });
    const cid = nc.info!.client_id;
    const subject = uniq("logs.trace");
    const inbox = listen(nc, subject);
    nc.publish(subject, "hello");
    await inbox.waitFor(1);
    await nc.flush();
    await nc.close();

    await logged(broker, { msg: "Client connection closed: Client Closed", cid });
    const mine = lines(broker).filter((l) => l.cid === cid);
    const said = mine.map((l) => `${l.level} ${l.msg}`);
    expect(said[0]).toBe("debug Client connection created");
    const connect = mine.find((l) => l.msg.startsWith("<<- [CONNECT "))!;
    expect(connect.level).toBe("trace");
    expect(connect.msg).toContain('"user":"alice"');
    expect(connect.msg).toContain('"pass":"[REDACTED]"');
    expect(broker.output()).not.toContain("wonderland");
    expect(said).toContain("debug Client authenticated");
    expect(said).toContain(`trace <<- [SUB ${subject} 1]`);
    expect(said).toContain(`trace <<- [PUB ${subject} 5]`);
    expect(said).toContain('trace <<- MSG_PAYLOAD: ["hello"]');
    expect(said).toContain(`trace ->> [MSG ${subject} 1 5]`);
    expect(said).toContain('trace ->> MSG_PAYLOAD: ["hello"]');
    expect(said).toContain("trace ->> [PONG]");
    // Lines after CONNECT name the client and who it is.
    expect(mine.find((l) => l.msg === `<<- [PUB ${subject} 5]`)).toMatchObject({ name: "traced", account: "$G", user: "alice", shard: 0 });
  });
});

describe("a bad LOG_LEVEL", () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker({ vars: { LOG_LEVEL: "verbose" } });
  });
  afterAll(async () => broker?.stop());

  it("is named by /healthz and by the answer to every connection, and logged once", async () => {
    const res = await fetch(`http://127.0.0.1:${broker.port}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "error", error: 'LOG_LEVEL must be one of info, debug, trace, got "verbose"' });
    for (let i = 0; i < 3; i++) {
      const answer = await upgradeAnswer(broker.url);
      expect(answer.status).toBe(503);
      expect(answer.body).toContain('LOG_LEVEL must be one of info, debug, trace, got "verbose"');
    }
    const refusals = lines(broker).filter((l) => l.msg === "invalid configuration: every client is refused");
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ level: "error", reason: 'LOG_LEVEL must be one of info, debug, trace, got "verbose"' });
  });
});
