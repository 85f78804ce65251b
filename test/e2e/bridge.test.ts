// The HTTP bridge, as a user with curl or fetch sees it, with the official client
// on the other side: POST /pub, POST /request (first reply, 503 without
// responders, 504 on timeout), GET /sub as Server-Sent Events, and the errors a
// NATS client would get, as JSON.
import { headers as natsHeaders } from "@nats-io/nats-core";
import { afterEach, describe, expect, it } from "vitest";
import { httpBase, StreamReader } from "./http.js";
import { brokerShards, brokerUrl, Clients, collect, delay, listen, MAX_PAYLOAD, regionDelayMs, uniq, waitUntil } from "./util.js";

const clients = new Clients();
const base = httpBase(brokerUrl());
const readers: StreamReader[] = [];
afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await clients.closeAll();
});

/** Spreads bridged calls over the shards, as connections are. */
let turn = 0;
function at(path: string): string {
  const shards = brokerShards();
  if (shards <= 1) return `${base}${path}`;
  return `${base}${path}${path.includes("?") ? "&" : "?"}shard=${turn++ % shards}`;
}

async function sse(path: string, init: RequestInit = {}): Promise<StreamReader> {
  const r = await StreamReader.open(at(path), init);
  readers.push(r);
  return r;
}

describe("POST /pub", () => {
  it("delivers the body, headers and reply subject to a NATS subscriber", async () => {
    const nc = await clients.connect();
    const subject = uniq("pub");
    const sub = nc.subscribe(subject, { max: 1 });
    await nc.flush();
    const res = await fetch(at(`/pub/${subject}?reply=answers.here`), {
      method: "POST",
      body: "hello from http",
      headers: { "Nats-Header-X-Trace": "abc", "nats-header-content-type": "text/plain" },
    });
    expect(res.status).toBe(204);
    const [m] = await collect(sub, 1);
    expect(m.string()).toBe("hello from http");
    expect(m.reply).toBe("answers.here");
    expect(m.headers?.get("X-Trace")).toBe("abc");
    expect(m.headers?.get("Content-Type")).toBe("text/plain");
  });

  it("carries binary bodies and the empty body unchanged", async () => {
    const nc = await clients.connect();
    const subject = uniq("bin");
    const sub = nc.subscribe(subject, { max: 2 });
    await nc.flush();
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    expect((await fetch(at(`/pub/${subject}`), { method: "POST", body: bytes })).status).toBe(204);
    expect((await fetch(at(`/pub/${subject}`), { method: "POST" })).status).toBe(204);
    const [a, b] = await collect(sub, 2);
    expect(Array.from(a.data)).toEqual(Array.from(bytes));
    expect(b.data.length).toBe(0);
  });

  it("answers a call it refuses before reading its large body, instead of resetting the connection", async () => {
    // A subject that is not valid percent-encoding is refused before the body is looked at.
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${base}/pub/bad%E0%A4%A`, { method: "POST", body: new Uint8Array(16 * 1024 * 1024) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain("not valid percent-encoding");
    }
  });

  it("refuses invalid subjects, wildcards, bad headers and oversized bodies with JSON errors", async () => {
    const cases: [string, RequestInit, number, string][] = [
      ["/pub/orders..new", {}, 400, "Invalid Publish Subject"],
      ["/pub/orders.*", {}, 400, "Invalid Publish Subject"],
      ["/pub/a%20b", {}, 400, "Invalid Publish Subject"],
      ["/pub/", {}, 400, "Invalid Publish Subject"],
      ["/pub/a%zz", {}, 400, "the subject in the path is not valid percent-encoding"],
      ["/pub/ok?reply=bad.*", {}, 400, "Invalid Publish Subject"],
      ["/pub/ok", { body: new Uint8Array(MAX_PAYLOAD + 1) }, 413, "Maximum Payload Violation"],
      ["/pub/ok?shard=x", {}, 400, "shard must be a whole number"],
    ];
    for (const [path, init, status, text] of cases) {
      const res = await fetch(`${base}${path}`, { method: "POST", ...init });
      expect(res.status, path).toBe(status);
      expect(res.headers.get("content-type"), path).toContain("application/json");
      expect(((await res.json()) as { error: string }).error, path).toContain(text);
    }
  });

  it("accepts a payload of exactly max_payload", async () => {
    const nc = await clients.connect();
    const subject = uniq("big");
    const sub = nc.subscribe(subject, { max: 1 });
    await nc.flush();
    const res = await fetch(at(`/pub/${subject}`), { method: "POST", body: new Uint8Array(MAX_PAYLOAD) });
    expect(res.status).toBe(204);
    const [m] = await collect(sub, 1);
    expect(m.data.length).toBe(MAX_PAYLOAD);
  });
});

describe("POST /request", () => {
  it("returns the first reply's payload and headers", async () => {
    const nc = await clients.connect();
    const subject = uniq("svc");
    nc.subscribe(subject, {
      callback: (_, m) => {
        const h = natsHeaders();
        h.set("X-Answered-By", "responder");
        m.respond(`echo: ${m.string()} (${m.headers?.get("X-Question") ?? "-"})`, { headers: h });
      },
    });
    await nc.flush();
    const res = await fetch(at(`/request/${subject}?timeout=3000`), {
      method: "POST",
      body: "ping",
      headers: { "Nats-Header-X-Question": "why" },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("echo: ping (why)");
    expect(res.headers.get("nats-header-x-answered-by")).toBe("responder");
  });

  it("takes the first of several replies", async () => {
    const [a, b] = await Promise.all([clients.connect(), clients.connect()]);
    const subject = uniq("race");
    a.subscribe(subject, { callback: (_, m) => void m.respond("fast") });
    // Later than any path between regions could make the first: request, reply and a watch.
    b.subscribe(subject, { callback: (_, m) => void setTimeout(() => m.respond("slow"), 300 + 4 * regionDelayMs()) });
    await Promise.all([a.flush(), b.flush()]);
    const res = await fetch(at(`/request/${subject}`), { method: "POST", body: "x" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("fast");
  });

  it("answers 503 when nobody listens on the subject", async () => {
    const res = await fetch(at(`/request/${uniq("nobody")}`), { method: "POST", body: "x" });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/^No Responders/);
  });

  it("answers 504 when the responders stay silent", async () => {
    const nc = await clients.connect();
    const subject = uniq("silent");
    nc.subscribe(subject, { callback: () => {} });
    await nc.flush();
    const started = Date.now();
    const res = await fetch(at(`/request/${subject}?timeout=300`), { method: "POST", body: "x" });
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(((await res.json()) as { error: string }).error).toMatch(/^Timeout/);
  });

  it("refuses timeouts that are not whole milliseconds in range", async () => {
    for (const t of ["0", "-5", "abc", "60001", "1.5"]) {
      const res = await fetch(`${base}/request/x?timeout=${t}`, { method: "POST" });
      expect(res.status, t).toBe(400);
      expect(((await res.json()) as { error: string }).error, t).toContain("timeout");
    }
  });
});

describe("GET /sub (Server-Sent Events)", () => {
  it("streams messages in order, with subject, reply and headers", async () => {
    const subject = uniq("sse");
    const r = await sse(`/sub/${subject}`);
    expect(r.response.status).toBe(200);
    expect(r.response.headers.get("content-type")).toContain("text/event-stream");
    const nc = await clients.connect();
    const h = natsHeaders();
    h.set("X-Kind", "test");
    for (let i = 0; i < 20; i++) nc.publish(subject, `m${i}`, i === 0 ? { headers: h, reply: "back.here" } : {});
    await nc.flush();
    const got = await r.waitFor(20);
    expect(got.map((m) => m.data)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    expect(got[0]).toMatchObject({ subject, reply: "back.here", headers: { "X-Kind": ["test"] } });
    expect(r.events.map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
  });

  it("streams a busy subject from its first message on without a gap", async () => {
    // The publisher shares the stream's shard, so its messages match the new subscription
    // at once, while the owners are still acknowledging it and before the response starts.
    const subject = uniq("early");
    const shards = brokerShards();
    const pub = await clients.connect(shards > 1 ? { servers: `${brokerUrl()}/?shard=0` } : {});
    let n = 0;
    let publishing = true;
    const pump = (async () => {
      while (publishing) {
        for (let k = 0; k < 20; k++) pub.publish(subject, String(n++));
        await pub.flush();
      }
    })();
    const r = await sse(`/sub/${subject}${shards > 1 ? "?shard=0" : ""}`);
    await delay(200);
    publishing = false;
    await pump;
    const last = n - 1;
    await waitUntil(() => r.messages.at(-1)?.data === String(last), 10_000, () => `message ${last} (got ${r.messages.at(-1)?.data})`);
    const got = r.messages.map((m) => Number(m.data));
    // Whatever the first streamed message is, every later one follows without a gap.
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => got[0] + i));
  });

  it("matches wildcards and base64-encodes payloads that are not UTF-8", async () => {
    const root = uniq("wild");
    const r = await sse(`/sub/${root}.>`);
    const nc = await clients.connect();
    nc.publish(`${root}.a.b`, "text");
    nc.publish(`${root}.c`, new Uint8Array([0xff, 0x00, 0xfe]));
    await nc.flush();
    const got = await r.waitFor(2);
    expect(got[0]).toMatchObject({ subject: `${root}.a.b`, data: "text" });
    expect(got[1]).toMatchObject({ subject: `${root}.c`, data_base64: "/wD+" });
  });

  it("shares a queue group with NATS subscribers: each message once", async () => {
    const subject = uniq("q");
    const [r1, r2] = [await sse(`/sub/${subject}?queue=workers`), await sse(`/sub/${subject}?queue=workers`)];
    const nc = await clients.connect();
    const member = listen(nc, subject, { queue: "workers" });
    await nc.flush();
    const pub = await clients.connect();
    for (let i = 0; i < 300; i++) pub.publish(subject, String(i));
    await pub.flush();
    await waitUntil(() => r1.messages.length + r2.messages.length + member.msgs.length >= 300, 10_000, () => "300 deliveries");
    await delay(200);
    const all = [...r1.messages.map((m) => m.data), ...r2.messages.map((m) => m.data), ...member.strings()];
    expect(all.length).toBe(300);
    expect(new Set(all).size).toBe(300);
  });

  it("ends the stream after max messages", async () => {
    const subject = uniq("max");
    const r = await sse(`/sub/${subject}?max=3`);
    const nc = await clients.connect();
    for (let i = 0; i < 5; i++) nc.publish(subject, String(i));
    await nc.flush();
    await waitUntil(() => r.done, 5_000, () => "the stream to end");
    expect(r.messages.map((m) => m.data)).toEqual(["0", "1", "2"]);
  });

  it("speaks NDJSON when asked", async () => {
    const subject = uniq("nd");
    const r = await sse(`/sub/${subject}`, { headers: { Accept: "application/x-ndjson" } });
    expect(r.response.headers.get("content-type")).toContain("application/x-ndjson");
    const nc = await clients.connect();
    nc.publish(subject, "one");
    await nc.flush();
    expect((await r.waitFor(1))[0]).toMatchObject({ subject, data: "one" });
  });

  it("drops the subscription when the reader goes away", async () => {
    // While the stream's subscription lives, a request to its subject finds a
    // responder that never answers (504); once it is gone, nobody (503).
    const subject = uniq("leave");
    const r = await sse(`/sub/${subject}`);
    const ask = async () => (await fetch(at(`/request/${subject}?timeout=200`), { method: "POST" })).status;
    expect(await ask()).toBe(504);
    r.close();
    const end = Date.now() + 10_000;
    let status = await ask();
    while (status !== 503 && Date.now() < end) status = await ask();
    expect(status).toBe(503);
  });

  it("refuses an invalid subject or queue before streaming", async () => {
    for (const [path, text] of [
      ["/sub/a..b", "Invalid Subject"],
      ["/sub/a.>.b", "Invalid Subject"],
      ["/sub/ok?queue=a%20b", "invalid queue group name"],
      ["/sub/ok?max=-1", "max must be"],
    ]) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: string }).error, path).toContain(text);
    }
  });
});

describe("CORS", () => {
  it("lets pages on any origin call with their own Authorization, not with cookies", async () => {
    const preflight = await fetch(`${base}/request/x`, {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, nats-header-x-trace" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("authorization,nats-header-x-trace");
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();

    const nc = await clients.connect();
    const subject = uniq("cors");
    nc.subscribe(subject, {
      callback: (_, m) => {
        const h = natsHeaders();
        h.set("X-Seen", "1");
        m.respond("ok", { headers: h });
      },
    });
    await nc.flush();
    const res = await fetch(at(`/request/${subject}`), { method: "POST", headers: { Origin: "https://app.example" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toContain("nats-header-x-seen");
  });
});
