// The Shard Durable Object inside workerd, spoken to in raw NATS protocol over a
// WebSocket that goes through the Worker (SELF.fetch), as a real client does.
// "Restart" below is the vitest plugin's evictDurableObject(stub): it tears the
// instance down, keeps durable storage, and hibernates (does not close) the
// WebSockets; the next event constructs a new Shard, which restores from the
// sockets' attachments and the `subs` table.

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { Shard } from "../../src/durable/shard.js";
import type { Attachment } from "../../src/durable/host/attachment.js";
import type { StoredSub } from "../../src/durable/host/subscriptions.js";
import { parseMsgs, RawClient, shardStub } from "./ws.js";

const stub = shardStub();
const open: RawClient[] = [];

async function raw(): Promise<RawClient> {
  const c = await RawClient.open();
  open.push(c);
  return c;
}

async function client(opts: Record<string, unknown> = {}): Promise<RawClient> {
  const c = await RawClient.connect(opts);
  open.push(c);
  return c;
}

afterEach(async () => {
  // Close what the test left open and wait for the server's close frame, so the
  // next test starts with this connection forgotten (the object is shared).
  const all = open.splice(0);
  await Promise.all(all.map((c) => c.close().catch(() => undefined)));
});

/**
 * Tears down the object's instance (hibernatable sockets stay open); returns the
 * old instance so a test can check, after the next event, that it was replaced.
 */
async function restart(): Promise<Shard> {
  const before = await current();
  await evictDurableObject(stub);
  return before;
}

/** The live instance (waking the object if it is evicted). */
async function current(): Promise<Shard> {
  return runInDurableObject(stub, (instance: Shard) => instance);
}

async function rows(cid: number): Promise<StoredSub[]> {
  return runInDurableObject(stub, (_i: Shard, state) =>
    state.storage.sql.exec<Record<string, SqlStorageValue>>(`SELECT * FROM subs WHERE cid = ? ORDER BY sid`, cid).toArray() as unknown as StoredSub[],
  );
}

async function attachments(): Promise<Attachment[]> {
  return runInDurableObject(stub, (_i: Shard, state) => state.getWebSockets().map((ws) => ws.deserializeAttachment() as Attachment));
}

async function attachmentOf(cid: number): Promise<Attachment | undefined> {
  return (await attachments()).find((a) => a.cid === cid);
}

/** Publishes from `pub` and returns once the object has routed it (PONG on the publisher). */
async function publish(pub: RawClient, ops: string): Promise<void> {
  expect(await pub.pingAfter(ops)).toBe("");
}

describe("Shard over a raw WebSocket", () => {
  it("greets with one binary INFO frame, answers PING, and delivers MSG bytes exactly", async () => {
    const c = await raw();
    const info = c.frames[0];
    expect(info.binary).toBe(true);
    expect(info.text.startsWith("INFO {")).toBe(true);
    expect(info.text.endsWith("}\r\n")).toBe(true);
    expect(info.text.indexOf("\r\n")).toBe(info.text.length - 2); // one line, alone in its frame
    expect(c.info).toMatchObject({ proto: 1, headers: true, max_payload: 1024 * 1024 });
    expect(typeof c.info.client_id).toBe("number");
    expect(typeof c.info.server_id).toBe("string");
    expect(c.info.version).toBe("2.10.0");

    c.send(`CONNECT {"verbose":false,"pedantic":false,"headers":true}\r\nPING\r\n`);
    const pong = await c.next();
    expect(pong.binary).toBe(true);
    expect(pong.text).toBe("PONG\r\n");

    c.send("SUB foo 1\r\nPUB foo 2\r\nhi\r\n");
    const msg = await c.next();
    expect(msg.binary).toBe(true);
    expect(Array.from(msg.bytes)).toEqual(Array.from(new TextEncoder().encode("MSG foo 1 2\r\nhi\r\n")));
    expect(await c.ping()).toBe("");
  });

  it("a client that sent no CONNECT is verbose by default (+OK), as nats-server", async () => {
    const c = await raw();
    c.send("SUB foo 1\r\nPUB foo 1\r\nx\r\nPING\r\n");
    const f = await c.next();
    expect(f.text).toBe("+OK\r\n+OK\r\nMSG foo 1 1\r\nx\r\nPONG\r\n");
  });

  it("coalesces everything one inbound frame causes into ONE outbound frame", async () => {
    const c = await client();
    c.send("SUB foo 1\r\n" + "PUB foo 1\r\nx\r\n".repeat(50) + "PING\r\n");
    const f = await c.next();
    expect(f.binary).toBe(true);
    expect(f.text).toBe("MSG foo 1 1\r\nx\r\n".repeat(50) + "PONG\r\n");
    // Nothing else was sent in between: the next frame is the answer to the next PING.
    const before = c.frames.length;
    c.send("PING\r\n");
    expect((await c.next()).text).toBe("PONG\r\n");
    expect(c.frames.length).toBe(before + 1);

    // Same for a verbose client: +OKs, MSGs and PONG in one frame, in order.
    const v = await raw();
    v.send("SUB foo 7\r\n" + "PUB foo 1\r\ny\r\n".repeat(50) + "PING\r\n");
    const g = await v.next();
    const expected = "+OK\r\n" + "+OK\r\nMSG foo 7 1\r\ny\r\n".repeat(50) + "PONG\r\n";
    // c still subscribes to foo and gets v's 50 messages in one frame too.
    expect(g.text).toBe(expected);
    const onC = await c.next();
    expect(onC.text).toBe("MSG foo 1 1\r\ny\r\n".repeat(50));
  });

  it("subscriptions and CONNECT options survive a restart of the object", async () => {
    // A: echo off, headers on. H: headers off. V: verbose on.
    const a = await client({ echo: false, headers: true, name: "A" });
    const h = await client({ headers: false });
    const v = await client({ verbose: true });
    const b = await client({ headers: true });
    expect(await a.pingAfter("SUB t3.x 1\r\nSUB t3.h 2\r\n")).toBe("");
    expect(await h.pingAfter("SUB t3.h 9\r\n")).toBe("");
    expect(await v.pingAfter("SUB t3.v 1\r\n")).toBe("+OK\r\n");

    // Before: A does not hear itself.
    expect(await a.pingAfter("PUB t3.x 4\r\nself\r\n")).toBe("");

    const old = await restart();
    expect(a.closed).toBeNull();
    expect(b.closed).toBeNull();

    // B's message (the first event after the eviction: it constructs the new
    // instance) reaches A through the restored subscription.
    await publish(b, "PUB t3.x 5\r\nhello\r\n");
    expect(await a.ping()).toBe("MSG t3.x 1 5\r\nhello\r\n");
    expect(await current()).not.toBe(old);

    // A still has echo off: publishing to its own subject brings nothing back.
    expect(await a.pingAfter("PUB t3.x 4\r\nself\r\n")).toBe("");
    // ... while what A publishes still reaches others.
    expect(await b.pingAfter("SUB t3.x 5\r\n")).toBe("");
    expect(await a.pingAfter("PUB t3.x 4\r\nfrom\r\n")).toBe("");
    expect(await b.ping()).toBe("MSG t3.x 5 4\r\nfrom\r\n");

    // A still declared headers: it gets HMSG; H did not: it gets the payload alone.
    const hdr = "NATS/1.0\r\nX-A: 1\r\n\r\n";
    const body = "hello";
    await publish(b, `HPUB t3.h ${hdr.length} ${hdr.length + body.length}\r\n${hdr}${body}\r\n`);
    expect(await a.ping()).toBe(`HMSG t3.h 2 ${hdr.length} ${hdr.length + body.length}\r\n${hdr}${body}\r\n`);
    expect(await h.ping()).toBe(`MSG t3.h 9 ${body.length}\r\n${body}\r\n`);

    // V is still verbose: +OK for a SUB and a PUB.
    expect(await v.pingAfter("PUB t3.v 1\r\nz\r\n")).toBe("+OK\r\nMSG t3.v 1 1\r\nz\r\n");

    // A queue group restored from SQLite still delivers each message to exactly one member.
    const qa = await client();
    const qb = await client();
    expect(await qa.pingAfter("SUB t3.q g 1\r\n")).toBe("");
    expect(await qb.pingAfter("SUB t3.q g 1\r\n")).toBe("");
    await restart();
    let burst = "";
    for (let i = 0; i < 20; i++) burst += `PUB t3.q ${String(i).length}\r\n${i}\r\n`;
    await publish(b, burst);
    const got = [...parseMsgs(await qa.ping()).msgs, ...parseMsgs(await qb.ping()).msgs].map((m) => Number(m.payload));
    expect(got.sort((x, y) => x - y)).toEqual([...Array(20).keys()]);

    // A connection opened after the restart gets a new, never-used client id.
    const n = await client();
    expect(n.cid).toBeGreaterThan(Math.max(a.cid, b.cid, h.cid, v.cid));
  });

  it("keeps cid and CONNECT options in the socket attachment and subscriptions in SQLite", async () => {
    const c = await raw();
    let att = await attachmentOf(c.cid);
    expect(att).toMatchObject({ cid: c.cid, opts: { verbose: true, pedantic: true, echo: true, headers: false, noResponders: false } });
    expect(typeof att?.start).toBe("number");

    const opts = { verbose: false, pedantic: false, echo: false, headers: true, no_responders: true, name: "att-client", lang: "raw", version: "9.9" };
    c.send(`CONNECT ${JSON.stringify(opts)}\r\n`);
    expect(await c.ping()).toBe("");
    att = await attachmentOf(c.cid);
    expect(att).toEqual({
      cid: c.cid,
      opts: { verbose: false, pedantic: false, echo: false, headers: true, noResponders: true, name: "att-client", lang: "raw", version: "9.9" },
      ip: "",
      start: att?.start,
      // Without authorization configured everyone is anonymous in the global account.
      identity: { account: "$G", user: "", permissions: null, expiresAt: null },
      nonce: null,
      cookies: null,
      pings: 0,
    });

    expect(await c.pingAfter("SUB t4.a 1\r\nSUB t4.b workers 2\r\nSUB t4.* 3\r\nUNSUB 3 10\r\n")).toBe("");
    expect(await rows(c.cid)).toEqual([
      { cid: c.cid, sid: "1", subject: "t4.a", queue: null, max: 0, delivered: 0 },
      { cid: c.cid, sid: "2", subject: "t4.b", queue: "workers", max: 0, delivered: 0 },
      { cid: c.cid, sid: "3", subject: "t4.*", queue: null, max: 10, delivered: 0 },
    ]);

    // The attachment and rows outlive the instance.
    await restart();
    expect(await attachmentOf(c.cid)).toEqual(att);
    expect((await rows(c.cid)).map((r) => r.sid)).toEqual(["1", "2", "3"]);

    // UNSUB removes the row.
    expect(await c.pingAfter("UNSUB 1\r\n")).toBe("");
    expect((await rows(c.cid)).map((r) => r.sid)).toEqual(["2", "3"]);

    // Closing the connection removes its rows and its socket.
    const cid = c.cid;
    const closed = await c.close();
    expect(closed.code).toBe(1000);
    expect(await rows(cid)).toEqual([]);
    expect(await attachmentOf(cid)).toBeUndefined();
  });

  it("an auto-unsubscribe count survives a restart", async () => {
    const a = await client();
    const b = await client();
    expect(await a.pingAfter("SUB foo 1\r\nUNSUB 1 3\r\n")).toBe("");
    await publish(b, "PUB foo 1\r\n1\r\nPUB foo 1\r\n2\r\n");
    expect(await a.ping()).toBe("MSG foo 1 1\r\n1\r\nMSG foo 1 1\r\n2\r\n");
    expect(await rows(a.cid)).toEqual([{ cid: a.cid, sid: "1", subject: "foo", queue: null, max: 3, delivered: 2 }]);

    await restart();

    await publish(b, "PUB foo 1\r\n3\r\nPUB foo 1\r\n4\r\nPUB foo 1\r\n5\r\n");
    expect(await a.ping()).toBe("MSG foo 1 1\r\n3\r\n");
    expect(await rows(a.cid)).toEqual([]);
    await publish(b, "PUB foo 1\r\n6\r\n");
    expect(await a.ping()).toBe("");
  });

  it("10,000 subscriptions on one connection survive a restart", async () => {
    const N = 10_000;
    const a = await client();
    const b = await client();
    let subs = "";
    for (let i = 0; i < N; i++) subs += `SUB t6.${i} ${i}\r\n`;
    expect(await a.pingAfter(subs)).toBe("");

    const att = await attachmentOf(a.cid);
    expect(JSON.stringify(att).length).toBeLessThan(512);
    const count = await runInDurableObject(stub, (_i: Shard, state) =>
      state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM subs WHERE cid = ?`, a.cid).one().n,
    );
    expect(count).toBe(N);

    await restart();
    expect(await attachmentOf(a.cid)).toEqual(att);
    expect((await runInDurableObject(stub, (i: Shard) => i.health())).subscriptions).toBeGreaterThanOrEqual(N);

    let pubs = "";
    for (let i = 0; i < N; i++) pubs += `PUB t6.${i} 1\r\nx\r\n`;
    await publish(b, pubs);
    const got = parseMsgs(await a.ping());
    expect(got.rest).toEqual([]);
    expect(got.msgs.length).toBe(N);
    got.msgs.forEach((m, i) => {
      expect(m.subject).toBe(`t6.${i}`);
      expect(m.sid).toBe(String(i));
    });
  }, 60_000);

  it("forgets a connection that closes, without disturbing the others", async () => {
    const a = await client();
    const c = await client();
    const r = await client({ headers: true, no_responders: true });
    expect(await a.pingAfter("SUB t7.svc 1\r\n")).toBe("");
    expect(await c.pingAfter("SUB t7.other 1\r\n")).toBe("");
    expect(await r.pingAfter("SUB _INBOX.t7 9\r\n")).toBe("");

    // While A is there, the request reaches it and no 503 comes back.
    expect(await r.pingAfter("PUB t7.svc _INBOX.t7 2\r\nq1\r\n")).toBe("");
    expect(await a.ping()).toBe("MSG t7.svc 1 _INBOX.t7 2\r\nq1\r\n");

    const cidA = a.cid;
    expect((await a.close()).code).toBe(1000);
    expect(await rows(cidA)).toEqual([]);

    // Now nobody listens on t7.svc: the requester gets the no-responders status.
    expect(await r.pingAfter("PUB t7.svc _INBOX.t7 2\r\nq2\r\n")).toBe("HMSG _INBOX.t7 9 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");

    // C was not disturbed: still open, still subscribed, still answering.
    expect(c.closed).toBeNull();
    await publish(r, "PUB t7.other 2\r\nok\r\n");
    expect(await c.ping()).toBe("MSG t7.other 1 2\r\nok\r\n");
    expect((await rows(c.cid)).map((x) => x.subject)).toEqual(["t7.other"]);
  });

  it("reassembles an op split across inbound frames", async () => {
    const a = await client();
    a.send("SUB t10 1\r\nPUB t10 5\r\nhe");
    a.send("llo\r\n");
    expect(await a.ping()).toBe("MSG t10 1 5\r\nhello\r\n");
  });

  // The half-received op is kept in storage, so a restart between its halves loses nothing.
  it("reassembles an op split across inbound frames when the object restarts in between", async () => {
    const a = await client();
    expect(await a.pingAfter("SUB t11 1\r\n")).toBe("");
    a.send("PUB t11 5\r\nhe");
    // No PING can follow "he" (it would be payload): give the frame time to arrive.
    await new Promise((r) => setTimeout(r, 100));
    await restart();
    a.send("llo\r\n");
    expect(await a.ping()).toBe("MSG t11 1 5\r\nhello\r\n");
  });

  it("forgets a connection that closes while the object is evicted", async () => {
    const a = await client();
    const r = await client({ headers: true, no_responders: true });
    expect(await a.pingAfter("SUB t8.svc 1\r\n")).toBe("");
    expect(await r.pingAfter("SUB _INBOX.t8 1\r\n")).toBe("");
    await evictDurableObject(stub);
    // The close wakes a new instance: it restores A, then runs webSocketClose for it.
    expect((await a.close()).code).toBe(1000);
    expect(await rows(a.cid)).toEqual([]);
    expect(await r.pingAfter("PUB t8.svc _INBOX.t8 0\r\n\r\n")).toBe("HMSG _INBOX.t8 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
  });

  it("an eviction that closes the sockets leaves no stale subscriptions behind", async () => {
    const a = await client();
    expect(await a.pingAfter("SUB t9.a 1\r\n")).toBe("");
    await evictDurableObject(stub, { webSockets: "close" });
    // The client sees an abnormal closure (no close frame from the server).
    for (let i = 0; i < 100 && a.closed === null; i++) await new Promise((r) => setTimeout(r, 10));
    expect(a.closed?.code).toBe(1006);
    // The next instance finds no socket for the cid and drops its rows on restore.
    expect(await attachmentOf(a.cid)).toBeUndefined();
    expect(await rows(a.cid)).toEqual([]);
    const b = await client({ headers: true, no_responders: true });
    expect(await b.pingAfter("SUB _INBOX.t9 1\r\nPUB t9.a _INBOX.t9 0\r\n\r\n")).toBe("HMSG _INBOX.t9 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
  });
});
