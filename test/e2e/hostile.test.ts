import { afterEach, describe, expect, it } from "vitest";
import { errors, type NatsConnection, type Status } from "@nats-io/nats-core";
import { Clients, delay, listen, quiesce, uniq, waitUntil, type Inbox, type RawSocket } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

/**
 * Official clients exchanging messages in the background (a publisher every few ms and a
 * subscriber), recording any status events. `check()` asserts nothing was lost, reordered
 * or disconnected.
 */
class Bystander {
  private seq = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  readonly statuses: Status[] = [];
  private constructor(
    readonly pub: NatsConnection,
    readonly sub: NatsConnection,
    readonly inbox: Inbox,
    readonly subject: string,
  ) {}

  static async start(): Promise<Bystander> {
    const pub = await clients.connect();
    const sub = await clients.connect();
    const subject = uniq("hostile.bystander");
    const inbox = listen(sub, subject);
    await sub.flush();
    const b = new Bystander(pub, sub, inbox, subject);
    for (const nc of [pub, sub]) {
      (async () => {
        for await (const s of nc.status()) b.statuses.push(s);
      })().catch(() => undefined);
    }
    b.timer = setInterval(() => {
      if (!pub.isClosed()) pub.publish(subject, String(b.seq++));
    }, 3);
    return b;
  }

  /** Waits until at least `n` more messages than now have been received. */
  async progress(n = 20, timeoutMs = 5_000): Promise<void> {
    const target = this.inbox.count + n;
    await this.inbox.waitFor(target, timeoutMs);
  }

  async stopAndCheck(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await quiesce(this.pub, this.sub);
    const sent = this.seq;
    await this.inbox.waitFor(sent, 5_000);
    expect(this.inbox.strings()).toEqual(Array.from({ length: sent }, (_, i) => String(i)));
    expect(this.pub.isClosed()).toBe(false);
    expect(this.sub.isClosed()).toBe(false);
    expect(this.statuses.filter((s) => s.type !== "ping")).toEqual([]);
    // and request/reply still works between them
    const s = `${this.subject}.rr`;
    this.sub.subscribe(s, {
      callback: (_e, m) => {
        m.respond("pong");
      },
    });
    await this.sub.flush();
    expect((await this.pub.request(s, "ping", { timeout: 5_000 })).string()).toBe("pong");
  }
}

/** Expects the socket to have received exactly `expected` after INFO, then to close. */
async function expectErrAndClose(rs: RawSocket, err: string, from?: number): Promise<void> {
  const start = from ?? rs.text.indexOf("\r\n") + 2;
  await rs.waitFor(err, 5_000, start);
  await rs.waitClosed(5_000);
  expect(rs.since(start)).toBe(err);
}

describe("hostile: garbage", () => {
  it("garbage as the first op gets exactly -ERR 'Unknown Protocol Operation' and a close; bystanders are undisturbed", async () => {
    const b = await Bystander.start();
    await b.progress();
    const rs = await clients.raw();
    await rs.info();
    rs.send("FOO BAR\r\n");
    await expectErrAndClose(rs, "-ERR 'Unknown Protocol Operation'\r\n");
    await b.progress();
    await b.stopAndCheck();
  });

  it("garbage after a good handshake: same -ERR and close", async () => {
    const b = await Bystander.start();
    const rs = await clients.raw();
    await rs.handshake();
    const s = uniq("hostile.g2");
    rs.send(`SUB ${s} 1\r\n`);
    await rs.ping();
    const m = rs.mark();
    rs.send("FOO BAR\r\n");
    await expectErrAndClose(rs, "-ERR 'Unknown Protocol Operation'\r\n", m);
    await b.progress();
    await b.stopAndCheck();
  });

  it("many hostile sockets at once, while official clients keep working", async () => {
    const b = await Bystander.start();
    const garbage = ["FOO BAR\r\n", "\u0000\u0001\u0002\r\n", "HELLO\r\n", "GET / HTTP/1.1\r\n\r\n", "PUBX foo 1\r\n"];
    const socks = await Promise.all(Array.from({ length: 10 }, () => clients.raw()));
    await Promise.all(socks.map((rs) => rs.info()));
    socks.forEach((rs, i) => rs.send(garbage[i % garbage.length]!));
    await Promise.all(socks.map((rs) => rs.waitClosed(5_000)));
    for (const rs of socks) expect(rs.afterInfo()).toBe("-ERR 'Unknown Protocol Operation'\r\n");
    await b.progress();
    await b.stopAndCheck();
  });

  it("a socket that vanishes mid-message does not disturb others, and its interest is removed", async () => {
    const b = await Bystander.start();
    const rs = await clients.raw();
    await rs.handshake();
    const s = uniq("hostile.vanish");
    rs.send(`SUB ${s} 1\r\n`);
    await rs.ping();
    rs.send(`PUB ${s} 100\r\nonly part of it`);
    await delay(50);
    rs.ws.close();
    await rs.waitClosed();
    const req = await clients.connect();
    // interest removal may be asynchronous: allow a little time
    let last: unknown;
    for (let i = 0; i < 20; i++) {
      try {
        await req.request(s, "x", { timeout: 500 });
        last = "replied";
      } catch (err) {
        last = err;
        if (err instanceof errors.RequestError && err.isNoResponders()) break;
      }
      await delay(100);
    }
    expect(last).toBeInstanceOf(errors.RequestError);
    await b.progress();
    await b.stopAndCheck();
  });
});

describe("hostile: limits", () => {
  it("a control line over 4096 bytes gets -ERR 'maximum control line exceeded' and a close", async () => {
    const b = await Bystander.start();
    const rs = await clients.raw();
    await rs.handshake();
    const m = rs.mark();
    rs.send(`SUB ${"a".repeat(5000)} 1\r\n`);
    await expectErrAndClose(rs, "-ERR 'maximum control line exceeded'\r\n", m);
    await b.progress();
    await b.stopAndCheck();
  });

  it("a control line over 4096 bytes without a line end, spread over frames, is caught too", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const m = rs.mark();
    rs.send("PUB ");
    for (let i = 0; i < 5; i++) rs.send("b".repeat(1000));
    await expectErrAndClose(rs, "-ERR 'maximum control line exceeded'\r\n", m);
  });

  it("a long but legal subject (well under 4096) works", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const s = `${uniq("hostile.long")}.${"x".repeat(3000)}`;
    const m = rs.mark();
    rs.send(`SUB ${s} 1\r\nPUB ${s} 2\r\nok\r\nPING\r\n`);
    await rs.waitFor("PONG\r\n", 5_000, m);
    expect(rs.since(m)).toBe(`MSG ${s} 1 2\r\nok\r\nPONG\r\n`);
  });
});

describe("hostile: framing", () => {
  it("an op split across two frames (`PU` + `B foo 2\\r\\nhi\\r\\n`) works", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const s = uniq("hostile.split");
    rs.send(`SUB ${s} 1\r\n`);
    await rs.ping();
    const m = rs.mark();
    rs.send("PU");
    await delay(20);
    rs.send(`B ${s} 2\r\nhi\r\n`);
    await rs.waitFor("hi\r\n", 5_000, m);
    await rs.ping();
    expect(rs.since(m)).toBe(`MSG ${s} 1 2\r\nhi\r\nPONG\r\n`);
  });

  it("splits inside the payload and between CR and LF work", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const s = uniq("hostile.split2");
    rs.send(`SUB ${s} 1\r\n`);
    await rs.ping();
    const m = rs.mark();
    for (const part of [`PUB ${s} 10\r`, "\n01234", "56789\r", "\n", "PI", "NG\r", "\n"]) {
      rs.send(part);
      await delay(5);
    }
    await rs.waitFor("PONG\r\n", 5_000, m);
    expect(rs.since(m)).toBe(`MSG ${s} 1 10\r\n0123456789\r\nPONG\r\n`);
  });

  it("a whole PUB sent one byte per frame works", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const s = uniq("hostile.bytes");
    rs.send(`SUB ${s} 1\r\n`);
    await rs.ping();
    const m = rs.mark();
    const op = `PUB ${s} 5\r\nhello\r\nPING\r\n`;
    for (const ch of op) rs.send(ch);
    await rs.waitFor("PONG\r\n", 10_000, m);
    expect(rs.since(m)).toBe(`MSG ${s} 1 5\r\nhello\r\nPONG\r\n`);
  });

  it("many ops in one frame work, in order", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const s = uniq("hostile.batch");
    const m = rs.mark();
    rs.send(`SUB ${s}.a 1\r\nSUB ${s}.b 2\r\nPUB ${s}.a 1\r\nx\r\nPUB ${s}.b 1\r\ny\r\nUNSUB 1\r\nPUB ${s}.a 1\r\nz\r\nPING\r\n`);
    await rs.waitFor("PONG\r\n", 5_000, m);
    expect(rs.since(m)).toBe(`MSG ${s}.a 1 1\r\nx\r\nMSG ${s}.b 2 1\r\ny\r\nPONG\r\n`);
  });

  it("1000 PUBs in one frame all arrive, in order, at an official client", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const sub = await clients.connect();
    const s = uniq("hostile.bulk");
    const inbox = listen(sub, s);
    await sub.flush();
    let frame = "";
    for (let i = 0; i < 1000; i++) frame += `PUB ${s} ${String(i).length}\r\n${i}\r\n`;
    rs.send(frame);
    await inbox.waitFor(1000, 10_000);
    expect(inbox.strings()).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
  });

  it("verbs in lower and mixed case work", async () => {
    const rs = await clients.raw();
    await rs.info();
    const s = uniq("hostile.case");
    const start = rs.mark();
    rs.send(`connect {"verbose":false,"pedantic":false,"protocol":1,"headers":true}\r\nping\r\n`);
    await rs.waitFor("PONG\r\n", 5_000, start);
    const m = rs.mark();
    rs.send(`sub ${s} 1\r\npub ${s} 2\r\nhi\r\nPuB ${s} 2\r\nho\r\nunsub 1\r\npub ${s} 2\r\nno\r\nping\r\n`);
    await rs.waitFor("PONG\r\n", 5_000, m);
    expect(rs.since(m)).toBe(`MSG ${s} 1 2\r\nhi\r\nMSG ${s} 1 2\r\nho\r\nPONG\r\n`);
  });

  it("tabs and repeated spaces between arguments work", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const s = uniq("hostile.ws");
    const m = rs.mark();
    rs.send(`SUB\t${s}   1\r\nPUB  ${s}\t2\r\nhi\r\nPING\r\n`);
    await rs.waitFor("PONG\r\n", 5_000, m);
    expect(rs.since(m)).toBe(`MSG ${s} 1 2\r\nhi\r\nPONG\r\n`);
  });

  it("the broker answers PING with PONG and accepts PONG to its own PING", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const m = rs.mark();
    rs.send("PONG\r\n"); // unsolicited PONG is harmless
    await rs.ping();
    expect(rs.since(m)).toBe("PONG\r\n");
    expect(rs.isClosed).toBe(false);
  });

  it("everything the broker sends is binary frames", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const s = uniq("hostile.bin");
    rs.send(`SUB ${s} 1\r\nPUB ${s} 2\r\nhi\r\n`);
    await rs.ping();
    expect(rs.frames.length).toBeGreaterThan(0);
    expect(rs.frames.filter((f) => !f.binary)).toEqual([]);
  });
});

describe("hostile: official client after a hostile neighbour", () => {
  it("connections opened after the garbage work as usual", async () => {
    const bad = await clients.raw();
    await bad.info();
    bad.send("FOO BAR\r\n");
    await bad.waitClosed();
    const a = await clients.connect();
    const c = await clients.connect();
    const s = uniq("hostile.after");
    const inbox = listen(a, s);
    await a.flush();
    c.publish(s, "ok");
    await inbox.waitFor(1);
    await waitUntil(() => inbox.count === 1, 1_000);
    expect(inbox.strings()).toEqual(["ok"]);
  });
});

describe("hostile: nothing after a close takes effect", () => {
  it("ops after a refused CONNECT or an HPUB without headers, in the same frame, are not acted on", async () => {
    const watcher = await clients.connect();
    const subject = uniq("hostile.ghost");
    const seen = listen(watcher, `${subject}.>`);
    await watcher.flush();
    for (const frame of [
      `CONNECT {"protocol":2}\r\nPUB ${subject}.a 5\r\nboo!!\r\nSUB ${subject}.b 1\r\n`,
      `HPUB ${subject}.c 2 2\r\nhi\r\nPUB ${subject}.d 5\r\nboo!!\r\nSUB ${subject}.e 1\r\n`,
    ]) {
      const raw = await clients.raw();
      await raw.info();
      raw.send(frame);
      const close = await raw.waitClosed();
      expect(close.code).toBe(1002);
    }
    // The SUBs after the close left nothing behind: a publish to them reaches no one
    // but the watcher, and nothing was delivered from the closed connections.
    const pub = await clients.connect();
    pub.publish(`${subject}.b`, "x");
    await quiesce(pub, watcher);
    await seen.waitFor(1);
    expect(seen.subjects()).toEqual([`${subject}.b`]);
  });

  it("a size of more than 9 digits closes the connection without an -ERR, as nats-server", async () => {
    const raw = await clients.raw();
    await raw.handshake({});
    const m = raw.mark();
    raw.send("PUB foo 0000000002\r\nhi\r\n");
    const close = await raw.waitClosed();
    expect(raw.since(m)).toBe("");
    expect(close.code).toBe(1002);
  });

  it("CONNECT null changes nothing and is accepted, as nats-server", async () => {
    const raw = await clients.raw();
    await raw.info();
    raw.send("CONNECT null\r\nPING\r\n");
    await raw.waitFor("PONG\r\n");
    expect(raw.afterInfo()).toBe("+OK\r\nPONG\r\n");
  });
});

describe("hostile: one frame, one connection, its own queue subscription", () => {
  it("SUB q, PUB, PING: the MSG comes before the PONG", async () => {
    const raw = await clients.raw();
    await raw.handshake({});
    const subject = uniq("hostile.ownq");
    const m = raw.mark();
    raw.send(`SUB ${subject} grp 1\r\nPUB ${subject} 2\r\nhi\r\nPING\r\n`);
    await raw.waitFor("PONG\r\n", 5_000, m);
    expect(raw.since(m)).toBe(`MSG ${subject} 1 2\r\nhi\r\nPONG\r\n`);
  });

  it("SUB q, PUB, UNSUB, PING: the message published before the UNSUB is delivered", async () => {
    const raw = await clients.raw();
    await raw.handshake({});
    const subject = uniq("hostile.ownq");
    const m = raw.mark();
    raw.send(`SUB ${subject} grp 1\r\nPUB ${subject} 2\r\nhi\r\nUNSUB 1\r\nPING\r\n`);
    await raw.waitFor("PONG\r\n", 5_000, m);
    expect(raw.since(m)).toBe(`MSG ${subject} 1 2\r\nhi\r\nPONG\r\n`);
  });
});
