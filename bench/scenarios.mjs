// The benchmark scenarios. Each `run(target, ctx, p)` drives one target once and returns
// { figures: [{figure, unit, value, better}], sent, received, messages?, notes, detail? }:
// `messages` (delivered in the measured phase) turns the CPU measurement into a per-message
// figure; `notes` go into the report, `detail` only to the progress log. `ctx` is the run's context
// (see RunCtx in run.mjs): it tracks connections and sockets for cleanup, says when the run was
// aborted (hard timeout), and holds the progress counters (ctx.sent, ctx.received) so a run that
// times out still reports what was lost.
import { connect, rawSocket } from "./lib/client.mjs";
// The broker's own code (plain TypeScript that Node 22 runs by stripping the types).
import { ownerOfSubject } from "../src/protocol/shardkey.ts";
import { percentile } from "./lib/stats.mjs";
import { openFileLimit, openFiles, payload, race, sleep, waitCount } from "./lib/util.mjs";
import WebSocket from "ws";
import { jetstreamClusterScenarios, jetstreamScenarios } from "./jetstream.mjs";
import { at, clusterMeter, withCost } from "./lib/cluster-meter.mjs";

const MB = 1e6;
/** Bytes the publisher writes between flushes (a PING/PONG); two flushes may be in flight. */
const FLUSH_WINDOW = 1 << 20;
/** Most bytes the publisher may be ahead of the slowest subscriber. */
const MAX_AHEAD_BYTES = 8 << 20;

/** A fresh subject for every run, so no run ever sees another run's messages. */
let seq = 0;
const uniq = (s) => `bench.${s}.${process.pid}.${++seq}`;

// Cross-shard placement ----------------------------------------------------------------------------

/** Shards of the cross-shard broker (its `--var SHARDS:4`); subjects are chosen for this count. */
export const CLUSTER_SHARDS = 4;
/** SHARD_KEY_DEPTH, the broker's default: a subject's key is its first two tokens. */
const KEY_DEPTH = 2;

/**
 * A fresh subject whose key (its first two tokens, new for every run, so every run starts with
 * cold interest caches) is owned by shard `owner` of CLUSTER_SHARDS. Both targets of a cross-shard
 * comparison get subjects of this form, so message sizes are the same on both.
 */
function ownedSubject(tag, owner) {
  const base = `bench.${tag}${process.pid}x${++seq}s`;
  for (let salt = 0; ; salt++) {
    const subject = `${base}${salt}.x`;
    // The benchmark's clients are anonymous: nats-server's global account, $G.
    if (ownerOfSubject("$G", subject, KEY_DEPTH, CLUSTER_SHARDS) === owner) return subject;
  }
}

/** Counts messages on a subscription: n, first and last arrival (performance.now()). */
export function counter() {
  return { n: 0, first: 0, last: 0, errors: 0 };
}
export function counting(c, also) {
  return (err, _msg) => {
    if (err) {
      c.errors++;
      return;
    }
    const now = performance.now();
    if (c.n === 0) c.first = now;
    c.n++;
    c.last = now;
    also?.();
  };
}

/** Watches a connection for an unexpected close and records why. */
function watch(ctx, nc, label) {
  nc.closed().then((err) => {
    if (err && !ctx.aborted && !ctx.closing) ctx.notes.push(`${label} closed: ${err.message ?? err}`);
  });
}

/**
 * Publishes `count` messages of `data` on `subject`: a flush (PING) every `flushBytes` with at
 * most two in flight, and a pause while the slowest subscriber is more than `aheadBytes` behind
 * (`behind(sent)` returns how many messages it still lacks).
 */
export async function publishAll(ctx, nc, subject, data, count, behind, flushBytes = FLUSH_WINDOW, aheadBytes = MAX_AHEAD_BYTES) {
  const rec = data.length + subject.length + 16;
  const maxAhead = Math.max(1, Math.floor(aheadBytes / rec));
  let since = 0;
  let inFlight = null;
  let sent = 0;
  for (let i = 0; i < count && !ctx.aborted; i++) {
    nc.publish(subject, data);
    sent++;
    ctx.sent = sent;
    since += rec;
    if (since >= flushBytes) {
      since = 0;
      const f = nc.flush();
      if (inFlight) await inFlight;
      inFlight = f;
      while (!ctx.aborted && behind(sent) > maxAhead) await sleep(1);
    }
  }
  if (inFlight) await inFlight;
  if (!ctx.aborted) await nc.flush();
  return sent;
}

/**
 * Publishes `count` messages as fast as the client allows, as `nats bench` does: no flush (PING)
 * until the last one, no look at the subscriber. Every `yieldBytes` the loop yields to the event
 * loop once (setImmediate), so that the sockets are written and the subscriber, which lives in
 * this same process, gets to read; it never waits for the server. The final flush is bounded by
 * `flushTimeoutMs`: a broker that cut the publisher off, or never answers, ends the run with a
 * note rather than a hang. Returns { sent, secs (first publish to the final PONG), error }.
 */
export async function publishUnpaced(ctx, nc, subject, data, count, yieldBytes = 32 * 1024, flushTimeoutMs = 20_000) {
  const rec = data.length + subject.length + 16;
  let since = 0;
  let sent = 0;
  const t0 = performance.now();
  for (let i = 0; i < count && !ctx.aborted && !nc.isClosed(); i++) {
    nc.publish(subject, data);
    sent++;
    since += rec;
    if (since >= yieldBytes) {
      since = 0;
      ctx.sent = sent;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  ctx.sent = sent;
  let error = null;
  if (!ctx.aborted) {
    try {
      await race(nc.flush(), flushTimeoutMs, () => Promise.reject(new Error(`no PONG ${flushTimeoutMs / 1000} s after the last publish`)));
    } catch (err) {
      error = `the publisher's final flush failed: ${err?.message ?? err}`;
    }
  }
  return { sent, secs: (performance.now() - t0) / 1000, error };
}

/**
 * Slow consumers the broker counted so far (nats-edge's /varz, summed over shards), or null where
 * there is no such endpoint (nats-server is started without a monitoring port).
 */
async function slowConsumers(target) {
  if (typeof target.health !== "function") return null;
  try {
    const r = await fetch(`http://127.0.0.1:${target.port}/varz`, { signal: AbortSignal.timeout(5000) });
    if (!r.ok) return null;
    const v = await r.json();
    return typeof v.slow_consumers === "number" ? v.slow_consumers : null;
  } catch {
    return null;
  }
}

// 1. pub→sub ------------------------------------------------------------------------------------

/**
 * `layout` (cross-shard variants): { pub, subs: [shard], owner } places the publisher, the
 * subscriber and the owner of the subject's key; without it everything is where the broker puts it.
 * `unpaced`: the publisher does not pace itself (publishUnpaced) and its own rate is a figure too;
 * whatever the subscriber did not get (a slow consumer cut off, messages dropped) counts as lost.
 */
async function pubsub(target, ctx, { count, size, layout, unpaced = false }) {
  const subject = layout ? ownedSubject("ps", layout.owner) : uniq("ps");
  const meter = layout ? clusterMeter(target, ctx) : null;
  await meter?.start();
  const inFrames = { count: 0, bytes: 0 };
  const sub = await connect(at(target, layout?.subs[0]), { ctx, received: inFrames });
  watch(ctx, sub, "subscriber");
  const c = counter();
  sub.subscribe(subject, { callback: counting(c, () => (ctx.received = c.n)) });
  await sub.flush();
  await meter?.checkPlacement(layout.owner, layout.subs);
  const inBefore = { ...inFrames };
  const frames = { count: 0, bytes: 0 };
  const pub = await connect(at(target, layout?.pub), { ctx, frames });
  watch(ctx, pub, "publisher");
  const framesBefore = { ...frames };
  const data = payload(size);
  const slowBefore = unpaced ? await slowConsumers(target) : null;
  const cpu = ctx.startCpu();
  let sent;
  let published = null;
  if (unpaced) {
    published = await publishUnpaced(ctx, pub, subject, data, count);
    sent = published.sent;
  } else {
    sent = await publishAll(ctx, pub, subject, data, count, (s) => s - c.n);
  }
  // A subscriber that was cut off gets nothing more: stop waiting at once.
  await waitCount(() => c.n, sent, { abort: () => ctx.aborted || sub.isClosed(), deadline: ctx.deadline });
  cpu();
  const secs = (c.last - c.first) / 1000;
  const pubFrames = frames.count - framesBefore.count;
  const subFrames = inFrames.count - inBefore.count;
  const detail = [
    `publisher sent ${pubFrames} frames, avg ${Math.round((frames.bytes - framesBefore.bytes) / Math.max(1, pubFrames))} B; ` +
      `subscriber received ${subFrames} frames, avg ${Math.round((inFrames.bytes - inBefore.bytes) / Math.max(1, subFrames))} B`,
  ];
  const notes = c.errors ? [`${c.errors} subscription errors`] : [];
  const figures = [
    { figure: "msgs/s", unit: "msg/s", value: c.n > 1 ? c.n / secs : NaN },
    { figure: "MB/s", unit: "MB/s", value: c.n > 1 ? (c.n * size) / MB / secs : NaN },
  ];
  if (published) {
    // The publisher's own rate, as `nats bench` reports it: first publish to the final PONG.
    figures.push({ figure: "publisher msgs/s", unit: "msg/s", value: published.error ? NaN : published.sent / published.secs });
    if (published.error) notes.push(published.error);
    if (sub.isClosed()) notes.push(`the subscriber was closed after ${c.n} of ${sent} messages`);
    const slowAfter = slowBefore === null ? null : await slowConsumers(target);
    if (slowAfter !== null && slowAfter > slowBefore) notes.push(`the broker counted ${slowAfter - slowBefore} slow consumer(s) (/varz)`);
    detail.push(`publisher: ${published.sent} messages in ${(published.secs * 1000).toFixed(0)} ms up to the final PONG`);
  }
  const cost = await meter?.end(c.n);
  return withCost(
    {
      figures,
      sent,
      received: c.n,
      messages: c.n,
      notes,
      detail,
    },
    cost,
  );
}

/**
 * One publisher, `n` subscriber connections on one subject (as queue `queue` members when
 * given). Returns per-connection counts, deliveries, the delivery window and the cost figures.
 */
async function spread(target, ctx, { count, size, n, layout, queue, prefix, label }) {
  const subject = layout ? ownedSubject(prefix, layout.owner) : uniq(prefix);
  const meter = layout ? clusterMeter(target, ctx) : null;
  await meter?.start();
  const shardOf = (i) => layout?.subs[i % layout.subs.length];
  const counters = [];
  const total = { n: 0 };
  let first = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const nc = await connect(at(target, shardOf(i)), { ctx });
    watch(ctx, nc, `${label} ${i}`);
    const c = counter();
    counters.push(c);
    nc.subscribe(subject, {
      queue,
      callback: counting(c, () => {
        const now = c.last;
        if (total.n === 0) first = now;
        total.n++;
        last = now;
        ctx.received = total.n;
      }),
    });
    await nc.flush();
  }
  await meter?.checkPlacement(layout.owner, counters.map((_, i) => shardOf(i)));
  const pub = await connect(at(target, layout?.pub), { ctx });
  watch(ctx, pub, "publisher");
  const data = payload(size);
  // Each message reaches every subscriber, or one queue member.
  const perMessage = queue ? 1 : n;
  const behind = queue ? (s) => s - total.n : (s) => s - counters.reduce((m, c) => Math.min(m, c.n), Infinity);
  const cpu = ctx.startCpu();
  const sent = await publishAll(ctx, pub, subject, data, count, behind);
  await waitCount(() => total.n, sent * perMessage, { abort: () => ctx.aborted, deadline: ctx.deadline });
  cpu();
  const cost = await meter?.end(total.n);
  const where = layout && target.shards > 1 ? ` (on shards ${counters.map((_, i) => shardOf(i)).join(", ")})` : "";
  return { counts: counters.map((c) => c.n), total: total.n, secs: (last - first) / 1000, sent, expected: sent * perMessage, cost, where };
}

// 2. fan-out ------------------------------------------------------------------------------------

async function fanout(target, ctx, { count, size, subscribers, layout }) {
  const r = await spread(target, ctx, { count, size, n: subscribers, layout, prefix: "fo", label: "subscriber" });
  return withCost(
    {
      figures: [
        { figure: "deliveries/s", unit: "msg/s", value: r.total > 1 ? r.total / r.secs : NaN },
        { figure: "MB/s delivered", unit: "MB/s", value: r.total > 1 ? (r.total * size) / MB / r.secs : NaN },
      ],
      sent: r.expected,
      received: r.total,
      messages: r.total,
      notes: r.counts.some((n) => n !== r.sent) ? [`per subscriber: ${r.counts.join(", ")}`] : [],
    },
    r.cost,
  );
}

// 3. queue group --------------------------------------------------------------------------------

async function queue(target, ctx, { count, size, members, layout }) {
  const r = await spread(target, ctx, { count, size, n: members, layout, queue: "workers", prefix: "qg", label: "member" });
  const share = (n) => (100 * n) / Math.max(1, r.total);
  return withCost(
    {
      figures: [
        { figure: "deliveries/s", unit: "msg/s", value: r.total > 1 ? r.total / r.secs : NaN },
        { figure: "smallest member share", unit: "%", value: share(Math.min(...r.counts)) },
        { figure: "largest member share", unit: "%", value: share(Math.max(...r.counts)) },
      ],
      sent: r.expected,
      received: r.total,
      messages: r.total,
      notes: [`per member${r.where}: ${r.counts.join(", ")}`],
    },
    r.cost,
  );
}

// 4. request/reply ------------------------------------------------------------------------------

/** With `layout` ({ pub: requester's shard, subs: [responder's shard], owner }): cross-shard. */
async function reqrep(target, ctx, { count, size, warmup, layout }) {
  const subject = layout ? ownedSubject("rr", layout.owner) : uniq("rr");
  const meter = layout ? clusterMeter(target, ctx) : null;
  await meter?.start();
  const responder = await connect(at(target, layout?.subs[0]), { ctx });
  watch(ctx, responder, "responder");
  let requests = 0;
  responder.subscribe(subject, { callback: (err, m) => err || (requests++, m.respond(m.data)) });
  await responder.flush();
  await meter?.checkPlacement(layout.owner, layout.subs);
  const requester = await connect(at(target, layout?.pub), { ctx });
  watch(ctx, requester, "requester");
  const data = payload(size);
  // Unmeasured: JIT, the requester's inbox subscription, and (across shards) both hosts' caches.
  for (let i = 0; i < warmup && !ctx.aborted; i++) await requester.request(subject, data, { timeout: 5000 });
  const lat = [];
  let failed = 0;
  let consecutive = 0;
  let firstError = "";
  let sent = 0;
  const cpu = ctx.startCpu();
  for (let i = 0; i < count && !ctx.aborted; i++) {
    const t0 = performance.now();
    sent++;
    ctx.sent = sent;
    try {
      const m = await requester.request(subject, data, { timeout: 5000 });
      if (m.data.length !== size) throw new Error(`reply of ${m.data.length} bytes`);
      lat.push(performance.now() - t0);
      ctx.received = lat.length;
      consecutive = 0;
    } catch (err) {
      failed++;
      firstError ||= String(err?.message ?? err);
      if (++consecutive >= 5) break;
    }
  }
  cpu();
  lat.sort((a, b) => a - b);
  // Deliveries over the whole run, warm-up included: requests at the responder, replies here.
  const cost = await meter?.end(requests + warmup + lat.length);
  return withCost(
    {
      figures: [
        { figure: "p50", unit: "ms", value: percentile(lat, 50), better: "lower" },
        { figure: "p90", unit: "ms", value: percentile(lat, 90), better: "lower" },
        { figure: "p99", unit: "ms", value: percentile(lat, 99), better: "lower" },
        { figure: "max", unit: "ms", value: lat.length ? lat[lat.length - 1] : NaN, better: "lower" },
      ],
      sent,
      received: lat.length,
      notes: failed ? [`${failed} requests failed, first: ${firstError}`] : [],
    },
    cost,
  );
}

// 4b. short-lived requesters ----------------------------------------------------------------------

/**
 * `count` requesters one after another, each a new connection (on the shards of
 * `layout.requesters`, round-robin) making ONE request to a responder on `layout.responder`, then
 * closing: what a request costs when nothing is cached for its inbox. The latency is of the
 * request alone (connect and close are not timed).
 */
async function requesters(target, ctx, { count, size, layout }) {
  const subject = ownedSubject("sl", layout.owner);
  const check = clusterMeter(target, ctx);
  await check?.start();
  const responder = await connect(at(target, layout.responder), { ctx });
  watch(ctx, responder, "responder");
  let requests = 0;
  responder.subscribe(subject, { callback: (err, m) => err || (requests++, m.respond(m.data)) });
  await responder.flush();
  await check?.checkPlacement(layout.owner, [layout.responder]);
  // The cost is per requester: the responder's own registration is left out.
  const meter = clusterMeter(target, ctx);
  await meter?.start();
  const data = payload(size);
  const lat = [];
  let slowest = { ms: -1, i: -1 };
  let failed = 0;
  let firstError = "";
  let sent = 0;
  const t0 = performance.now();
  const cpu = ctx.startCpu();
  for (let i = 0; i < count && !ctx.aborted; i++) {
    sent++;
    ctx.sent = sent;
    let nc = null;
    try {
      nc = await connect(at(target, layout.requesters[i % layout.requesters.length]), { ctx });
      const r0 = performance.now();
      const m = await nc.request(subject, data, { timeout: 5000 });
      if (m.data.length !== size) throw new Error(`reply of ${m.data.length} bytes`);
      const ms = performance.now() - r0;
      lat.push(ms);
      if (ms > slowest.ms) slowest = { ms, i };
      ctx.received = lat.length;
    } catch (err) {
      failed++;
      firstError ||= `requester ${i}${target.shards > 1 ? ` (shard ${layout.requesters[i % layout.requesters.length]})` : ""}: ${err?.message ?? err}`;
      if (failed >= 20) break;
    } finally {
      if (nc) {
        await nc.close().catch(() => undefined);
        ctx.conns.delete(nc);
      }
    }
  }
  cpu();
  const secs = (performance.now() - t0) / 1000;
  for (const s of ctx.sockets) if (s.readyState === 3) ctx.sockets.delete(s);
  // The last requester's unregistration leaves its host after its close: let it be counted.
  await sleep(500);
  lat.sort((a, b) => a - b);
  const cost = await meter?.end(sent, 1);
  const where = (i) => (target.shards > 1 ? ` (shard ${layout.requesters[i % layout.requesters.length]})` : "");
  const slow = slowest.i >= 0 ? `slowest first request: requester ${slowest.i}${where(slowest.i)}, ${slowest.ms.toFixed(1)} ms` : "";
  return withCost(
    {
      figures: [
        { figure: "first request p50", unit: "ms", value: percentile(lat, 50), better: "lower" },
        { figure: "first request p90", unit: "ms", value: percentile(lat, 90), better: "lower" },
        { figure: "first request max", unit: "ms", value: lat.length ? lat[lat.length - 1] : NaN, better: "lower" },
        { figure: "requesters/s (connect+request+close)", unit: "conn/s", value: lat.length / secs },
      ],
      sent,
      received: lat.length,
      notes: [...(failed ? [`${failed} requests failed, first: ${firstError}`] : []), ...(slowest.ms > 100 ? [slow] : [])],
      detail: slow ? [slow] : [],
    },
    cost,
  );
}

// 5. connection churn ---------------------------------------------------------------------------

async function churn(target, ctx, { count }) {
  let ok = 0;
  let failed = 0;
  let firstError = "";
  let sent = 0;
  const t0 = performance.now();
  const cpu = ctx.startCpu();
  for (let i = 0; i < count && !ctx.aborted; i++) {
    sent++;
    ctx.sent = sent;
    try {
      const nc = await connect(target.url, { ctx });
      await nc.close();
      ctx.conns.delete(nc);
      ok++;
      ctx.received = ok;
    } catch (err) {
      failed++;
      firstError ||= String(err?.message ?? err);
      if (failed >= 10) break;
    }
  }
  cpu();
  const secs = (performance.now() - t0) / 1000;
  // Closed sockets need not be remembered.
  for (const s of ctx.sockets) if (s.readyState === 3) ctx.sockets.delete(s);
  return {
    figures: [{ figure: "connections/s", unit: "conn/s", value: ok / secs }],
    sent,
    received: ok,
    notes: failed ? [`${failed} connects failed, first: ${firstError}`] : [],
  };
}

// 6. idle connections ---------------------------------------------------------------------------

/**
 * Open files of the client and of each server process, counted before the idle connections are
 * opened (`start()`) and after (`end(opened)`): this process holds every client socket, a server
 * process at least one per connection (wrangler dev's proxy workerd more). `end` returns notes
 * for every process that came near its limit (`ulimit -n`), and a line with files per connection.
 */
function fdMeter(target) {
  const procs = () => [
    { label: "client", pid: "self" },
    ...(target.cpuParts?.() ?? []).filter((p) => ["worker", "proxy", "nats-server"].includes(p.label)),
  ];
  const count = () => new Map(procs().map((p) => [`${p.label}:${p.pid}`, { ...p, n: openFiles(p.pid) }]));
  let before = new Map();
  return {
    start() {
      before = count();
    },
    end(opened) {
      const notes = [];
      const parts = [];
      for (const [k, p] of count()) {
        const n0 = before.get(k)?.n;
        const limit = openFileLimit(p.pid);
        if (p.n === null) continue;
        const per = n0 != null && opened ? ((p.n - n0) / opened).toFixed(2) : "?";
        parts.push(`${p.label} ${per} (${p.n} of ${limit ?? "?"})`);
        if (limit !== null && p.n >= 0.95 * limit) {
          notes.push(`${p.label}: ${p.n} open files, at its limit of ${limit} (ulimit -n): connections beyond it fail`);
        }
      }
      return { notes, summary: `open files per connection (open / ulimit -n): ${parts.join(", ")}` };
    },
  };
}

/**
 * `count` idle connections, opened `concurrency` at a time, each subscribed to a subject of its
 * own (and to `subsPerConn - 1` more of its own that get no traffic, so each connection carries
 * some subscription state). RSS is read before and after. Then a publisher sends one message to
 * each connection's own subject, flushing every `publishBatch` and staying at most two batches
 * ahead of the deliveries; every connection must get its own message, and only that.
 */
async function idle(target, ctx, { count, subsPerConn, concurrency, openBudgetMs, idleMs, publishBatch = 500 }) {
  const base = uniq("idle");
  const own = (i) => `${base}.${i}`;
  const fds = fdMeter(target);
  const pub = await connect(target.url, { ctx });
  watch(ctx, pub, "publisher");
  await sleep(1000);
  const before = target.rss();
  const beforeParts = target.rssParts();
  fds.start();
  const conns = []; // { nc, i }
  const got = new Uint8Array(count);
  const deliveries = { n: 0, wrong: 0, dup: 0, last: 0 };
  let failed = 0;
  let firstError = "";
  const t0 = performance.now();
  const cpu = ctx.startCpu();
  const openEnd = Date.now() + openBudgetMs;
  let next = 0;
  const worker = async () => {
    while (!ctx.aborted && Date.now() < openEnd && failed < 20) {
      const i = next++;
      if (i >= count) return;
      try {
        const nc = await connect(target.url, { ctx, pingInterval: 10 * 60_000 });
        const subject = own(i);
        nc.subscribe(subject, {
          callback: (err, m) => {
            if (err) return;
            if (m.subject !== subject) deliveries.wrong++;
            else if (got[i]) deliveries.dup++;
            else {
              got[i] = 1;
              deliveries.n++;
              deliveries.last = performance.now();
              ctx.received = deliveries.n;
            }
          },
        });
        for (let k = 1; k < subsPerConn; k++) nc.subscribe(`${subject}.${k}`, { callback: () => {} });
        await nc.flush();
        conns.push({ nc, i });
      } catch (err) {
        failed++;
        firstError ||= String(err?.message ?? err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  cpu();
  const openSecs = (performance.now() - t0) / 1000;
  const opened = conns.length;
  await sleep(idleMs);
  const after = target.rss();
  const afterParts = target.rssParts();
  const files = fds.end(opened);
  const perConn = opened ? (after.kib - before.kib) / opened : NaN;
  const split = Object.keys(afterParts)
    .map((k) => `${k} ${((afterParts[k] - (beforeParts[k] ?? 0)) / Math.max(1, opened)).toFixed(0)}`)
    .join(", ");
  // One message to every idle connection, on its own subject, in batches of `publishBatch`.
  const data = payload(16);
  const p0 = performance.now();
  let sent = 0;
  let publishError = "";
  let stalled = false;
  try {
    for (const { i } of conns) {
      if (ctx.aborted) break;
      pub.publish(own(i), data);
      sent++;
      ctx.sent = sent;
      if (sent % publishBatch === 0) {
        await pub.flush();
        // At most two batches ahead of the deliveries; once they stall, no more waiting.
        const behind = sent - 2 * publishBatch;
        if (!stalled && behind > 0) {
          const n = await waitCount(() => deliveries.n, behind, { stallMs: 5000, abort: () => ctx.aborted, deadline: ctx.deadline });
          stalled = n < behind;
        }
      }
    }
    if (!ctx.aborted) await pub.flush();
  } catch (err) {
    publishError = String(err?.message ?? err);
  }
  await waitCount(() => deliveries.n, sent, { stallMs: 5000, abort: () => ctx.aborted, deadline: ctx.deadline });
  await sleep(200); // anything delivered twice or to the wrong connection shows up now
  ctx.received = deliveries.n;
  const reachSecs = deliveries.n ? (deliveries.last - p0) / 1000 : NaN;
  // Still open?
  const stillOpen = conns.filter(({ nc }) => !nc.isClosed()).length;
  const notes = [
    `opened ${opened}/${count} in ${openSecs.toFixed(1)} s (${failed} failed${firstError ? `, first: ${firstError}` : ""})${
      opened + failed < count && Date.now() >= openEnd ? `: the ${openBudgetMs / 1000} s allowed for opening ran out` : ""
    }`,
    `RSS ${(before.kib / 1024).toFixed(1)} MiB -> ${(after.kib / 1024).toFixed(1)} MiB over ${after.processes} process(es) (KiB per connection: ${split}); ${stillOpen} still open after the check`,
    ...files.notes,
  ];
  if (deliveries.n < opened) notes.push(`${opened - deliveries.n} of ${opened} connections did not get the message on their own subject`);
  if (deliveries.wrong) notes.push(`${deliveries.wrong} messages reached a connection on a subject not its own`);
  if (deliveries.dup) notes.push(`${deliveries.dup} connections got their message more than once`);
  if (publishError) notes.push(`publishing failed after ${sent} messages: ${publishError}`);
  const figures = [
    { figure: "connections opened", unit: "conn", value: opened },
    { figure: "open rate", unit: "conn/s", value: opened / openSecs },
    { figure: "RSS per connection", unit: "KiB", value: perConn, better: "lower" },
    { figure: "deliveries to idle conns", unit: "msg", value: deliveries.n },
    { figure: "time to reach all", unit: "ms", value: reachSecs * 1000, better: "lower" },
  ];
  if ("proxy" in afterParts) {
    // wrangler dev puts a second workerd (a proxy) in front of the Worker; production has none.
    // Only a target with a proxy has this figure (last, so the table's row order is the same
    // whichever target ran first).
    const worker = (afterParts.worker ?? 0) - (beforeParts.worker ?? 0);
    figures.push({ figure: "RSS per conn. w/o dev proxy", unit: "KiB", value: opened ? worker / opened : NaN, better: "lower" });
  }
  return { figures, sent: opened, received: deliveries.n, notes, detail: [files.summary] };
}

// Ceiling: the raw runtime limit for pub→sub of 16 B, 128 B and 64 KiB messages -------------------

/** "16 B", "128 B", "64 KiB": how a message size is named in scenario and figure names. */
export function sizeLabel(size) {
  return size >= 1024 && size % 1024 === 0 ? `${size / 1024} KiB` : `${size} B`;
}

/**
 * Records per frame as nats-core batches them: it flushes its buffer inline once a publish
 * leaves it holding 32 KiB or more, but the first publish into an empty buffer only schedules a
 * flush, so a frame holds at least two records (two 64 KiB messages: ~131 KB frames).
 */
export function recordsPerFrame(recordBytes) {
  return Math.max(2, Math.ceil((32 * 1024) / recordBytes));
}

/**
 * Drives the raw forwarding Worker (bench/ceiling) the way the NATS client drives the broker:
 * the publisher sends frames batched as nats-core batches them (recordsPerFrame), each holding
 * pre-built `MSG` records of the size a pub→sub of `size`-byte messages delivers; the Durable
 * Object forwards each frame as is; the subscriber counts records. It sends `count` records, or
 * more when they would make less than `minBytes`: the raw pipe forwards small records so fast
 * that 200,000 of 16 B would be over in tens of milliseconds, too short for the CPU counters'
 * 10 ms ticks.
 */
async function ceilingRaw(target, ctx, { count, size, minBytes = 0 }) {
  const subject = uniq("ps");
  const enc = new TextEncoder();
  const rec = new Uint8Array([...enc.encode(`MSG ${subject} 1 ${size}\r\n`), ...payload(size), 13, 10]);
  const perFrame = recordsPerFrame(rec.length);
  const frame = new Uint8Array(rec.length * perFrame);
  for (let i = 0; i < perFrame; i++) frame.set(rec, i * rec.length);
  count = Math.max(count, Math.ceil(minBytes / rec.length));
  const sub = await rawSocket(`${target.url}/?role=sub`);
  ctx.sockets.add(sub);
  const pub = await rawSocket(`${target.url}/?role=pub`);
  ctx.sockets.add(pub);
  const c = counter();
  let bytes = 0;
  sub.on("message", (data) => {
    const now = performance.now();
    if (c.n === 0) c.first = now;
    bytes += data.byteLength;
    c.n = Math.floor(bytes / rec.length);
    c.last = now;
    ctx.received = c.n;
  });
  await sleep(100); // both sockets accepted by the object before the first frame
  const maxAhead = Math.max(perFrame, Math.floor(MAX_AHEAD_BYTES / rec.length));
  let sent = 0;
  const cpu = ctx.startCpu();
  while (sent < count && !ctx.aborted) {
    const n = Math.min(perFrame, count - sent);
    pub.send(n === perFrame ? frame : frame.subarray(0, n * rec.length));
    sent += n;
    ctx.sent = sent;
    while (!ctx.aborted && (sent - c.n > maxAhead || pub.bufferedAmount > FLUSH_WINDOW)) await sleep(1);
  }
  await waitCount(() => c.n, sent, { abort: () => ctx.aborted, deadline: ctx.deadline });
  cpu();
  const secs = (c.last - c.first) / 1000;
  const label = `pub→sub ${sizeLabel(size)}`;
  return {
    figures: [
      { figure: `${label} msgs/s`, unit: "msg/s", value: c.n > 1 ? c.n / secs : NaN },
      { figure: `${label} MB/s`, unit: "MB/s", value: c.n > 1 ? (c.n * size) / MB / secs : NaN },
    ],
    sent,
    received: c.n,
    messages: c.n,
    notes: [],
    detail: [`${perFrame} records of ${rec.length} B per frame`],
  };
}

/**
 * Idle raw WebSockets held by the forwarding Durable Object: the runtime's own memory per
 * connection (the proxy and the worker process), and one frame forwarded to every one of them.
 */
async function ceilingIdleRaw(target, ctx, { count, concurrency, openBudgetMs, idleMs }) {
  const pub = await rawSocket(`${target.url}/?role=pub`);
  ctx.sockets.add(pub);
  await sleep(1000);
  const before = target.rss();
  const beforeParts = target.rssParts();
  let deliveries = 0;
  let opened = 0;
  let failed = 0;
  let next = 0;
  const t0 = performance.now();
  const openEnd = Date.now() + openBudgetMs;
  const worker = async () => {
    while (!ctx.aborted && Date.now() < openEnd && failed < 20) {
      if (next++ >= count) return;
      try {
        const s = await rawSocket(`${target.url}/?role=sub`);
        ctx.sockets.add(s);
        s.on("message", () => deliveries++);
        opened++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const openSecs = (performance.now() - t0) / 1000;
  await sleep(idleMs);
  const after = target.rss();
  const afterParts = target.rssParts();
  pub.send(payload(16));
  ctx.sent = opened;
  await waitCount(() => deliveries, opened, { stallMs: 5000, abort: () => ctx.aborted, deadline: ctx.deadline });
  ctx.received = deliveries;
  const split = Object.keys(afterParts)
    .map((k) => `${k} ${((afterParts[k] - (beforeParts[k] ?? 0)) / Math.max(1, opened)).toFixed(0)}`)
    .join(", ");
  return {
    figures: [
      { figure: "idle: connections opened", unit: "conn", value: opened },
      { figure: "idle: open rate", unit: "conn/s", value: opened / openSecs },
      { figure: "idle: RSS per connection", unit: "KiB", value: opened ? (after.kib - before.kib) / opened : NaN, better: "lower" },
      ...("proxy" in afterParts
        ? [
            {
              figure: "idle: RSS per conn. w/o dev proxy",
              unit: "KiB",
              value: opened ? (afterParts.worker - beforeParts.worker) / opened : NaN,
              better: "lower",
            },
          ]
        : []),
    ],
    sent: opened,
    received: deliveries,
    notes: [`RSS ${(before.kib / 1024).toFixed(1)} MiB -> ${(after.kib / 1024).toFixed(1)} MiB (KiB per connection: ${split})`],
  };
}

/** nats-edge's side of the idle ceiling: the idle scenario, figures renamed. */
async function ceilingIdleEdge(target, ctx, p) {
  const r = await idle(target, ctx, p);
  r.figures = r.figures
    .filter((f) => f.figure !== "deliveries to idle conns" && f.figure !== "time to reach all")
    .map((f) => ({ ...f, figure: `idle: ${f.figure}` }));
  return r;
}

/**
 * The brokers' side of a pub→sub ceiling (nats-edge, and nats-server beside it): the pub→sub
 * scenario of the same size, figures renamed.
 */
async function ceilingEdge(target, ctx, p) {
  const r = await pubsub(target, ctx, p);
  r.figures = r.figures.map((f) => ({ ...f, figure: `pub→sub ${sizeLabel(p.size)} ${f.figure}` }));
  r.notes = [...r.notes, ...r.detail];
  r.detail = [];
  return r;
}

// Ceiling: connection churn and request/reply on raw sockets ---------------------------------------

/**
 * One raw `ws` socket (no NATS client, no compression unless --compression): open it, wait for the
 * open (and, with `greeting`, for the first frame: nats-edge sends INFO), close it, wait for the
 * close. Resolves when the socket is closed.
 */
function rawOpenClose(url, ctx, { greeting, timeoutMs = 10_000 }) {
  return new Promise((resolve, reject) => {
    const s = new WebSocket(url, { perMessageDeflate: false });
    ctx.sockets.add(s);
    let done = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      ctx.sockets.delete(s);
      if (err) {
        s.terminate();
        reject(err);
      } else resolve();
    };
    const t = setTimeout(() => finish(new Error(`raw socket to ${url}: not closed after ${timeoutMs} ms`)), timeoutMs);
    const close = () => s.readyState === 1 && s.close(1000);
    s.once("open", () => greeting || close());
    if (greeting) s.once("message", close);
    s.once("close", () => finish());
    s.once("error", (e) => finish(e));
  });
}

/** `count` raw open(+greeting)+close cycles one after another; connections per second. */
async function rawChurn(url, ctx, count, greeting) {
  let ok = 0;
  let failed = 0;
  let firstError = "";
  const t0 = performance.now();
  for (let i = 0; i < count && !ctx.aborted; i++) {
    try {
      await rawOpenClose(url, ctx, { greeting });
      ok++;
    } catch (err) {
      failed++;
      firstError ||= String(err?.message ?? err);
      if (failed >= 10) break;
    }
  }
  return { ok, failed, firstError, secs: (performance.now() - t0) / 1000 };
}

const RAW_CHURN = "churn: raw open+close";
const NATS_CHURN = "churn: NATS connect+close";

/**
 * The ceiling Worker's side of the churn ceiling: raw sockets opened and closed one after another
 * (the Durable Object accepts and, on the close, closes). Its figure is reported twice, so the
 * table shows nats-edge's raw open+close and its NATS connect+close each against it.
 */
async function ceilingChurnRaw(target, ctx, { count }) {
  const url = `${target.url}/?role=churn`;
  await rawChurn(url, ctx, 20, false); // unmeasured: the object instantiated, the JIT warm
  const r = await rawChurn(url, ctx, count, false);
  ctx.sent = count;
  ctx.received = r.ok;
  const v = r.ok / r.secs;
  return {
    figures: [
      { figure: RAW_CHURN, unit: "conn/s", value: v },
      { figure: NATS_CHURN, unit: "conn/s", value: v },
    ],
    sent: count,
    received: r.ok,
    notes: r.failed ? [`${r.failed} raw connects failed, first: ${r.firstError}`] : [],
  };
}

/**
 * nats-edge's side: the same raw open+close, waiting for the INFO frame before closing (nats-edge
 * greets), then the NATS client's connect+close (the churn scenario) of the same count.
 */
async function ceilingChurnEdge(target, ctx, p) {
  await rawChurn(target.url, ctx, 20, true);
  const raw = await rawChurn(target.url, ctx, p.count, true);
  const nats = await churn(target, ctx, p);
  return {
    figures: [
      { figure: RAW_CHURN, unit: "conn/s", value: raw.ok / raw.secs },
      { figure: NATS_CHURN, unit: "conn/s", value: nats.figures[0].value },
    ],
    sent: p.count + nats.sent,
    received: raw.ok + nats.received,
    notes: [...(raw.failed ? [`${raw.failed} raw connects failed, first: ${raw.firstError}`] : []), ...nats.notes],
  };
}

/**
 * Request/reply on the ceiling Worker: a requester and a responder socket (both `?role=sub`) on an
 * object of their own (`?room=`), so each hop is exactly one forwarded frame: the requester's
 * 64 B frame goes to the responder only (the object never echoes to the sender), the responder's
 * 64 B reply to the requester only. Sequential; latency of each round trip.
 */
/**
 * Request/reply round trips over raw WebSockets, one request in flight: the client does no
 * more than send a frame and wait for one. On the ceiling Worker the frames are forwarded as
 * they are; on nats-edge the same client speaks the NATS text protocol (the requester
 * publishes with a reply subject, the responder answers it), so the difference between the two
 * is what the broker adds to the runtime's own round trip, with no client library in either.
 */
async function rawReqrep(target, ctx, { count, size, warmup }, nats, prefix = "request/reply 64 B ") {
  const base = nats ? target.url : `${target.url}/?role=sub&room=${encodeURIComponent(uniq("rr"))}`;
  const responder = await rawSocket(base);
  ctx.sockets.add(responder);
  const requester = await rawSocket(base);
  ctx.sockets.add(requester);
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const body = "x".repeat(size);
  const reply = nats ? null : payload(size);
  if (nats) {
    // INFO, then CONNECT and the subscription; the PONG means the broker has it.
    const handshake = (s, sub) =>
      new Promise((resolve) => {
        let seen = "";
        const on = (data) => {
          seen += dec.decode(data);
          if (!seen.includes("PONG\r\n")) return;
          s.off("message", on);
          resolve();
        };
        s.on("message", on);
        s.send(enc.encode(`CONNECT {"verbose":false,"pedantic":false}\r\nSUB ${sub} 1\r\nPING\r\n`));
      });
    await Promise.all([handshake(responder, "bench.rr"), handshake(requester, "_INBOX.rr.*")]);
  }
  let requests = 0;
  responder.on("message", (data) => {
    requests++;
    if (!nats) {
      if (data.byteLength !== size) ctx.notes.push(`responder got a frame of ${data.byteLength} B`);
      return responder.send(reply);
    }
    const m = /MSG bench\.rr 1 (\S+) (\d+)\r\n/.exec(dec.decode(data));
    if (m === null || Number(m[2]) !== size) return ctx.notes.push(`responder got ${JSON.stringify(dec.decode(data).slice(0, 60))}`);
    responder.send(enc.encode(`PUB ${m[1]} ${size}\r\n${body}\r\n`));
  });
  let waiting = null;
  let stray = 0;
  requester.on("message", (data) => {
    if (!waiting) return void stray++;
    const w = waiting;
    waiting = null;
    w(data);
  });
  await sleep(100); // both sockets accepted (and, for NATS, subscribed) before the first frame
  let n = 0;
  const request = () => (nats ? enc.encode(`PUB bench.rr _INBOX.rr.${n++} ${size}\r\n${body}\r\n`) : payload(size));
  const expected = (m) => (nats ? dec.decode(m).startsWith("MSG _INBOX.rr.") : m.byteLength === size);
  const roundTrip = () =>
    race(
      new Promise((resolve) => {
        waiting = resolve;
        requester.send(request());
      }),
      5000,
      () => {
        waiting = null;
        return Promise.reject(new Error("no reply after 5000 ms"));
      },
    );
  for (let i = 0; i < warmup && !ctx.aborted; i++) await roundTrip();
  const lat = [];
  let failed = 0;
  let firstError = "";
  let sent = 0;
  for (let i = 0; i < count && !ctx.aborted; i++) {
    const t0 = performance.now();
    sent++;
    ctx.sent = sent;
    try {
      const m = await roundTrip();
      if (!expected(m)) throw new Error(`unexpected reply of ${m.byteLength} bytes`);
      lat.push(performance.now() - t0);
      ctx.received = lat.length;
    } catch (err) {
      failed++;
      firstError ||= String(err?.message ?? err);
      if (failed >= 5) break;
    }
  }
  await sleep(50);
  lat.sort((a, b) => a - b);
  const notes = [];
  if (failed) notes.push(`${failed} round trips failed, first: ${firstError}`);
  if (stray) notes.push(`${stray} frames reached the requester with no request outstanding`);
  if (requests !== warmup + sent) notes.push(`the responder got ${requests} frames for ${warmup + sent} requests`);
  return { figures: reqrepFigures(lat, prefix), sent, received: lat.length, notes };
}

const ceilingReqrepRaw = (target, ctx, p) => rawReqrep(target, ctx, p, false);

/**
 * Request/reply with the raw client on nats-edge and nats-server: what the two servers cost per
 * round trip without a client library's share, to set beside the ceiling's raw round trip.
 */
const reqrepRaw = (target, ctx, p) => rawReqrep(target, ctx, p, true, "");

function reqrepFigures(lat, prefix) {
  return [
    { figure: `${prefix}p50`, unit: "ms", value: percentile(lat, 50), better: "lower" },
    { figure: `${prefix}p90`, unit: "ms", value: percentile(lat, 90), better: "lower" },
    { figure: `${prefix}p99`, unit: "ms", value: percentile(lat, 99), better: "lower" },
    { figure: `${prefix}max`, unit: "ms", value: lat.length ? lat[lat.length - 1] : NaN, better: "lower" },
  ];
}

/** nats-edge's side of the request/reply ceiling: the same raw client, speaking NATS. */
const ceilingReqrepEdge = (target, ctx, p) => rawReqrep(target, ctx, p, true);

// ------------------------------------------------------------------------------------------------

const K = 1024;

/**
 * A pub→sub ceiling: the forwarding object against nats-edge's pub→sub of `size`-byte messages,
 * with nats-server's beside them, so that one run sets all three side by side. `count` messages
 * (a tenth with --quick); the forwarding object gets at least 64 MiB (8 MiB) of them.
 */
function ceilingPubsub(id, size, count) {
  return {
    group: "ceiling",
    id,
    name: `ceiling pub→sub ${sizeLabel(size)}`,
    targets: "ceiling",
    prefix: `pub→sub ${sizeLabel(size)} `,
    run: { ceiling: ceilingRaw, "nats-edge": ceilingEdge, "nats-server": ceilingEdge },
    full: { count, size, minBytes: 64 << 20 },
    quick: { count: count / 10, size, minBytes: 8 << 20 },
  };
}

/**
 * Every scenario: --only matches `group`, `id` or `name`; `full`/`quick` are the parameters;
 * `targets: "ceiling"` runs it on the ceiling Worker and nats-edge (and on nats-server where `run`
 * names it), `targets: "cluster"` on nats-edge and a second nats-edge with SHARDS=4 (default:
 * nats-edge, nats-server and, unless --no-dev, nats-edge under wrangler dev); `fresh` restarts the
 * servers before every run; `timeoutMs` overrides --timeout; `prefix` starts the name of the
 * server-CPU-per-message figure, as the scenario's own figures start.
 */
export const scenarios = [
  { group: "pubsub", id: "pubsub-16", name: "pubsub 16 B", run: pubsub, full: { count: 600_000, size: 16 }, quick: { count: 20_000, size: 16 } },
  { group: "pubsub", id: "pubsub-128", name: "pubsub 128 B", run: pubsub, full: { count: 600_000, size: 128 }, quick: { count: 20_000, size: 128 } },
  // The same 128 B messages from a publisher that does not pace itself (no PING until the end).
  {
    group: "pubsub",
    id: "pubsub-128-unpaced",
    name: "pubsub 128 B unpaced",
    run: pubsub,
    full: { count: 600_000, size: 128, unpaced: true },
    quick: { count: 20_000, size: 128, unpaced: true },
  },
  { group: "pubsub", id: "pubsub-64k", name: "pubsub 64 KiB", run: pubsub, full: { count: 3_000, size: 64 * K }, quick: { count: 100, size: 64 * K } },
  {
    group: "fanout",
    name: "fanout 8×128 B",
    run: fanout,
    full: { count: 150_000, size: 128, subscribers: 8 },
    quick: { count: 5_000, size: 128, subscribers: 8 },
  },
  {
    group: "queue",
    name: "queue 4 members",
    run: queue,
    full: { count: 400_000, size: 128, members: 4 },
    quick: { count: 10_000, size: 128, members: 4 },
  },
  {
    group: "reqrep",
    name: "request/reply 64 B",
    run: reqrep,
    full: { count: 5_000, size: 64, warmup: 100 },
    quick: { count: 500, size: 64, warmup: 20 },
  },
  // Cross-shard: a second nats-edge with SHARDS=4 (targets: "cluster"), the publisher, the owner of
  // the subject's key and the subscribers all on different shards, against the same scenario on
  // the single-shard broker. Shard numbers are of CLUSTER_SHARDS.
  {
    group: "cluster",
    id: "cluster-pubsub",
    name: "x-shard pubsub 128 B",
    targets: "cluster",
    run: pubsub,
    full: { count: 600_000, size: 128, layout: { pub: 0, subs: [1], owner: 2 } },
    quick: { count: 20_000, size: 128, layout: { pub: 0, subs: [1], owner: 2 } },
  },
  {
    group: "cluster",
    id: "cluster-fanout",
    name: "x-shard fanout 8×128 B",
    targets: "cluster",
    run: fanout,
    full: { count: 150_000, size: 128, subscribers: 8, layout: { pub: 0, subs: [1, 2, 3], owner: 2 } },
    quick: { count: 5_000, size: 128, subscribers: 8, layout: { pub: 0, subs: [1, 2, 3], owner: 2 } },
  },
  {
    group: "cluster",
    id: "cluster-queue",
    name: "x-shard queue 4 members",
    targets: "cluster",
    run: queue,
    full: { count: 400_000, size: 128, members: 4, layout: { pub: 0, subs: [1, 2, 3, 1], owner: 2 } },
    quick: { count: 10_000, size: 128, members: 4, layout: { pub: 0, subs: [1, 2, 3, 1], owner: 2 } },
  },
  {
    group: "cluster",
    id: "cluster-reqrep",
    name: "x-shard request/reply 64 B",
    targets: "cluster",
    run: reqrep,
    full: { count: 5_000, size: 64, warmup: 100, layout: { pub: 0, subs: [1], owner: 2 } },
    quick: { count: 500, size: 64, warmup: 20, layout: { pub: 0, subs: [1], owner: 2 } },
  },
  {
    group: "cluster",
    id: "cluster-requesters",
    name: "x-shard short-lived requesters",
    targets: "cluster",
    run: requesters,
    full: { count: 200, size: 64, layout: { requesters: [0, 1, 2, 3], responder: 1, owner: 2 } },
    quick: { count: 40, size: 64, layout: { requesters: [0, 1, 2, 3], responder: 1, owner: 2 } },
  },
  ...jetstreamClusterScenarios,
  ...jetstreamScenarios,
  { group: "churn", name: "connect+close", run: churn, full: { count: 500 }, quick: { count: 50 } },
  {
    group: "idle",
    id: "idle",
    name: "idle connections",
    run: idle,
    fresh: true, // memory is measured on freshly started servers: freed memory is not returned to the OS
    // 9,000 connections at ~110-350/s (the slowest target, wrangler dev) take up to ~80 s to
    // open; the client holds them all, one file each (counted, see fdMeter).
    timeoutMs: 300_000,
    full: { count: 9_000, subsPerConn: 5, concurrency: 32, openBudgetMs: 200_000, idleMs: 3_000, publishBatch: 500 },
    quick: { count: 500, subsPerConn: 5, concurrency: 16, openBudgetMs: 30_000, idleMs: 2_000, publishBatch: 100 },
  },
  ceilingPubsub("ceiling-pubsub-16", 16, 200_000),
  ceilingPubsub("ceiling-pubsub", 128, 200_000),
  ceilingPubsub("ceiling-pubsub-64k", 64 * K, 1_000),
  {
    group: "ceiling",
    id: "ceiling-churn",
    name: "ceiling churn",
    targets: "ceiling",
    run: { ceiling: ceilingChurnRaw, "nats-edge": ceilingChurnEdge },
    full: { count: 500 },
    quick: { count: 50 },
  },
  {
    group: "ceiling",
    id: "reqrep-raw",
    name: "request/reply 64 B, raw client",
    run: reqrepRaw,
    full: { count: 5_000, size: 64, warmup: 100 },
    quick: { count: 500, size: 64, warmup: 20 },
  },
  {
    group: "ceiling",
    id: "ceiling-reqrep",
    name: "ceiling request/reply",
    targets: "ceiling",
    run: { ceiling: ceilingReqrepRaw, "nats-edge": ceilingReqrepEdge },
    full: { count: 5_000, size: 64, warmup: 100 },
    quick: { count: 500, size: 64, warmup: 20 },
  },
  {
    group: "ceiling",
    id: "ceiling-idle",
    name: "ceiling idle connections",
    targets: "ceiling",
    run: { ceiling: ceilingIdleRaw, "nats-edge": ceilingIdleEdge },
    fresh: true,
    timeoutMs: 150_000,
    full: { count: 2_000, subsPerConn: 5, concurrency: 32, openBudgetMs: 90_000, idleMs: 3_000, publishBatch: 500 },
    quick: { count: 200, subsPerConn: 5, concurrency: 16, openBudgetMs: 20_000, idleMs: 2_000, publishBatch: 100 },
  },
];
