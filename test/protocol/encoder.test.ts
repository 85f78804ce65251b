import { describe, expect, it } from "vitest";
import { Kind, MsgHdrsImpl, Parser as ClientParser, type ParserEvent } from "@nats-io/nats-core/internal";
import { ERR } from "../../src/protocol/errors";
import { asciiJson, Outbox } from "../../src/protocol/encoder";

const te = new TextEncoder();
const td = new TextDecoder();
const b = (s: string) => te.encode(s);

/** Everything the box holds, as text (the tests write ASCII and UTF-8 only). */
function drain(o: Outbox): string {
  return td.decode(o.take());
}

describe("Outbox: MSG and HMSG", () => {
  it("MSG without a reply", () => {
    const o = new Outbox();
    o.msg(b("foo.bar"), b("1"), null, -1, b("hello"));
    expect(drain(o)).toBe("MSG foo.bar 1 5\r\nhello\r\n");
  });

  it("MSG with a reply", () => {
    const o = new Outbox();
    o.msg(b("foo"), b("42"), b("_INBOX.abc.1"), -1, b("hello"));
    expect(drain(o)).toBe("MSG foo 42 _INBOX.abc.1 5\r\nhello\r\n");
  });

  it("an empty reply is an empty field, as nats-server writes what its streams send", () => {
    const o = new Outbox();
    o.msg(b("foo"), b("1"), new Uint8Array(0), -1, b("x"));
    o.msg(b("foo"), b("1"), null, -1, b("x"));
    expect(drain(o)).toBe("MSG foo 1  1\r\nx\r\nMSG foo 1 1\r\nx\r\n");
  });

  it("a zero-length message and multi-digit sizes", () => {
    const o = new Outbox();
    o.msg(b("foo"), b("1"), null, -1, new Uint8Array(0));
    o.msg(b("foo"), b("1"), null, -1, b("0123456789"));
    o.msg(b("foo"), b("1"), null, -1, new Uint8Array(1234).fill(0x61));
    expect(drain(o)).toBe(`MSG foo 1 0\r\n\r\nMSG foo 1 10\r\n0123456789\r\nMSG foo 1 1234\r\n${"a".repeat(1234)}\r\n`);
  });

  it("HMSG carries the header size and the total size", () => {
    const hdr = "NATS/1.0\r\nA: B\r\n\r\n"; // 18 bytes
    const o = new Outbox();
    o.msg(b("foo"), b("7"), null, hdr.length, b(hdr + "hello"));
    expect(drain(o)).toBe(`HMSG foo 7 18 23\r\n${hdr}hello\r\n`);
    o.msg(b("foo"), b("7"), b("reply.to"), hdr.length, b(hdr));
    expect(drain(o)).toBe(`HMSG foo 7 reply.to 18 18\r\n${hdr}\r\n`);
    // A header size of 0 is still HMSG (it is -1 that means plain MSG).
    o.msg(b("foo"), b("7"), null, 0, b("hi"));
    expect(drain(o)).toBe("HMSG foo 7 0 2\r\nhi\r\n");
  });

  it("the message bytes are copied as they are, binary included", () => {
    const payload = Uint8Array.from({ length: 256 }, (_, i) => i);
    const o = new Outbox();
    o.msg(b("bin"), b("1"), null, -1, payload);
    const out = o.take();
    const head = b("MSG bin 1 256\r\n");
    expect(out.subarray(0, head.length)).toEqual(head);
    expect(out.subarray(head.length, head.length + 256)).toEqual(payload);
    expect(out.subarray(head.length + 256)).toEqual(b("\r\n"));
  });
});

describe("Outbox: other ops", () => {
  it("noResponders is exactly nats-server's 503 status message", () => {
    const o = new Outbox();
    o.noResponders(b("_INBOX.xyz.9"), b("3"));
    expect(drain(o)).toBe("HMSG _INBOX.xyz.9 3 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
  });

  it("err quotes its text", () => {
    const o = new Outbox();
    o.err(ERR.unknownOp);
    expect(drain(o)).toBe("-ERR 'Unknown Protocol Operation'\r\n");
    o.err(ERR.maxPayload);
    expect(drain(o)).toBe("-ERR 'Maximum Payload Violation'\r\n");
  });

  it("info writes INFO and the JSON", () => {
    const o = new Outbox();
    const json = asciiJson({ server_id: "edge", headers: true, max_payload: 1048576 });
    o.info(json);
    expect(drain(o)).toBe(`INFO ${json}\r\n`);
    expect(json).toBe('{"server_id":"edge","headers":true,"max_payload":1048576}');
  });

  it("ping, pong and ok", () => {
    const o = new Outbox();
    o.ping();
    o.pong();
    o.ok();
    expect(drain(o)).toBe("PING\r\nPONG\r\n+OK\r\n");
  });

  it("bytes, ascii and int append raw", () => {
    const o = new Outbox();
    o.bytes(b("a"));
    o.ascii("bc");
    o.int(0);
    o.int(9);
    o.int(10);
    o.int(1048576);
    expect(drain(o)).toBe("abc091010" + "48576");
  });
});

describe("Outbox: buffering", () => {
  it("size counts what waits; take returns exactly it and empties the box", () => {
    const o = new Outbox();
    expect(o.size).toBe(0);
    expect(o.take()).toEqual(new Uint8Array(0));
    o.ping();
    expect(o.size).toBe(6);
    expect(drain(o)).toBe("PING\r\n");
    expect(o.size).toBe(0);
    expect(o.take().length).toBe(0);
  });

  it("many writes grow the buffer, and nothing is lost or reordered", () => {
    const o = new Outbox();
    let expected = "";
    for (let i = 0; i < 5000; i++) {
      const payload = "p".repeat(i % 97) + i;
      o.msg(b(`s.${i}`), b(String(i)), i % 3 === 0 ? b(`r.${i}`) : null, -1, b(payload));
      expected += `MSG s.${i} ${i} ${i % 3 === 0 ? `r.${i} ` : ""}${payload.length}\r\n${payload}\r\n`;
      if (i % 7 === 0) {
        o.pong();
        expected += "PONG\r\n";
      }
    }
    expect(expected.length).toBeGreaterThan(16 * 1024 * 4); // past the kept buffer, several doublings
    expect(o.size).toBe(expected.length);
    const out = o.take();
    expect(out.length).toBe(expected.length);
    expect(td.decode(out)).toBe(expected);
    expect(o.size).toBe(0);
    // The box still works after it dropped its big buffer.
    o.ping();
    expect(drain(o)).toBe("PING\r\n");
  });

  it("one message bigger than the buffer", () => {
    const o = new Outbox();
    o.ok();
    const big = new Uint8Array(100_000).fill(0x7a);
    o.msg(b("big"), b("1"), null, -1, big);
    expect(drain(o)).toBe(`+OK\r\nMSG big 1 100000\r\n${"z".repeat(100_000)}\r\n`);
  });

  it("frames of large messages, smaller and larger than the one before, come out whole and unshared", () => {
    const o = new Outbox();
    const msg = (n: number, fill: number) => new Uint8Array(n).fill(fill);
    const frames: Array<[Uint8Array, string]> = [];
    // Two 64 KiB messages a frame (sized like the last frame), then one, then three (larger than
    // predicted), then a small frame, each taken before the next is written.
    for (const sizes of [[65536, 65536], [65536, 65536], [65536], [65536, 65536, 65536], [16], [65536, 65536]]) {
      let text = "";
      sizes.forEach((n, k) => {
        const c = 0x61 + ((frames.length + k) % 26);
        o.msg(b("big"), b("1"), null, -1, msg(n, c));
        text += `MSG big 1 ${n}\r\n${String.fromCharCode(c).repeat(n)}\r\n`;
      });
      o.ping();
      text += "PING\r\n";
      frames.push([o.take(), text]);
    }
    for (const [out, text] of frames) expect(td.decode(out)).toBe(text);
  });

  it("what take() returned is not aliased by later writes", () => {
    const o = new Outbox();
    o.msg(b("foo"), b("1"), null, -1, b("first"));
    const first = o.take();
    const copy = first.slice();
    o.msg(b("bar"), b("2"), null, -1, b("second"));
    o.ping();
    const second = o.take();
    expect(first).toEqual(copy);
    expect(td.decode(second)).toBe("MSG bar 2 6\r\nsecond\r\nPING\r\n");
    // And the other way round: scribbling on a taken buffer does not touch the box.
    second.fill(0);
    o.pong();
    expect(drain(o)).toBe("PONG\r\n");
    // Also across a regrowth of the box.
    o.bytes(new Uint8Array(200_000).fill(1));
    o.take();
    expect(first).toEqual(copy);
  });

  it("the inputs are copied, not kept", () => {
    const o = new Outbox();
    const subject = b("foo");
    const payload = b("hello");
    o.msg(subject, b("1"), null, -1, payload);
    subject.fill(0x58);
    payload.fill(0x58);
    expect(drain(o)).toBe("MSG foo 1 5\r\nhello\r\n");
  });
});

describe("asciiJson", () => {
  it("escapes every non-ASCII character, and parses back to the same value", () => {
    const value = { name: "héllo", subject: "主题.ü", emoji: "😀", del: "\u007f", plain: "abc", n: 1 };
    const json = asciiJson(value);
    for (let i = 0; i < json.length; i++) expect(json.charCodeAt(i)).toBeLessThan(0x7f);
    expect(json).toContain("h\\u00e9llo");
    expect(json).toContain("\\u4e3b\\u9898");
    expect(json).toContain("\\ud83d\\ude00"); // a surrogate pair, escaped half by half
    expect(JSON.parse(json)).toEqual(value);
  });

  it("leaves ASCII JSON as JSON.stringify writes it", () => {
    const value = { a: "x\"y\\z\n", b: [1, 2, null], c: true };
    expect(asciiJson(value)).toBe(JSON.stringify(value));
  });

  it("written through info, it is byte for byte the string", () => {
    const o = new Outbox();
    const json = asciiJson({ server_name: "edge-ü" });
    o.info(json);
    const out = o.take();
    expect(out.length).toBe("INFO ".length + json.length + 2);
    expect(JSON.parse(td.decode(out.subarray(5, out.length - 2)))).toEqual({ server_name: "edge-ü" });
  });
});

describe("Outbox output, read by the official client's parser (@nats-io/nats-core)", () => {
  it("MSG, HMSG, no-responders, INFO, -ERR, PING, PONG and +OK all parse as meant", () => {
    const hdr = "NATS/1.0\r\nX-Key: v\r\n\r\n";
    const o = new Outbox();
    o.info(asciiJson({ server_id: "edge", headers: true }));
    o.ok();
    o.msg(b("foo"), b("1"), null, -1, b("hello"));
    o.msg(b("foo"), b("2"), b("_INBOX.r"), -1, new Uint8Array(0));
    o.msg(b("foo"), b("3"), b("_INBOX.r"), hdr.length, b(hdr + "body"));
    o.noResponders(b("_INBOX.q.1"), b("4"));
    o.ping();
    o.pong();
    o.err(ERR.maxPayload);
    const wire = o.take();

    const events: ParserEvent[] = [];
    const copy = (e: ParserEvent): ParserEvent => ({
      kind: e.kind,
      msg: e.msg && { ...e.msg, subject: e.msg.subject.slice(), reply: e.msg.reply?.slice() },
      data: e.data?.slice(),
    });
    // Fed one byte at a time, as a fragmented transport would deliver it.
    const client = new ClientParser({ push: (e) => typeof e !== "function" && events.push(copy(e)) });
    for (let i = 0; i < wire.length; i++) client.parse(wire.subarray(i, i + 1));

    expect(events.map((e) => e.kind)).toEqual([Kind.INFO, Kind.OK, Kind.MSG, Kind.MSG, Kind.MSG, Kind.MSG, Kind.PING, Kind.PONG, Kind.ERR]);
    const [info, , m1, m2, m3, nr, , , err] = events;
    expect(JSON.parse(td.decode(info.data))).toEqual({ server_id: "edge", headers: true });

    expect(td.decode(m1.msg!.subject)).toBe("foo");
    expect(m1.msg!.sid).toBe(1);
    expect(m1.msg!.reply).toBeUndefined();
    expect(m1.msg!.hdr).toBe(-1);
    expect(td.decode(m1.data)).toBe("hello");

    expect(td.decode(m2.msg!.reply)).toBe("_INBOX.r");
    expect(m2.msg!.size).toBe(0);

    expect(m3.msg!.sid).toBe(3);
    expect(m3.msg!.hdr).toBe(hdr.length);
    expect(td.decode(m3.data)).toBe(hdr + "body");
    expect(MsgHdrsImpl.decode(m3.data!.subarray(0, hdr.length)).get("X-Key")).toBe("v");

    expect(td.decode(nr.msg!.subject)).toBe("_INBOX.q.1");
    expect(nr.msg!.sid).toBe(4);
    const status = MsgHdrsImpl.decode(nr.data!.subarray(0, nr.msg!.hdr));
    expect(status.hasError).toBe(true);
    expect(status.code).toBe(503);

    expect(td.decode(err.data)).toBe("'Maximum Payload Violation'");
  });
});
