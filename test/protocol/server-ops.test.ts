import { describe, expect, it } from "vitest";
import { Outbox } from "../../src/protocol/encoder.js";
import { readServerOps, ServerOpError, type ServerOpHandler } from "../../src/protocol/server-ops.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

function read(frame: Uint8Array): unknown[] {
  const ops: unknown[] = [];
  const h: ServerOpHandler = {
    msg: (subject, sid, reply, headers, payload) =>
      ops.push(["msg", subject, sid, reply, headers === null ? null : dec.decode(headers), dec.decode(payload)]),
    err: (text) => ops.push(["err", text]),
    ping: () => ops.push(["ping"]),
    pong: () => ops.push(["pong"]),
  };
  readServerOps(frame, h);
  return ops;
}

describe("reading what the server writes", () => {
  it("reads every op the encoder writes, in order", () => {
    const o = new Outbox();
    o.info('{"server_id":"x"}');
    o.ok();
    o.msg(enc.encode("a.b"), enc.encode("1"), null, -1, enc.encode("hello\r\nworld"));
    o.msg(enc.encode("a.c"), enc.encode("22"), enc.encode("_INBOX.r"), 12, enc.encode("NATS/1.0\r\n\r\nbody"));
    o.noResponders(enc.encode("_INBOX.r"), enc.encode("3"));
    o.err("Permissions Violation for Publish to \"x y\"");
    o.ping();
    o.pong();
    o.msg(enc.encode("empty"), enc.encode("4"), null, -1, new Uint8Array(0));
    expect(read(o.take())).toEqual([
      ["msg", "a.b", "1", null, null, "hello\r\nworld"],
      ["msg", "a.c", "22", "_INBOX.r", "NATS/1.0\r\n\r\n", "body"],
      ["msg", "_INBOX.r", "3", null, "NATS/1.0 503\r\n\r\n", ""],
      ["err", 'Permissions Violation for Publish to "x y"'],
      ["ping"],
      ["pong"],
      ["msg", "empty", "4", null, null, ""],
    ]);
  });

  it("keeps non-ASCII subjects as the broker keyed them", () => {
    const o = new Outbox();
    o.msg(enc.encode("ü.日本"), enc.encode("1"), null, -1, enc.encode("x"));
    expect(read(o.take())).toEqual([["msg", "ü.日本", "1", null, null, "x"]]);
  });

  it("throws on what no server writes", () => {
    expect(() => read(enc.encode("BOGUS\r\n"))).toThrow(ServerOpError);
    expect(() => read(enc.encode("MSG a 1 10\r\nshort\r\n"))).toThrow(ServerOpError);
    expect(() => read(enc.encode("PING"))).toThrow(ServerOpError);
  });
});
