// Hostile HTTP: random subjects (any byte, percent-encoded), queue names, header
// names and values, query values and bodies thrown at the bridge. Every answer is
// a success or a JSON error with a status that says what was wrong (never a 500),
// and a NATS client using the broker meanwhile loses nothing.
import { afterAll, beforeAll, expect, it } from "vitest";
import { mulberry32 } from "../protocol/random.js";
import { httpBase } from "./http.js";
import { brokerUrl, Clients, listen, quiesce, uniq } from "./util.js";

const clients = new Clients();
afterAll(async () => clients.closeAll());

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const REQUESTS = 300;
const ALLOWED = new Set([200, 204, 400, 403, 413, 503, 504]);

let rand: () => number;
beforeAll(() => {
  rand = mulberry32(SEED);
});

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const PIECES = ["a", "b.c", ".", "..", "*", ">", " ", "\t", "%", "ü", "日本", "\u0000", "\r\n", "_INBOX.x", "$SYS", "a".repeat(300), "\uD800"];

function text(max: number): string {
  let s = "";
  const n = Math.floor(rand() * max);
  for (let i = 0; i < n; i++) s += rand() < 0.7 ? pick(PIECES) : String.fromCharCode(Math.floor(rand() * 0x3000));
  return s;
}

function enc(s: string): string {
  // Lone surrogates cannot be percent-encoded as UTF-8: send their escapes raw.
  try {
    return encodeURIComponent(s);
  } catch {
    return s.replace(/[^A-Za-z0-9.]/g, (c) => `%${(c.charCodeAt(0) & 0xff).toString(16).padStart(2, "0")}`);
  }
}

function headerValue(): string {
  // fetch itself refuses line breaks and NUL in header values; everything else goes.
  return text(6).replace(/[\r\n\u0000]/g, "").replace(/[^\u0020-\u00ff]/g, "?");
}

it(`answers random calls with successes or clear JSON errors (seed ${SEED})`, async () => {
  const base = httpBase(brokerUrl());
  const nc = await clients.connect();
  const subject = uniq("calm");
  const inbox = listen(nc, subject);
  await nc.flush();
  const pub = await clients.connect();
  const seen = new Map<number, number>();
  for (let i = 0; i < REQUESTS; i++) {
    // The NATS client's traffic, interleaved with the hostile calls.
    if (i % 30 === 0) pub.publish(subject, String(i));
    const verb = pick(["pub", "request", "sub"]);
    const query = new URLSearchParams();
    if (rand() < 0.3) query.set(pick(["reply", "queue", "timeout", "max", "shard"]), pick(["", "1", "-1", "99999999999", "x y", text(3), "50"]));
    if (verb === "request") query.set("timeout", pick(["1", "20", text(2)]));
    const headers: Record<string, string> = {};
    if (rand() < 0.4) headers[`Nats-Header-${pick(["X", "A-B", "Nats-Msg-Id", "x_y", "é"]).replace(/[^\x21-\x7e]/g, "Q")}`] = headerValue();
    if (rand() < 0.2) headers.Authorization = pick(["Bearer x", "Basic !!!", "Basic " + btoa("u:p"), "Bearer eyJ.bad.jwt", "Negotiate"]);
    const body = rand() < 0.1 ? new Uint8Array(1024 * 1024 + Math.floor(rand() * 10)) : text(20);
    const url = `${base}/${verb}/${enc(text(8))}${query.size > 0 ? `?${query}` : ""}`;
    // "." and ".." path segments are resolved away by URL rules before anything is sent.
    if (!new URL(url).pathname.startsWith(`/${verb}/`)) continue;
    const controller = new AbortController();
    const res = await fetch(url, { method: verb === "sub" ? "GET" : "POST", headers, body: verb === "sub" ? undefined : body, signal: controller.signal });
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    expect(ALLOWED.has(res.status), `${res.status} for ${url}`).toBe(true);
    if (res.status >= 400) {
      expect(res.headers.get("content-type"), url).toContain("application/json");
      const err = (await res.json()) as { error?: unknown };
      expect(typeof err.error, url).toBe("string");
    } else if (verb === "sub") {
      controller.abort();
    } else {
      await res.arrayBuffer();
    }
  }
  await quiesce(pub, nc);
  expect(inbox.strings()).toEqual(Array.from({ length: REQUESTS / 30 }, (_, k) => String(k * 30)));
  expect(nc.isClosed()).toBe(false);
  console.log(`bridge-hostile seed ${SEED}: ${[...seen].map(([s, n]) => `${s}×${n}`).join(" ")}`);
});
