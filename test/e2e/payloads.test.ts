import { afterEach, describe, expect, it } from "vitest";
import { errors, headers } from "@nats-io/nats-core";
import { Clients, listen, MAX_PAYLOAD, patternBytes, quiesce, sameBytes, uniq } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

describe("payloads: headers", () => {
  it("multiple values for one key arrive intact and in order", async () => {
    const sub = await clients.connect();
    const pub = await clients.connect();
    const s = uniq("pl.hdr");
    const inbox = listen(sub, s);
    await sub.flush();
    const h = headers();
    h.append("X-Multi", "a");
    h.append("X-Multi", "b");
    h.append("X-Multi", "c c");
    h.set("X-One", "1");
    h.set("X-Spaces", "  value with  inner  spaces");
    h.set("X-Colon", "k: v; w=1");
    pub.publish(s, "body", { headers: h });
    const [m] = await inbox.waitFor(1);
    expect(m!.string()).toBe("body");
    expect(m!.headers).toBeDefined();
    expect(m!.headers!.values("X-Multi")).toEqual(["a", "b", "c c"]);
    expect(m!.headers!.get("X-One")).toBe("1");
    expect(m!.headers!.get("X-Colon")).toBe("k: v; w=1");
    expect(m!.headers!.get("X-Spaces")).toBe(h.get("X-Spaces"));
    expect(m!.headers!.keys().sort()).toEqual(["X-Colon", "X-Multi", "X-One", "X-Spaces"]);
  });

  it("headers with an empty payload, and a reply subject", async () => {
    const sub = await clients.connect();
    const pub = await clients.connect();
    const s = uniq("pl.hdrempty");
    const inbox = listen(sub, s);
    await sub.flush();
    const h = headers();
    h.set("K", "v");
    pub.publish(s, undefined, { headers: h, reply: `${s}.r` });
    const [m] = await inbox.waitFor(1);
    expect(m!.data.length).toBe(0);
    expect(m!.reply).toBe(`${s}.r`);
    expect(m!.headers!.get("K")).toBe("v");
  });

  it("a message without headers arrives without headers", async () => {
    const sub = await clients.connect();
    const pub = await clients.connect();
    const s = uniq("pl.nohdr");
    const inbox = listen(sub, s);
    await sub.flush();
    pub.publish(s, "plain");
    const [m] = await inbox.waitFor(1);
    expect(m!.headers).toBeUndefined();
    expect(m!.string()).toBe("plain");
  });

  it("the wire form for a header-capable subscriber is HMSG with the header block (raw socket)", async () => {
    const rs = await clients.raw();
    await rs.handshake({ headers: true });
    const pub = await clients.connect();
    const s = uniq("pl.hmsg");
    rs.send(`SUB ${s} 5\r\n`);
    await rs.ping();
    const h = headers();
    h.set("A", "1");
    pub.publish(s, "xyz", { headers: h });
    await pub.flush();
    const hdr = "NATS/1.0\r\nA: 1\r\n\r\n";
    const m = await rs.waitFor("xyz\r\n");
    expect(m).toContain(`HMSG ${s} 5 ${hdr.length} ${hdr.length + 3}\r\n${hdr}xyz\r\n`);
  });

  it("a subscriber that connected with headers:false gets the payload as MSG without the headers (raw socket)", async () => {
    // The official client always asks for headers when the server offers them, so this is a raw CONNECT.
    const rs = await clients.raw();
    await rs.handshake({ headers: false, no_responders: false });
    const pub = await clients.connect();
    const s = uniq("pl.nohdrsub");
    rs.send(`SUB ${s} 3\r\n`);
    await rs.ping();
    const h = headers();
    h.set("Dropped", "yes");
    pub.publish(s, "payload-only", { headers: h });
    pub.publish(s, "second");
    await pub.flush();
    await rs.waitFor("second\r\n");
    const msgs = rs.messages();
    expect(msgs.map((m) => `${m.op} ${m.args.join(" ")}|${m.body}`)).toEqual([
      `MSG ${s} 3 12|payload-only`,
      `MSG ${s} 3 6|second`,
    ]);
  });

  it("HPUB from a raw client reaches the official client with the headers parsed", async () => {
    const rs = await clients.raw();
    await rs.handshake({ headers: true });
    const sub = await clients.connect();
    const s = uniq("pl.hpub");
    const inbox = listen(sub, s);
    await sub.flush();
    const hdr = "NATS/1.0\r\nX-A: 1\r\nX-A: 2\r\n\r\n";
    rs.send(`HPUB ${s} ${hdr.length} ${hdr.length + 2}\r\n${hdr}hi\r\n`);
    const [m] = await inbox.waitFor(1);
    expect(m!.string()).toBe("hi");
    expect(m!.headers!.values("X-A")).toEqual(["1", "2"]);
  });
});

describe("payloads: sizes", () => {
  it("empty payloads arrive as empty", async () => {
    const sub = await clients.connect();
    const pub = await clients.connect();
    const s = uniq("pl.empty");
    const inbox = listen(sub, s);
    await sub.flush();
    pub.publish(s);
    pub.publish(s, "");
    pub.publish(s, new Uint8Array(0));
    const msgs = await inbox.waitFor(3);
    expect(msgs.map((m) => m.data.length)).toEqual([0, 0, 0]);
  });

  it("raw `PUB s 0` delivers `MSG s sid 0`", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const s = uniq("pl.rawempty");
    const m = rs.mark();
    rs.send(`SUB ${s} 1\r\nPUB ${s} 0\r\n\r\nPING\r\n`);
    await rs.waitFor("PONG\r\n", 5_000, m);
    expect(rs.since(m)).toBe(`MSG ${s} 1 0\r\n\r\nPONG\r\n`);
  });

  it("binary payloads (all 256 byte values, CR LF inside) arrive byte for byte", async () => {
    const sub = await clients.connect();
    const pub = await clients.connect();
    const s = uniq("pl.bin");
    const inbox = listen(sub, s);
    await sub.flush();
    const data = new Uint8Array(1024);
    for (let i = 0; i < data.length; i++) data[i] = i % 256;
    data.set([13, 10, 13, 10], 500); // "\r\n\r\n" in the middle
    pub.publish(s, data);
    pub.publish(s, "\r\n");
    const [a, b] = await inbox.waitFor(2);
    expect(sameBytes(a!.data, data)).toBe(true);
    expect(b!.string()).toBe("\r\n");
  });

  it("a payload of exactly max_payload bytes arrives intact", async () => {
    const sub = await clients.connect();
    const pub = await clients.connect();
    expect(pub.info!.max_payload).toBe(MAX_PAYLOAD);
    const s = uniq("pl.max");
    const inbox = listen(sub, s);
    await sub.flush();
    const data = patternBytes(MAX_PAYLOAD);
    pub.publish(s, data);
    pub.publish(s, "after");
    const [big, after] = await inbox.waitFor(2, 20_000);
    expect(big!.data.length).toBe(MAX_PAYLOAD);
    expect(sameBytes(big!.data, data)).toBe(true);
    expect(after!.string()).toBe("after");
  });

  it("headers + payload of exactly max_payload bytes in total arrive intact", async () => {
    const sub = await clients.connect();
    const pub = await clients.connect();
    const s = uniq("pl.maxhdr");
    const inbox = listen(sub, s);
    await sub.flush();
    const h = headers();
    h.set("X-Big", "yes");
    const hlen = "NATS/1.0\r\nX-Big: yes\r\n\r\n".length; // what the client encodes
    const data = patternBytes(MAX_PAYLOAD - hlen, 11);
    pub.publish(s, data, { headers: h });
    const [m] = await inbox.waitFor(1, 20_000);
    expect(m!.headers!.get("X-Big")).toBe("yes");
    expect(sameBytes(m!.data, data)).toBe(true);
  });

  it("an oversized publish throws in the client before anything is sent; the connection stays usable", async () => {
    const sub = await clients.connect();
    const pub = await clients.connect();
    const s = uniq("pl.over");
    const inbox = listen(sub, s);
    await sub.flush();
    let thrown: unknown;
    try {
      pub.publish(s, new Uint8Array(MAX_PAYLOAD + 1));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(errors.InvalidArgumentError);
    expect(String((thrown as Error).message)).toMatch(/max_payload/);
    pub.publish(s, "still fine");
    await inbox.waitFor(1);
    await quiesce(pub, sub);
    expect(inbox.strings()).toEqual(["still fine"]);
    expect(pub.isClosed()).toBe(false);
  });

  it("raw `PUB foo 1048577` gets -ERR 'Maximum Payload Violation' and is closed", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const m = rs.mark();
    rs.send(`PUB ${uniq("pl.rawover")} ${MAX_PAYLOAD + 1}\r\n`);
    await rs.waitFor("-ERR 'Maximum Payload Violation'\r\n", 5_000, m);
    await rs.waitClosed();
    expect(rs.since(m)).toBe("-ERR 'Maximum Payload Violation'\r\n");
  });

  it("raw HPUB over max_payload in total gets -ERR 'Maximum Payload Violation' and is closed", async () => {
    const rs = await clients.raw();
    await rs.handshake({ headers: true });
    const m = rs.mark();
    rs.send(`HPUB ${uniq("pl.rawhover")} 12 ${MAX_PAYLOAD + 1}\r\n`);
    await rs.waitFor("-ERR 'Maximum Payload Violation'\r\n", 5_000, m);
    await rs.waitClosed();
    expect(rs.since(m)).toBe("-ERR 'Maximum Payload Violation'\r\n");
  });
});

describe("payloads: echo", () => {
  it("noEcho: own messages are not received, another connection's are", async () => {
    const quiet = await clients.connect({ noEcho: true });
    const other = await clients.connect();
    const s = uniq("pl.noecho");
    const inbox = listen(quiet, s);
    const sentinel = listen(quiet, `${s}.end`);
    const otherInbox = listen(other, s);
    await Promise.all([quiet.flush(), other.flush()]);
    quiet.publish(s, "own");
    other.publish(s, "other");
    await inbox.waitFor(1);
    quiet.publish(s, "own2");
    other.publish(`${s}.end`);
    await sentinel.waitFor(1);
    await otherInbox.waitFor(3);
    await quiesce(quiet, other);
    expect(inbox.strings()).toEqual(["other"]);
    // the other connection echoes as usual and sees both publishers
    expect(otherInbox.strings().sort()).toEqual(["other", "own", "own2"]);
  });

  it("echo is on by default: a connection receives its own messages", async () => {
    const nc = await clients.connect();
    const s = uniq("pl.echo");
    const inbox = listen(nc, s);
    await nc.flush();
    nc.publish(s, "mine");
    await inbox.waitFor(1);
    expect(inbox.strings()).toEqual(["mine"]);
  });

  it("noEcho: a request to one's own responder gets no responders", async () => {
    const nc = await clients.connect({ noEcho: true });
    const s = uniq("pl.noecho.req");
    nc.subscribe(s, {
      callback: (_e, m) => {
        m.respond("self");
      },
    });
    await nc.flush();
    const err = await nc.request(s, "x", { timeout: 2_000 }).then(
      () => new Error("unexpected reply"),
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(errors.RequestError);
    expect(err.cause).toBeInstanceOf(errors.NoRespondersError);
  });
});
