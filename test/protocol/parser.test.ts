import { describe, expect, it } from "vitest";
import { CLOSE, ERR } from "../../src/protocol/errors";
import { Parser, type ParserHandler, type ParserLimits } from "../../src/protocol/parser";
import { mulberry32 } from "./random";

// In the manner of nats-server's server/parser_test.go: every op on its own, then the
// same transcript fed whole, byte by byte, split at every index, with the input
// overwritten after each feed ("clobber"), and finally fuzzed.

type Event = readonly unknown[];

const SMALL: ParserLimits = { maxControlLine: 64, maxPayload: 128 };

/** Bytes as a string, one char per byte, so views are copied the moment they arrive. */
function str(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** A handler that copies everything it is handed (views are valid only during the call). */
function recorder(): { handler: ParserHandler; events: Event[] } {
  const events: Event[] = [];
  const handler: ParserHandler = {
    connect: (json) => events.push(["connect", str(json)]),
    pub: (m) => events.push(["pub", str(m.subject), m.reply && str(m.reply), m.headerSize, str(m.data)]),
    sub: (subject, queue, sid) => events.push(["sub", str(subject), queue && str(queue), str(sid)]),
    unsub: (sid, max) => events.push(["unsub", str(sid), max]),
    ping: () => events.push(["ping"]),
    pong: () => events.push(["pong"]),
    error: (err) => events.push(["error", err.text, err.close]),
  };
  return { handler, events };
}

/** Feeds each chunk as its own fresh buffer; with `clobber`, overwrites it right after. */
function run(chunks: readonly Uint8Array[], limits?: ParserLimits, clobber = false): Event[] {
  const { handler, events } = recorder();
  const p = new Parser(handler, limits);
  for (const c of chunks) {
    const buf = c.slice();
    p.feed(buf);
    if (clobber) buf.fill(0x58);
  }
  return events;
}

function parse(s: string, limits?: ParserLimits): Event[] {
  return run([bytes(s)], limits);
}

function splitAt(b: Uint8Array, ...at: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const i of at) {
    out.push(b.subarray(prev, i));
    prev = i;
  }
  out.push(b.subarray(prev));
  return out;
}

function byteByByte(b: Uint8Array): Uint8Array[] {
  return Array.from(b, (_, i) => b.subarray(i, i + 1));
}

describe("parser: single ops", () => {
  it("CONNECT hands over the JSON bytes", () => {
    const json = '{"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"protocol":1}';
    expect(parse(`CONNECT ${json}\r\n`)).toEqual([["connect", json]]);
  });

  it("PUB without and with reply", () => {
    expect(parse("PUB foo 5\r\nhello\r\n")).toEqual([["pub", "foo", null, -1, "hello"]]);
    expect(parse("PUB foo.bar _INBOX.x 5\r\nhello\r\n")).toEqual([["pub", "foo.bar", "_INBOX.x", -1, "hello"]]);
  });

  it("HPUB without and with reply: headerSize, and the message holds the header block", () => {
    const hdr = "NATS/1.0\r\nA: B\r\n\r\n"; // 18 bytes
    const msg = hdr + "hello";
    expect(hdr.length).toBe(18);
    expect(parse(`HPUB foo 18 23\r\n${msg}\r\n`)).toEqual([["pub", "foo", null, 18, msg]]);
    expect(parse(`HPUB foo reply.to 18 23\r\n${msg}\r\n`)).toEqual([["pub", "foo", "reply.to", 18, msg]]);
    // headers only
    expect(parse(`HPUB foo 18 18\r\n${hdr}\r\n`)).toEqual([["pub", "foo", null, 18, hdr]]);
  });

  it("SUB without and with queue", () => {
    expect(parse("SUB foo 1\r\n")).toEqual([["sub", "foo", null, "1"]]);
    expect(parse("SUB foo.* workers 22\r\n")).toEqual([["sub", "foo.*", "workers", "22"]]);
  });

  it("UNSUB without and with max", () => {
    expect(parse("UNSUB 1\r\n")).toEqual([["unsub", "1", -1]]);
    expect(parse("UNSUB 7 10\r\n")).toEqual([["unsub", "7", 10]]);
    expect(parse("UNSUB 7 0\r\n")).toEqual([["unsub", "7", 0]]);
  });

  it("PING and PONG", () => {
    expect(parse("PING\r\n")).toEqual([["ping"]]);
    expect(parse("PONG\r\n")).toEqual([["pong"]]);
  });

  it("verbs are case-insensitive", () => {
    expect(parse("pub foo 2\r\nhi\r\n")).toEqual([["pub", "foo", null, -1, "hi"]]);
    expect(parse("PuB foo 2\r\nhi\r\n")).toEqual([["pub", "foo", null, -1, "hi"]]);
    expect(parse("ping\r\npOnG\r\n")).toEqual([["ping"], ["pong"]]);
    expect(parse("sub a 1\r\nUnSuB 1\r\nhpub a 0 0\r\n\r\nconnect {}\r\n")).toEqual([
      ["sub", "a", null, "1"],
      ["unsub", "1", -1],
      ["pub", "a", null, 0, ""],
      ["connect", "{}"],
    ]);
    // Arguments keep their case.
    expect(parse("SUB Foo.BAR Q 1\r\n")).toEqual([["sub", "Foo.BAR", "Q", "1"]]);
  });

  it("tabs and runs of spaces separate arguments", () => {
    expect(parse("PUB\tfoo\t\t5\r\nhello\r\n")).toEqual([["pub", "foo", null, -1, "hello"]]);
    expect(parse("PUB   foo  \t bar   5\r\nhello\r\n")).toEqual([["pub", "foo", "bar", -1, "hello"]]);
    expect(parse("SUB \t foo \t q \t 9 \t\r\n")).toEqual([["sub", "foo", "q", "9"]]);
    expect(parse("UNSUB  1   5\r\n")).toEqual([["unsub", "1", 5]]);
    expect(parse("HPUB  foo\t r  2 \t 3\r\nabc\r\n")).toEqual([["pub", "foo", "r", 2, "abc"]]);
  });

  it("'\\n' alone ends a control line", () => {
    expect(parse("PUB foo 5\nhello\r\n")).toEqual([["pub", "foo", null, -1, "hello"]]);
    expect(parse("SUB foo 1\nUNSUB 1\nPING\nPONG\nCONNECT {}\n")).toEqual([
      ["sub", "foo", null, "1"],
      ["unsub", "1", -1],
      ["ping"],
      ["pong"],
      ["connect", "{}"],
    ]);
  });

  it("a zero-length payload", () => {
    expect(parse("PUB foo 0\r\n\r\n")).toEqual([["pub", "foo", null, -1, ""]]);
    expect(parse("PUB foo r 0\r\n\r\nPING\r\n")).toEqual([["pub", "foo", "r", -1, ""], ["ping"]]);
  });

  it("a payload may contain CRLF and anything else: only its size counts", () => {
    expect(parse("PUB foo 13\r\nPING\r\nPUB x\r\n\r\n")).toEqual([["pub", "foo", null, -1, "PING\r\nPUB x\r\n"]]);
    const bin = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    expect(parse(`PUB bin 256\r\n${bin}\r\n`)).toEqual([["pub", "bin", null, -1, bin]]);
  });

  it("many ops in one buffer", () => {
    expect(parse("PING\r\nSUB a 1\r\nPUB a 1\r\nx\r\nPUB a 2\r\nyz\r\nPONG\r\nUNSUB 1\r\n")).toEqual([
      ["ping"],
      ["sub", "a", null, "1"],
      ["pub", "a", null, -1, "x"],
      ["pub", "a", null, -1, "yz"],
      ["pong"],
      ["unsub", "1", -1],
    ]);
  });

  it("as nats-server: PING/PONG ignore the rest of their line, CONNECT needs no space", () => {
    expect(parse("PINGX\r\nPONG foo\r\nping \t\r\n")).toEqual([["ping"], ["pong"], ["ping"]]);
    expect(parse("CONNECT{}\r\n")).toEqual([["connect", "{}"]]);
    expect(parse("CONNECT \t {}\r\n")).toEqual([["connect", "{}"]]);
  });

  it("a client's INFO and +OK are ignored; INFO must still be a JSON object", () => {
    expect(parse('INFO {"server_id":"x"}\r\n+OK\r\n+ok\nPING\r\n')).toEqual([["ping"]]);
    expect(parse("INFO nope\r\nPING\r\n")).toEqual([["error", null, CLOSE.protocolViolation]]);
  });

  it("a client's -ERR closes the connection ('Parse Error'), without an -ERR back", () => {
    expect(parse("-ERR 'oops'\r\nPING\r\n")).toEqual([["error", null, CLOSE.parseError]]);
  });

  it("whole feeds take shortcuts (PUB verb, payload and CRLF at once); they end where byte by byte ends", () => {
    const cases = [
      "PUB foo 1\r\nx\r\nPING\r\n",
      "pUb\tfoo 1\r\nx\r\n",
      "PUBX foo 1\r\nx\r\n",
      "PUB",
      "PUB foo 1\r\nx",
      "PUB foo 1\r\nx\r",
      "PUB foo 1\r\nxy\r\n",
      "PUB foo 1\r\nx\n",
      "PUB foo 1\r\nx\rX",
      "PUBLISH foo 1\r\nx\r\n",
    ];
    for (const c of cases) expect(run([bytes(c)]), c).toEqual(run(byteByByte(bytes(c))));
    expect(parse("PUBX foo 1\r\nx\r\n")).toEqual([["error", ERR.unknownOp, CLOSE.protocolViolation]]);
    expect(parse("PUB foo 1\r\nxy\r\n")).toEqual([["error", ERR.unknownOp, CLOSE.protocolViolation]]);
  });

  it("reports when it is dead", () => {
    const p = new Parser(recorder().handler);
    p.feed(bytes("PUB foo 5\r\nhel"));
    p.feed(bytes("lo\r\n"));
    expect(p.dead).toBe(false);
    p.feed(bytes("FOO\r\n"));
    expect(p.dead).toBe(true);
  });
});

// A transcript touching every state: all verbs in mixed case, headers, replies,
// queues, tabs, bare '\n', empty and CRLF-laden payloads, a payload longer than the
// control line limit, and a control line of exactly the limit.
function transcript(): Uint8Array {
  const big = Array.from({ length: 120 }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join("");
  const hdr = "NATS/1.0\r\nKey: Value\r\n\r\n"; // 24 bytes
  const subj64 = "a".repeat(58); // "PUB " + 58 + " 1" → control line "aaa… 1" of 60 bytes
  const exact = "s".repeat(64 - " 99".length); // SUB line of exactly 64 bytes
  const parts = [
    'CONNECT {"verbose":false,"headers":true,"name":"t"}\r\n',
    "PING\r\n",
    "SUB foo 1\r\n",
    "SUB\tbar.*\tq\t2\r\n",
    "sub  baz.>   3\n",
    "PUB foo 5\r\nhello\r\n",
    "PUB foo _INBOX.1 0\r\n\r\n",
    "pub foo 9\r\na\r\nb\r\nc\r\n\r\n",
    `HPUB foo ${hdr.length} ${hdr.length + 5}\r\n${hdr}world\r\n`,
    `hpub bar.x _INBOX.2 ${hdr.length} ${hdr.length}\r\n${hdr}\r\n`,
    `PUB big ${big.length}\r\n${big}\r\n`,
    `PUB ${subj64} 1\r\n!\r\n`,
    `SUB ${exact} 99\r\n`,
    "+OK\r\n",
    'INFO\t{"a":1}\r\n',
    "UNSUB 1\r\n",
    "UNSUB 2 100\r\n",
    "PONG\r\n",
    "PuB end 3\r\nEND\r\n",
    "ping\n",
  ];
  return bytes(parts.join(""));
}

describe("parser: feeding", () => {
  const t = transcript();
  const expected = run([t], SMALL);

  it("the transcript parses whole, without errors", () => {
    expect(expected.length).toBe(18);
    expect(expected.some((e) => e[0] === "error")).toBe(false);
    expect(expected[0]).toEqual(["connect", '{"verbose":false,"headers":true,"name":"t"}']);
    expect(expected[12]).toEqual(["sub", "s".repeat(61), null, "99"]);
    expect(expected.at(-1)).toEqual(["ping"]);
  });

  it("byte by byte gives the same events", () => {
    expect(run(byteByByte(t), SMALL)).toEqual(expected);
    expect(run(byteByByte(t), SMALL, true)).toEqual(expected);
  });

  it("split at every index gives the same events", () => {
    for (let i = 0; i <= t.length; i++) {
      const got = run(splitAt(t, i), SMALL);
      if (JSON.stringify(got) !== JSON.stringify(expected)) expect({ split: i, got }).toEqual({ split: i, got: expected });
    }
  });

  it("split at every pair of indexes in the first part gives the same events", () => {
    const head = t.subarray(0, 260);
    const exp = run([head], SMALL);
    for (let i = 0; i <= head.length; i++) {
      for (let j = i; j <= head.length; j++) {
        const got = run(splitAt(head, i, j), SMALL, true);
        if (JSON.stringify(got) !== JSON.stringify(exp)) expect({ split: [i, j], got }).toEqual({ split: [i, j], got: exp });
      }
    }
  });

  it("clobber: overwriting each fed buffer afterwards changes nothing", () => {
    for (let i = 0; i <= t.length; i++) {
      const got = run(splitAt(t, i), SMALL, true);
      if (JSON.stringify(got) !== JSON.stringify(expected)) expect({ split: i, got }).toEqual({ split: i, got: expected });
    }
  });

  it("clobber: an op straddling feeds keeps its bytes (subject, reply, header, payload)", () => {
    const s = "HPUB subj.x reply.y 12 17\r\nNATS/1.0\r\n\r\nhello\r\n";
    const exp = [["pub", "subj.x", "reply.y", 12, "NATS/1.0\r\n\r\nhello"]];
    // Every cut inside the op, including right after the control line and inside the CRLF.
    for (let i = 1; i < s.length; i++) {
      expect(run(splitAt(bytes(s), i), SMALL, true)).toEqual(exp);
    }
    expect(run(byteByByte(bytes(s)), SMALL, true)).toEqual(exp);
  });

  it("tailOf: a fresh parser fed the unfinished op's bytes carries on where the old one stopped", () => {
    for (let i = 0; i <= t.length; i++) {
      const [a, b] = splitAt(t, i);
      const first = recorder();
      const p = new Parser(first.handler, SMALL);
      const bufA = a.slice();
      p.feed(bufA);
      const rest: Uint8Array[] = [b];
      if (p.midOp) {
        const tail = p.tailOf(bufA);
        expect(tail, `split ${i}`).not.toBeNull();
        rest.unshift(tail!.slice());
      }
      bufA.fill(0x58);
      const got = [...first.events, ...run(rest, SMALL, true)];
      if (JSON.stringify(got) !== JSON.stringify(expected)) expect({ split: i, got }).toEqual({ split: i, got: expected });
    }
  });

  it("views handed out within one feed are not written by the parser", () => {
    // The parser must only read its input: record the raw views and compare them with
    // the copies once the whole feed is done (all ops complete inside the one buffer).
    const raw: Uint8Array[] = [];
    const copies: string[] = [];
    const keep = (v: Uint8Array | null) => {
      if (v) {
        raw.push(v);
        copies.push(str(v));
      }
    };
    const p = new Parser(
      {
        connect: keep,
        pub: (m) => [m.subject, m.reply, m.data].forEach(keep),
        sub: (s, q, id) => [s, q, id].forEach(keep),
        unsub: (id) => keep(id),
        ping: () => {},
        pong: () => {},
        error: () => {
          throw new Error("unexpected error");
        },
      },
      SMALL,
    );
    const buf = t.slice();
    p.feed(buf);
    expect(raw.map(str)).toEqual(copies);
    expect(buf).toEqual(t);
  });
});

/** Feeds `s` (in the given chunks) and returns the events. */
function errorCase(chunks: string[], limits: ParserLimits = SMALL): Event[] {
  return run(chunks.map(bytes), limits);
}

describe("parser: errors", () => {
  const unknown = ["error", ERR.unknownOp, CLOSE.protocolViolation];
  const argErr = ["error", null, CLOSE.protocolViolation];
  const tooLong = ["error", ERR.maxControlLine, CLOSE.maxControlLine];
  const tooBig = ["error", ERR.maxPayload, CLOSE.maxPayload];

  it("an unknown verb is 'Unknown Protocol Operation', closing, and nothing follows", () => {
    for (const bad of ["FOO\r\n", "PX", "PIX", "PONX", "SUBX foo 1\r\n", "PUBLISH foo 1\r\n", "HPUBX", "UNSUBSCRIBE 1\r\n", "X", "\x00", "\xff", " PING\r\n", "+NO\r\n", "-OK\r\n"]) {
      expect(errorCase([bad, "PING\r\n", "SUB a 1\r\n"]), bad).toEqual([unknown]);
    }
    // After good ops, the bad one ends the stream.
    expect(errorCase(["PING\r\nSUB a 1\r\nFOO\r\nPING\r\n", "PONG\r\n"])).toEqual([["ping"], ["sub", "a", null, "1"], unknown]);
  });

  it("a blank line is an unknown operation, as in nats-server", () => {
    expect(errorCase(["\r\n"])).toEqual([unknown]);
    expect(errorCase(["PING\r\n\r\nPING\r\n"])).toEqual([["ping"], unknown]);
    expect(errorCase(["PUB a 1\r\nx\r\n\n"])).toEqual([["pub", "a", null, -1, "x"], unknown]);
  });

  it("a verb needing arguments but ending the line is an unknown operation", () => {
    expect(errorCase(["PUB\r\n"])).toEqual([unknown]);
    expect(errorCase(["SUB\n"])).toEqual([unknown]);
  });

  it("after an error the parser stays dead, whatever is fed", () => {
    const { handler, events } = recorder();
    const p = new Parser(handler, SMALL);
    p.feed(bytes("PX"));
    expect(p.dead).toBe(true);
    p.feed(bytes("PING\r\n"));
    p.feed(bytes("PUB foo 1\r\nx\r\n"));
    p.feed(new Uint8Array(0));
    expect(events).toEqual([unknown]);
  });

  it("a control line over the limit, arriving whole", () => {
    const long = "x".repeat(65);
    expect(errorCase([`SUB ${long} 1\r\n`])).toEqual([tooLong]);
    expect(errorCase([`PUB ${long} 1\r\n`])).toEqual([tooLong]);
    expect(errorCase([`CONNECT {"a":"${long}"}\r\n`])).toEqual([tooLong]);
    // Exactly the limit (CR not counted) is fine, whole or with the CR and LF cut apart.
    const exact = `SUB ${"x".repeat(64 - 2)} 1`;
    const exp = [["sub", "x".repeat(62), null, "1"]];
    expect(errorCase([`${exact}\r\n`])).toEqual(exp);
    expect(errorCase([`${exact}\r`, "\n"])).toEqual(exp);
    expect(errorCase([exact.slice(0, 20), `${exact.slice(20)}\r`, "\n"])).toEqual(exp);
    expect(errorCase([exact.slice(0, 20), exact.slice(20), "\r\n"])).toEqual(exp);
    // One more byte is not.
    expect(errorCase([`SUB ${"x".repeat(63)} 1\r\n`])).toEqual([tooLong]);
    expect(errorCase([`SUB ${"x".repeat(63)} 1\r`, "\n"])).toEqual([tooLong]);
  });

  it("a control line over the limit, in pieces without a newline: the error comes as the limit is passed", () => {
    const { handler, events } = recorder();
    const p = new Parser(handler, SMALL);
    p.feed(bytes("SUB "));
    for (let i = 0; i < 64; i++) {
      p.feed(bytes("y"));
      expect(events).toEqual([]);
    }
    p.feed(bytes("y")); // 65 bytes of arguments, no newline yet
    expect(events).toEqual([tooLong]);
    p.feed(bytes(" 1\r\nPING\r\n"));
    expect(events).toEqual([tooLong]);

    // One big chunk without a newline.
    expect(errorCase([`PUB ${"z".repeat(100)}`])).toEqual([tooLong]);
    // Two chunks each under the limit but together over it.
    expect(errorCase([`PUB ${"z".repeat(40)}`, "z".repeat(40)])).toEqual([tooLong]);
    // The limit plus a CR waits for its LF; anything else after the CR is over the limit.
    expect(errorCase([`SUB ${"z".repeat(62)} 1\r`])).toEqual([]);
    expect(errorCase([`SUB ${"z".repeat(62)} 1\r`, "x"])).toEqual([tooLong]);
    expect(errorCase([`SUB ${"z".repeat(63)} 1`])).toEqual([tooLong]);
  });

  it("a payload over the limit is 'Maximum Payload Violation', before any payload byte arrives", () => {
    const { handler, events } = recorder();
    const p = new Parser(handler, SMALL);
    p.feed(bytes("PUB foo 129\r\n"));
    expect(events).toEqual([tooBig]);
    p.feed(bytes("x".repeat(129) + "\r\n"));
    expect(events).toEqual([tooBig]);

    expect(errorCase(["HPUB foo 12 129\r\n"])).toEqual([tooBig]);
    expect(errorCase(["PUB foo r 999999999\r\n"])).toEqual([tooBig]);
    // At the limit is fine.
    expect(errorCase(["PUB foo 128\r\n", "x".repeat(128), "\r\n"])).toEqual([["pub", "foo", null, -1, "x".repeat(128)]]);
  });

  it("malformed arguments close without an -ERR text", () => {
    for (const bad of [
      "PUB foo 1234567890\r\n", // a size of more than 9 digits, as nats-server's parseSize
      "PUB foo 0000000002\r\n",
      "HPUB foo 1 1234567890\r\n",
      "PUB foo\r\n", // missing size
      "PUB \r\n",
      "PUB foo bar baz 5\r\n", // extra args
      "PUB a b c d e f 1\r\n", // far too many
      "PUB foo -1\r\n", // negative
      "PUB foo 5x\r\n", // non-numeric
      "PUB foo x\r\n",
      "PUB foo 1234567890123456\r\n", // absurdly long size
      "HPUB foo 5\r\n", // missing total
      "HPUB foo 6 5\r\n", // header larger than total
      "HPUB foo r 10 5\r\n",
      "HPUB foo a b 1 2\r\n",
      "HPUB foo x 5\r\n",
      "SUB foo\r\n",
      "SUB foo q 1 2\r\n",
      "UNSUB\t\r\n",
      "UNSUB 1 2 3\r\n",
      "INFO\r\n",
    ]) {
      expect(errorCase([bad, "PING\r\n"]), bad).toEqual([argErr]);
    }
  });

  it("an unreadable UNSUB maximum counts as none, as in nats-server", () => {
    expect(errorCase(["UNSUB 1 x\r\nUNSUB 2 -2\r\nUNSUB 3 99999999999999999\r\n"])).toEqual([
      ["unsub", "1", -1],
      ["unsub", "2", -1],
      ["unsub", "3", -1],
    ]);
  });

  it("a payload not followed by CRLF is 'Unknown Protocol Operation'", () => {
    expect(errorCase(["PUB foo 5\r\nhelloX\r\n", "PING\r\n"])).toEqual([unknown]);
    expect(errorCase(["PUB foo 5\r\nhello\rX", "PING\r\n"])).toEqual([unknown]);
    expect(errorCase(["PUB foo 5\r\nhello\n"])).toEqual([unknown]);
    expect(errorCase(["PUB foo 0\r\nX"])).toEqual([unknown]);
    // payload longer than declared
    expect(errorCase(["PUB foo 3\r\nhello\r\n"])).toEqual([unknown]);
    // split right after the payload
    expect(errorCase(["PUB foo 5\r\nhello", "\n"])).toEqual([unknown]);
  });

  it("the error detail names what went wrong", () => {
    const details: string[] = [];
    const p = new Parser({ ...recorder().handler, error: (e) => details.push(e.detail) }, SMALL);
    p.feed(bytes("PING\r\nFOO BAR\r\n"));
    expect(details).toHaveLength(1);
    expect(details[0]).toContain("'FOO BAR\\x0d\\x0a'");
  });
});

describe("parser: randomized garbage", () => {
  it("never throws, emits nothing after an error, and does not depend on how input is split", () => {
    const started = Date.now();
    const rnd = mulberry32(0x4e415453);
    const int = (n: number) => Math.floor(rnd() * n);
    const base = transcript();
    const seeds = [base, bytes("PUB foo 5\r\nhello\r\nHPUB a b 12 14\r\nNATS/1.0\r\n\r\nhi\r\nSUB a q 1\r\nUNSUB 1 2\r\nPING\r\n")];
    const vocab = bytes("PUBHSNCOTGXpubhsncotgx \t\r\n0123456789-.*>");

    const randomInput = (): Uint8Array => {
      const kind = int(5);
      if (kind === 0) {
        // random bytes
        const b = new Uint8Array(int(200));
        for (let i = 0; i < b.length; i++) b[i] = int(256);
        return b;
      }
      if (kind === 1) {
        // random protocol-ish characters
        const b = new Uint8Array(int(200));
        for (let i = 0; i < b.length; i++) b[i] = vocab[int(vocab.length)];
        return b;
      }
      // mutations of a valid transcript
      let b = Array.from(seeds[int(seeds.length)]);
      const edits = 1 + int(4);
      for (let e = 0; e < edits; e++) {
        const m = int(4);
        const at = int(b.length + 1);
        if (m === 0 && b.length > 0) b[Math.min(at, b.length - 1)] ^= 1 << int(8); // flip a bit
        else if (m === 1) b.splice(at, 0, ...Array.from({ length: 1 + int(8) }, () => (rnd() < 0.5 ? vocab[int(vocab.length)] : int(256))));
        else if (m === 2) b = b.slice(0, at); // truncate
        else b.splice(at, int(10)); // delete
      }
      return Uint8Array.from(b);
    };

    const randomSplits = (b: Uint8Array): Uint8Array[] => {
      const out: Uint8Array[] = [];
      let i = 0;
      while (i < b.length) {
        const n = rnd() < 0.3 ? 1 : 1 + int(40);
        out.push(b.subarray(i, i + n));
        i += n;
      }
      return out;
    };

    let errors = 0;
    for (let iter = 0; iter < 2000; iter++) {
      const input = randomInput();
      const whole = run([input], SMALL);
      const chunks = randomSplits(input);
      let split: Event[] = [];
      expect(() => {
        split = run(chunks, SMALL, true);
      }, `iteration ${iter}`).not.toThrow();
      const e = split.findIndex((ev) => ev[0] === "error");
      if (e >= 0) {
        errors++;
        expect(e, `iteration ${iter}: events after an error`).toBe(split.length - 1);
      }
      if (JSON.stringify(split) !== JSON.stringify(whole)) {
        expect({ iter, input: str(input), split }).toEqual({ iter, input: str(input), split: whole });
      }
    }
    // The corpus does reach the error paths, and stays cheap.
    expect(errors).toBeGreaterThan(500);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe("leafnode connections", () => {
  function leafRun(text: string, chunks = 1): Event[] {
    const { handler, events } = recorder();
    const leaf = {
      ...handler,
      pub: (m: Parameters<ParserHandler["pub"]>[0]) =>
        events.push(["pub", str(m.subject), m.reply && str(m.reply), m.namedGroups?.map(str) ?? null, m.headerSize, str(m.data)]),
      leafSub: (s: Uint8Array, q: Uint8Array | null, w: number) => events.push(["ls+", str(s), q && str(q), w]),
      leafUnsub: (s: Uint8Array, q: Uint8Array | null) => events.push(["ls-", str(s), q && str(q)]),
      info: (json: Uint8Array) => events.push(["info", str(json)]),
      peerError: (text: string) => events.push(["-err", text]),
    };
    const p = new Parser(leaf, SMALL, leaf);
    const b = bytes(text);
    const step = Math.max(1, Math.ceil(b.length / chunks));
    for (let i = 0; i < b.length; i += step) {
      const part = b.slice(i, i + step);
      p.feed(part);
      part.fill(0x58);
    }
    return events;
  }

  const transcript =
    "LS+ foo.*\r\nLS+ q.x workers 3\r\nLS- foo.*\r\nLS- q.x workers\r\n" +
    "LMSG a.b 2\r\nhi\r\nLMSG a.b _INBOX.1 2\r\nhi\r\nLMSG a.b + _INBOX.2 g1 g2 2\r\nhi\r\nLMSG a.b | g1 0\r\n\r\n" +
    "HMSG a.b 12 14\r\nNATS/1.0\r\n\r\nhi\r\nHMSG a.b | g 12 12\r\nNATS/1.0\r\n\r\n\r\nPING\r\n";
  const expected: Event[] = [
    ["ls+", "foo.*", null, 1],
    ["ls+", "q.x", "workers", 3],
    ["ls-", "foo.*", null],
    ["ls-", "q.x", "workers"],
    ["pub", "a.b", null, null, -1, "hi"],
    ["pub", "a.b", "_INBOX.1", null, -1, "hi"],
    ["pub", "a.b", "_INBOX.2", ["g1", "g2"], -1, "hi"],
    ["pub", "a.b", null, ["g1"], -1, ""],
    ["pub", "a.b", null, null, 12, "NATS/1.0\r\n\r\nhi"],
    ["pub", "a.b", null, ["g"], 12, "NATS/1.0\r\n\r\n"],
    ["ping"],
  ];

  it("reads LS+, LS- and LMSG/HMSG with replies and queue groups, however the bytes are split", () => {
    for (const chunks of [1, 3, 17, transcript.length]) expect(leafRun(transcript, chunks)).toEqual(expected);
  });

  it("refuses client ops and malformed leaf ops as nats-server does", () => {
    expect(leafRun("SUB a 1\r\n")).toEqual([["error", ERR.unknownOp, CLOSE.protocolViolation]]);
    expect(leafRun("LS+ a q\r\n")).toEqual([["error", null, CLOSE.protocolViolation]]);
    expect(leafRun("LMSG a ? g 2\r\nhi\r\n")).toEqual([["error", null, CLOSE.protocolViolation]]);
    expect(leafRun("LMSG a 200\r\n")).toEqual([["error", ERR.maxPayload, CLOSE.maxPayload]]);
    expect(leafRun("LX\r\n")).toEqual([["error", ERR.unknownOp, CLOSE.protocolViolation]]);
    // A peer's -ERR is reported and the connection goes on, as nats-server's leafnodes do.
    expect(leafRun("-ERR 'maximum subscriptions exceeded'\r\nPING\r\n")).toEqual([["-err", "'maximum subscriptions exceeded'"], ["ping"]]);
  });
});
