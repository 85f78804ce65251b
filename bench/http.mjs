// `npm run bench:http`: the HTTP bridge (docs/http.md) against the WebSocket path of the same
// nats-edge, in one run, with the official client (@nats-io/nats-core over `ws`) on the other side
// of every exchange. One broker served as `npm start` serves it (one workerd through the Miniflare
// API, no proxy in front), loopback only; HTTP and WebSocket
// alternate which goes first from one repetition to the next; medians are reported.
//
//   npm run bench:http -- [--quick] [--runs N] [--help]
//
// 1. publish: 128 B messages by POST /pub/<subject> with 8 and with 32 requests in flight, against
//    one official client publishing; rates at an official-client subscriber.
// 2. request/reply: POST /request/<subject> one after another, against nc.request(); an
//    official-client responder answers both.
// 3. subscribe: a Server-Sent Events reader on GET /sub/<subject>, against an official-client
//    subscriber, while an official-client publisher sends (paced by the reader's count).
//
// Next to the bridge, the same HTTP calls to GET / (the Worker answers with a line of text and
// wakes no object) give the floor any HTTP call pays here, so the bridge's own share can be read
// off. Times are printed, never asserted: they depend on the machine.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { root, startBroker } from "../harness/broker.mjs";
import { connect } from "./lib/client.mjs";
import { fmt, median, percentile, table } from "./lib/stats.mjs";
import { cpuMeter, payload, race, sleep, waitCount } from "./lib/util.mjs";
import { publishAll } from "./scenarios.mjs";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    runs: { type: "string", default: "3" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(
    [
      "npm run bench:http -- [--quick] [--runs N]",
      "  --quick   a fifth to a tenth of the counts (~30 s in all), for smoke tests",
      "  --runs N  repetitions per path (default 3), HTTP and WebSocket alternating; medians",
    ].join("\n"),
  );
  process.exit(0);
}

const SIZE = 128;
// HTTP calls cost milliseconds each, official-client messages microseconds: each path gets a count
// that makes its run last long enough to measure (CPU counters tick every 10 ms).
const P = args.quick
  ? { httpPublish: 400, wsPublish: 10_000, requests: 100, requestWarmup: 20, subscribe: 10_000, runMs: 20_000 }
  : { httpPublish: 2_000, wsPublish: 100_000, requests: 500, requestWarmup: 100, subscribe: 100_000, runMs: 45_000 };
const CONCURRENCY = [8, 32];
const runs = Math.max(1, Number(args.runs) || 3);
// A repetition takes about 35 s (5 s with --quick) and start-up with warm-up 20 s: the backstop
// leaves room for a slow machine and keeps the default run under 4 minutes.
P.budgetMs = (args.quick ? 40_000 : 60_000) + runs * (args.quick ? 15_000 : 58_000);
/** Bytes the official-client publisher writes between flushes (PING/PONG); two may be in flight. */
const FLUSH_WINDOW = 256 << 10;
/**
 * Most bytes the publisher may be ahead of its reader. Well under what an SSE stream holds before
 * the session stops acknowledging (256 KiB of events, then max_pending, 64 MiB): the figure is the
 * reader's pace, not a slow-consumer cut-off.
 */
const MAX_AHEAD_BYTES = 2 << 20;

const log = (...a) => console.error(...a);
const started = Date.now();

let broker = null;
let stopping = null;
const stopBroker = () => (stopping ??= broker ? broker.stop() : Promise.resolve());

let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(sig, async () => {
    interrupted = true;
    log(`\n${sig}: stopping the broker`);
    await race(stopBroker(), 10_000, () => null);
    process.exit(130);
  });
}

// The whole script stops by itself (each run has its own timeout too), printing what was measured.
const watchdog = setTimeout(async () => {
  log(`\nwatchdog: the benchmark exceeded ${P.budgetMs / 1000} s; stopping`);
  report(true);
  await race(stopBroker(), 10_000, () => null);
  process.exit(3);
}, P.budgetMs);
watchdog.unref();

/** A fresh subject per run, so no run sees another's messages. */
let seq = 0;
const uniq = (s) => `bench.http.${s}.${process.pid}.${++seq}`;

/** One run: its connections, sockets and SSE stream, all ended when it ends or times out. */
class Run {
  constructor(timeoutMs) {
    this.conns = new Set(); // official-client connections (bench/lib/client.mjs adds to these)
    this.sockets = new Set();
    this.abort = new AbortController(); // ends the run's SSE stream
    this.deadline = Date.now() + timeoutMs;
    this.notes = [];
  }
  get aborted() {
    return this.abort.signal.aborted;
  }
  async close() {
    this.abort.abort();
    for (const nc of this.conns) await race(nc.close().catch(() => {}), 5000, () => null);
    for (const s of this.sockets) if (s.readyState !== 3) s.terminate();
  }
}

/**
 * Starts measuring CPU; the returned function takes the number of messages (or requests) handled
 * and returns µs per message for: the workerd running the Worker and its object ("worker"), the
 * processes beside it ("beside": scripts/start.mjs's node, which runs Miniflare; a `wrangler dev`
 * broker would add its proxy workerd and wrangler's node here), and this process ("client"); and
 * how busy the rest of the machine was ("other", % of a core).
 */
function cpuFor() {
  const stop = cpuMeter(broker.cpuParts);
  return (messages) => {
    const { pct, wall } = stop();
    const us = (p) => (messages > 0 ? ((p / 100) * wall * 1e6) / messages : NaN);
    return {
      "worker CPU/msg": us(pct.worker ?? 0),
      "beside CPU/msg": us((pct.proxy ?? 0) + (pct.wrangler ?? 0) + (pct.node ?? 0) + (pct.esbuild ?? 0)),
      "client CPU/msg": us(pct.client ?? 0),
      other: pct.other ?? 0,
    };
  };
}

/** A subscriber with the official client that counts arrivals. */
async function countingSubscriber(run, subject) {
  const nc = await connect(broker.url, { ctx: run });
  const c = { n: 0, last: 0, errors: 0 };
  nc.subscribe(subject, {
    callback: (err) => {
      if (err) return void c.errors++;
      c.n++;
      c.last = performance.now();
    },
  });
  await nc.flush();
  return c;
}

/** Publishes `count` messages with the official client, paced as the main benchmark paces them. */
function publishPaced(run, nc, subject, data, count, received) {
  return publishAll(run, nc, subject, data, count, (sent) => sent - received(), FLUSH_WINDOW, MAX_AHEAD_BYTES);
}

const http = (path) => `http://127.0.0.1:${broker.port}${path}`;

/**
 * One HTTP call (Node's fetch, keep-alive); throws unless the status is `want`. Returns the body.
 * No abort signal: fetch leaves a listener on a shared signal for every call (thousands per run),
 * and a call outlives its run by at most the request's own 5 s timeout; callers stop starting new
 * calls once the run is aborted.
 */
async function call(method, path, body, want) {
  const r = await fetch(http(path), { method, body });
  const b = new Uint8Array(await r.arrayBuffer());
  if (r.status !== want) throw new Error(`${method} ${path.split("?")[0]}: ${r.status} ${new TextDecoder().decode(b).slice(0, 200)}`);
  return b;
}

/** GET /: a Worker invocation that wakes no object, the floor under every bridge call. */
const floorCall = () => call("GET", "/", undefined, 200);

/** `count` calls of `fn`, `concurrency` at a time. Returns { ok, failed, firstError }. */
async function inFlight(run, count, concurrency, fn) {
  let next = 0;
  const r = { ok: 0, failed: 0, firstError: "" };
  const caller = async () => {
    while (!run.aborted && next < count && r.failed < 20) {
      next++;
      try {
        await fn();
        r.ok++;
      } catch (err) {
        if (run.aborted) return;
        r.failed++;
        r.firstError ||= String(err?.message ?? err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  return r;
}

/**
 * Reads GET /sub/<subject> as Server-Sent Events, parsing each event (its JSON `data` included),
 * as an EventSource would. Resolves once the `: subscribed` comment says the subscription is live,
 * with `done`, which settles when the stream ends.
 */
async function sseReader(run, subject, onMessage) {
  const res = await fetch(http(`/sub/${subject}`), { headers: { Accept: "text/event-stream" }, signal: run.abort.signal });
  if (res.status !== 200) throw new Error(`GET /sub: ${res.status} ${(await res.text()).slice(0, 200)}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let live;
  const subscribed = new Promise((resolve) => (live = resolve));
  let buf = "";
  const dispatch = (block) => {
    let event = "message";
    let data = null;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        if (line === ": subscribed") live();
      } else if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data = data === null ? line.slice(6) : `${data}\n${line.slice(6)}`;
    }
    if (data === null) return;
    const body = JSON.parse(data);
    if (event === "message") onMessage(body);
    else run.notes.push(`SSE ${event}: ${data}`);
  };
  const done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let at = 0;
        for (let end; (end = buf.indexOf("\n\n", at)) >= 0; at = end + 2) dispatch(buf.slice(at, end));
        buf = buf.slice(at);
      }
      if (!run.aborted) run.notes.push("the SSE stream ended before the run did");
    } catch (err) {
      if (!run.aborted) run.notes.push(`SSE reader: ${err?.message ?? err}`);
    }
  })();
  if ((await race(subscribed.then(() => true), 10_000, () => false)) === false) {
    throw new Error("GET /sub: no `: subscribed` within 10 s");
  }
  // Wrapped: an async function returning a promise would wait for the stream to end.
  return { done };
}

// Scenarios: each returns { figures: {name: value}, sent, received, notes }. -----------------------

/** 1. publish: `count` POST /pub with `concurrency` in flight, or (concurrency 0) one official client. */
async function publishRun(run, { count, concurrency }) {
  const subject = uniq("pub");
  const sub = await countingSubscriber(run, subject);
  const data = payload(SIZE);
  const nc = concurrency > 0 ? null : await connect(broker.url, { ctx: run });
  const cpu = cpuFor();
  const t0 = performance.now();
  let sent;
  const notes = [];
  if (nc === null) {
    const r = await inFlight(run, count, concurrency, () => call("POST", `/pub/${subject}`, data, 204));
    sent = r.ok;
    if (r.failed) notes.push(`${r.failed} publishes failed, first: ${r.firstError}`);
  } else {
    sent = await publishPaced(run, nc, subject, data, count, () => sub.n);
  }
  await waitCount(() => sub.n, sent, { stallMs: 3000, deadline: run.deadline, abort: () => run.aborted });
  const secs = (sub.last - t0) / 1000;
  if (sub.errors) notes.push(`${sub.errors} subscription errors`);
  return { figures: { "msgs/s": sub.n > 0 ? sub.n / secs : NaN, ...cpu(sub.n) }, sent, received: sub.n, notes };
}

/** 1, floor: `count` GET / with `concurrency` in flight. */
async function floorRateRun(run, { count, concurrency }) {
  const cpu = cpuFor();
  const t0 = performance.now();
  const r = await inFlight(run, count, concurrency, floorCall);
  const secs = (performance.now() - t0) / 1000;
  if (r.ok === 0) throw new Error(`every call failed, first: ${r.firstError}`);
  return {
    figures: { "msgs/s": r.ok / secs, ...cpu(r.ok) },
    sent: r.ok,
    received: r.ok,
    notes: r.failed ? [`${r.failed} calls failed, first: ${r.firstError}`] : [],
  };
}

/** 2. request/reply: sequential requests to an official-client responder; "floor": GET /. */
async function requestRun(run, { count, warmup, path }) {
  const subject = uniq("req");
  const responder = await connect(broker.url, { ctx: run });
  responder.subscribe(subject, { callback: (err, m) => err || m.respond(m.data) });
  await responder.flush();
  const data = payload(SIZE);
  let ask;
  if (path === "HTTP") {
    ask = async () => {
      const b = await call("POST", `/request/${subject}?timeout=5000`, data, 200);
      if (b.length !== SIZE) throw new Error(`reply of ${b.length} bytes`);
    };
  } else if (path === "floor") {
    ask = floorCall;
  } else {
    const requester = await connect(broker.url, { ctx: run });
    ask = async () => {
      const m = await requester.request(subject, data, { timeout: 5000 });
      if (m.data.length !== SIZE) throw new Error(`reply of ${m.data.length} bytes`);
    };
  }
  // Unmeasured: the JIT on both sides, and (WebSocket) the requester's inbox subscription.
  for (let i = 0; i < warmup && !run.aborted; i++) await ask();
  const lat = [];
  let failed = 0;
  let firstError = "";
  const cpu = cpuFor();
  for (let i = 0; i < count && !run.aborted && failed < 5; i++) {
    const t0 = performance.now();
    try {
      await ask();
      lat.push(performance.now() - t0);
    } catch (err) {
      if (run.aborted) break;
      failed++;
      firstError ||= String(err?.message ?? err);
    }
  }
  const usage = cpu(lat.length);
  lat.sort((a, b) => a - b);
  return {
    figures: { p50: percentile(lat, 50), p99: percentile(lat, 99), ...usage },
    sent: count,
    received: lat.length,
    notes: failed ? [`${failed} requests failed, first: ${firstError}`] : [],
  };
}

/** 3. subscribe: an SSE reader or an official-client subscriber; an official-client publisher. */
async function subscribeRun(run, { count, path }) {
  const subject = uniq("sub");
  let c = { n: 0, last: 0, bad: 0 };
  if (path === "HTTP") {
    await sseReader(run, subject, (m) => {
      if (m.subject !== subject || m.data?.length !== SIZE) c.bad++;
      c.n++;
      c.last = performance.now();
    });
  } else {
    c = await countingSubscriber(run, subject);
  }
  const pub = await connect(broker.url, { ctx: run });
  const data = payload(SIZE);
  const cpu = cpuFor();
  const t0 = performance.now();
  const sent = await publishPaced(run, pub, subject, data, count, () => c.n);
  await waitCount(() => c.n, sent, { stallMs: 3000, deadline: run.deadline, abort: () => run.aborted });
  const secs = (c.last - t0) / 1000;
  const notes = [];
  if (c.bad) notes.push(`${c.bad} events with another subject or payload size`);
  if (c.errors) notes.push(`${c.errors} subscription errors`);
  return { figures: { "msgs/s": c.n > 0 ? c.n / secs : NaN, ...cpu(c.n) }, sent, received: c.n, notes };
}

// Results ------------------------------------------------------------------------------------------

/** key -> { path -> [{figures, sent, received}] } */
const results = new Map();
const failures = [];
const allNotes = [];

async function measure(key, label, path, fn, params, rep) {
  const run = new Run(P.runMs);
  const t0 = Date.now();
  let out;
  try {
    out = await race(
      fn(run, params).catch((error) => ({ error })),
      P.runMs,
      () => ({ error: new Error(`timed out after ${P.runMs / 1000} s`) }),
    );
  } finally {
    await run.close();
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (interrupted) return; // the signal handler stops the broker and exits
  const tag = `  ${label.padEnd(24)} ${path.padEnd(9)} run ${rep}`;
  if (out.error) {
    failures.push(`${label} / ${path} run ${rep}: ${out.error.message ?? out.error}`);
    log(`${tag}: FAILED (${out.error.message ?? out.error}) [${secs} s]`);
  } else {
    const paths = results.get(key) ?? {};
    results.set(key, paths);
    (paths[path] ??= []).push(out);
    const figs = Object.entries(out.figures).map(([k, v]) => `${k} ${fmt(v)}`).join(", ");
    const lost = out.sent - out.received;
    log(`${tag}: ${figs}${lost ? `, LOST ${lost}/${out.sent}` : ""} [${secs} s]`);
    if (out.figures.other > 50) out.notes.push(`other work on the machine took ${out.figures.other.toFixed(0)}% of a core meanwhile`);
  }
  for (const n of [...(out.notes ?? []), ...run.notes]) {
    allNotes.push(`${label} / ${path} run ${rep}: ${n}`);
    log(`      ${n}`);
  }
  if (broker.exited()) throw new Error(`the broker exited during ${label}; its last output:\n${broker.output().slice(-4000)}`);
}

const med = (key, path, fig) => median((results.get(key)?.[path] ?? []).map((o) => o.figures[fig]));
function lostCell(key, path) {
  const l = results.get(key)?.[path] ?? [];
  if (!l.length) return "—";
  return `${l.reduce((a, o) => a + Math.max(0, o.sent - o.received), 0)}/${l.reduce((a, o) => a + o.sent, 0)}`;
}
function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return "—";
  const r = a / b;
  // HTTP publishes run at a few thousandths of the WebSocket rate: two significant digits there.
  return `${r >= 100 ? r.toFixed(0) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

let header = [];
let reported = false;
function report(partial = false) {
  if (reported) return;
  reported = true;
  const rows = [];
  /** One figure: HTTP bridge, WebSocket, their ratio, the GET / floor (if measured), loss. */
  const row = (scenario, figure, unit, key, fig, { ws = key, floor = null, lost = false } = {}) => {
    const h = med(key, "HTTP", fig);
    const w = med(ws, "WebSocket", fig);
    rows.push([
      scenario,
      figure,
      unit,
      fmt(h),
      fmt(w),
      ratio(h, w),
      floor ? fmt(med(floor, "floor", fig)) : "",
      lost ? `${lostCell(key, "HTTP")} / ${lostCell(ws, "WebSocket")}` : "",
    ]);
  };
  const cpuRows = (key, opts, per = "msg") => {
    row("", `worker CPU per ${per}`, "µs", key, "worker CPU/msg", opts);
    row("", `node (Miniflare) CPU per ${per}`, "µs", key, "beside CPU/msg", opts);
    row("", `client CPU per ${per}`, "µs", key, "client CPU/msg", opts);
  };
  for (const c of CONCURRENCY) {
    const opts = { ws: "pub-ws", floor: `floor-${c}` };
    row(`publish 128 B, ${c} in flight`, "msgs/s", "msg/s", `pub-${c}`, "msgs/s", { ...opts, lost: true });
    cpuRows(`pub-${c}`, opts);
  }
  row("request/reply 128 B", "p50", "ms", "req", "p50", { floor: "req", lost: true });
  row("", "p99", "ms", "req", "p99", { floor: "req" });
  cpuRows("req", { floor: "req" }, "request");
  row("subscribe 128 B", "msgs/s", "msg/s", "sub", "msgs/s", { lost: true });
  cpuRows("sub", {});
  console.log(`\n${header.join("\n")}\n`);
  console.log(table(["scenario", "figure", "unit", "HTTP", "WebSocket", "HTTP/WS", "GET / (floor)", "lost (HTTP / WS)"], rows, 3));
  console.log(
    [
      "",
      "publish: HTTP is POST /pub with that many calls in flight; WebSocket is one official client (the same runs serve both rows).",
      "Rates are messages at an official-client subscriber, from the first publish to the last arrival.",
      "request/reply: one call at a time. subscribe: an SSE reader on GET /sub against an official-client subscriber.",
      "GET / (floor): the same calls to GET /, which the Worker answers without waking an object (req/s, latency, CPU per call).",
      "CPU: worker is the workerd running the Worker and its object; node (Miniflare) is the node process of npm start",
      "beside it (scripts/start.mjs), which serves nothing itself; client is this Node process.",
    ].join("\n"),
  );
  if (allNotes.length) {
    console.log("\nNotes:");
    for (const n of allNotes) console.log(`  ${n}`);
  }
  if (failures.length) {
    console.log("\nFailures:");
    for (const f of failures) console.log(`  ${f}`);
  }
  if (partial) console.log("\n(stopped early: the figures above are of the runs that completed)");
}

function versions() {
  const read = (p) => {
    try {
      return JSON.parse(readFileSync(`${root}/node_modules/${p}/package.json`, "utf8")).version;
    } catch {
      return "?";
    }
  };
  let source = "unknown (no git)";
  try {
    const git = (...a) => execFileSync("git", ["-C", root, ...a], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = git("status", "--porcelain", "--", "src", "wrangler.toml") !== "";
    source = `${git("rev-parse", "--short", "HEAD")}${dirty ? " + uncommitted changes in src/ or wrangler.toml" : ""}`;
  } catch {
    /* not a checkout */
  }
  return `node ${process.version}, wrangler ${read("wrangler")}, workerd ${read("workerd")}, @nats-io/nats-core ${read("@nats-io/nats-core")}; broker source: ${source}`;
}

/** Unmeasured traffic on every path, so none runs its code for the first time when measured. */
async function warmUp() {
  const run = new Run(60_000);
  try {
    const data = payload(SIZE);
    const subject = uniq("warm");
    const sub = await countingSubscriber(run, subject);
    const pub = await connect(broker.url, { ctx: run });
    const n = args.quick ? 5_000 : 20_000;
    await publishPaced(run, pub, subject, data, n, () => sub.n);
    await waitCount(() => sub.n, n, { stallMs: 3000 });
    const calls = args.quick ? 100 : 300;
    await inFlight(run, calls, 8, () => call("POST", `/pub/${subject}`, data, 204));
    await inFlight(run, calls, 8, floorCall);
    const rr = uniq("warm");
    pub.subscribe(rr, { callback: (err, m) => err || m.respond(m.data) });
    await pub.flush();
    for (let i = 0; i < calls; i++) await call("POST", `/request/${rr}?timeout=5000`, data, 200);
    for (let i = 0; i < calls; i++) await pub.request(rr, data, { timeout: 5000 });
    let seen = 0;
    await sseReader(run, subject, () => seen++);
    await publishPaced(run, pub, subject, data, n, () => seen);
    await waitCount(() => seen, n, { stallMs: 3000 });
  } finally {
    await run.close();
  }
}

/**
 * Connections the broker still counts once every run ended. An SSE session whose reader went away
 * ends when a write to it fails (the next message, or the keepalive comment every 15 s), so a few
 * may still be open here; they are on subjects no later run uses.
 */
async function leftOpen() {
  let h = null;
  for (let i = 0; i < 10; i++) {
    h = await broker.health();
    if (h.connections === 0) return;
    await sleep(300);
  }
  allNotes.push(`3 s after the last run the broker still counted ${h.connections} connections, ${h.subscriptions} subscriptions (GET /healthz)`);
}

async function main() {
  log("starting nats-edge as npm start serves it (one workerd through the Miniflare API)…");
  broker = await startBroker({ pages: false });
  log(`  ${broker.url} (process group ${broker.pgid})`);
  header = [
    `nats-edge HTTP bridge against WebSocket — ${new Date().toISOString()}${args.quick ? " (--quick)" : ""}, ${runs} run(s) per path, medians`,
    `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}; load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`,
    versions(),
    `counts per run: publish ${P.httpPublish} HTTP calls / ${P.wsPublish} WebSocket messages, request/reply ${P.requests} (after ${P.requestWarmup} unmeasured), ` +
      `subscribe ${P.subscribe}; ${SIZE} B payloads; one broker, SHARDS=1, anonymous`,
  ];
  for (const l of header) log(l);
  log("warming up…");
  await warmUp();

  const pub = (c) => [
    { key: `pub-${c}`, label: `publish, ${c} in flight`, path: "HTTP", fn: publishRun, p: { count: P.httpPublish, concurrency: c } },
    { key: `floor-${c}`, label: `GET /, ${c} in flight`, path: "floor", fn: floorRateRun, p: { count: P.httpPublish, concurrency: c } },
  ];
  const req = { count: P.requests, warmup: P.requestWarmup };
  // Per scenario, the HTTP side (with its floor) and the WebSocket side; they swap order every repetition.
  const scenarios = [
    {
      name: "publish",
      http: CONCURRENCY.flatMap(pub),
      ws: [{ key: "pub-ws", label: "publish", path: "WebSocket", fn: publishRun, p: { count: P.wsPublish, concurrency: 0 } }],
    },
    {
      name: "request/reply",
      http: ["HTTP", "floor"].map((path) => ({ key: "req", label: "request/reply", path, fn: requestRun, p: { ...req, path } })),
      ws: [{ key: "req", label: "request/reply", path: "WebSocket", fn: requestRun, p: { ...req, path: "WebSocket" } }],
    },
    {
      name: "subscribe",
      http: [{ key: "sub", label: "subscribe", path: "HTTP", fn: subscribeRun, p: { count: P.subscribe, path: "HTTP" } }],
      ws: [{ key: "sub", label: "subscribe", path: "WebSocket", fn: subscribeRun, p: { count: P.subscribe, path: "WebSocket" } }],
    },
  ];
  for (const s of scenarios) {
    if (interrupted) break;
    log(`\n== ${s.name}`);
    for (let rep = 1; rep <= runs; rep++) {
      const order = rep % 2 === 1 ? [...s.http, ...s.ws] : [...s.ws, ...s.http];
      for (const j of order) if (!interrupted) await measure(j.key, j.label, j.path, j.fn, j.p, rep);
      await sleep(200);
    }
  }
  await leftOpen();
  header.push(`whole run: ${((Date.now() - started) / 1000).toFixed(0)} s; load average at end ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const suspicious = broker
    .output()
    .split("\n")
    .filter((l) => (l.trim().startsWith("{") ? /"level":"(warn|error)"/.test(l) : /error|exception|uncaught|crash|fatal/i.test(l)))
    .slice(0, 20);
  for (const l of suspicious) allNotes.push(`the broker printed: ${l.trim()}`);
}

let code = 0;
try {
  await main();
} catch (err) {
  failures.push(`stopped: ${err?.stack ?? err}`);
  code = 1;
} finally {
  await race(stopBroker(), 15_000, () => null);
}
report();
process.exit(code || failures.length ? 1 : 0);
