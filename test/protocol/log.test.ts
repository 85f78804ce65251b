import { describe, expect, it } from "vitest";
import { Outbox } from "../../src/protocol/encoder.js";
import { errorFields, formatLine, redactSecrets } from "../../src/protocol/log.js";
import { inOp, outOps, payload, TRACED_PAYLOAD } from "../../src/protocol/trace.js";

const enc = new TextEncoder();

describe("a log line", () => {
  it("is one JSON object: time, level, msg, then the fields, undefined ones left out", () => {
    const line = formatLine(Date.UTC(2026, 0, 2, 3, 4, 5, 6), "info", "Slow Consumer Detected", { shard: 3 }, { cid: 7, name: undefined });
    expect(line).toBe('{"time":"2026-01-02T03:04:05.006Z","level":"info","msg":"Slow Consumer Detected","shard":3,"cid":7}');
    expect(line.includes("\n")).toBe(false);
  });

  it("carries an exception's message and stack without the secrets in them", () => {
    const f = errorFields(new TypeError('bad CONNECT {"pass":"hunter2"}'));
    expect(f.error).toBe('TypeError: bad CONNECT {"pass":"[REDACTED]"}');
    expect(f.stack).toContain("[REDACTED]");
    expect(f.stack).not.toContain("hunter2");
    expect(errorFields("thrown text")).toEqual({ error: "thrown text" });
  });
});

describe("secrets", () => {
  const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJBQkMifQ.c2lnbmF0dXJl";
  const seed = "SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4GY";

  it("are taken out of CONNECT, whatever the password holds", () => {
    const connect = JSON.stringify({ user: "alice", pass: 'a "quoted", spaced } secret', auth_token: "t0k", jwt, sig: "c2ln", nkey: "UABC", name: "app" });
    const out = redactSecrets(connect);
    expect(out).not.toMatch(/quoted|spaced|secret|t0k|c2ln|eyJ/);
    expect(JSON.parse(out)).toEqual({ user: "alice", pass: "[REDACTED]", auth_token: "[REDACTED]", jwt: "[REDACTED]", sig: "[REDACTED]", nkey: "UABC", name: "app" });
  });

  it("are taken out of any text: key=value pairs, JWTs and nkey seeds wherever they appear", () => {
    expect(redactSecrets("password=hunter2 user=bob")).toBe("password=[REDACTED] user=bob");
    expect(redactSecrets(`user JWT not valid: ${jwt}`)).toBe("user JWT not valid: [REDACTED]");
    expect(redactSecrets(`seed ${seed} leaked`)).toBe("seed [REDACTED] leaked");
    // A CONNECT cut short in a parser snippet.
    expect(redactSecrets(`Unknown Protocol Operation: 'CONECT {"pass":"hun'`)).toBe(`Unknown Protocol Operation: 'CONECT {"pass":"[REDACTED]`);
    // What is no secret stays.
    expect(redactSecrets('unknown user "bob"')).toBe('unknown user "bob"');
    expect(redactSecrets("unknown nkey UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4")).toContain("UDXU4RCS");
  });
});

describe("the protocol trace, in nats-server's words", () => {
  it("shows an op a client sent as <<- [OP args]", () => {
    expect(inOp("PUB", enc.encode("foo"), null, 5)).toBe("<<- [PUB foo 5]");
    expect(inOp("HPUB", enc.encode("foo"), enc.encode("_INBOX.1"), 12, 17)).toBe("<<- [HPUB foo _INBOX.1 12 17]");
    expect(inOp("SUB", enc.encode("foo.*"), enc.encode("q"), enc.encode("1"))).toBe("<<- [SUB foo.* q 1]");
    expect(inOp("PING")).toBe("<<- [PING]");
    expect(inOp("CONNECT", enc.encode('{"user":"a","pass":"b c"}'))).toBe('<<- [CONNECT {"user":"a","pass":"[REDACTED]"}]');
  });

  it("shows a payload quoted, cut at TRACED_PAYLOAD bytes, and no line for an empty one", () => {
    expect(payload(enc.encode('say "hi"\r\n'), false)).toBe('<<- MSG_PAYLOAD: ["say \\"hi\\"\\r\\n"]');
    const long = payload(new Uint8Array(TRACED_PAYLOAD + 10).fill(120), true)!;
    expect(long).toBe(`->> MSG_PAYLOAD: ["${"x".repeat(TRACED_PAYLOAD)}..."]`);
    expect(payload(new Uint8Array(0), false)).toBeNull();
  });

  it("shows each op of a frame sent as ->> [OP args], payloads after their MSG", () => {
    const o = new Outbox();
    o.ok();
    o.msg(enc.encode("a.b"), enc.encode("1"), null, -1, enc.encode("hello\r\nworld"));
    o.msg(enc.encode("a.c"), enc.encode("2"), enc.encode("r"), 12, enc.encode("NATS/1.0\r\n\r\nbody"));
    o.err("Invalid Subject");
    o.ping();
    o.pong();
    const lines: string[] = [];
    outOps(o.take(), (l) => lines.push(l));
    expect(lines).toEqual([
      "->> [OK]",
      "->> [MSG a.b 1 12]",
      '->> MSG_PAYLOAD: ["hello\\r\\nworld"]',
      "->> [HMSG a.c 2 r 12 16]",
      '->> MSG_PAYLOAD: ["NATS/1.0\\r\\n\\r\\nbody"]',
      "->> [-ERR 'Invalid Subject']",
      "->> [PING]",
      "->> [PONG]",
    ]);
  });
});
