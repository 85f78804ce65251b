// `npm run bench:regions`: nats-edge with REGIONS, as far apart as continents. One broker served as
// `npm start` serves it, with three regions of two shards (REGIONS=wnam,weur,apac, SHARDS=2) and
// an emulated delay between regions (REGION_DELAY_MS, default 80 ms each way, which needs
// TEST_HOOKS=1), driven by the official client (@nats-io/nats-core over `ws`), loopback only.
//
//   npm run bench:regions -- [--delay MS] [--runs N] [--quick] [--help]
//
// Each figure twice: with both clients in one region (on its two shards, so a message still goes
// from one object to another) and with them in two (wnam and weur):
// 1. publish to delivery: one message at a time, the time from publish() to the subscriber's
//    callback (both clients live in this process, so one clock times both ends);
// 2. request/reply: nc.request() one after another;
// 3. subscribe + flush: a new subscription on a subject whose key is owned by a shard of the
//    third region (apac), until flush() returns, which is when it is live everywhere;
// 4. the first message on a new subject key, owned in the third region: publish to delivery,
//    including the publisher's host asking the owner who is interested (its `watch`).
// Times are printed, never asserted. What they should be, from the delay alone: a message
// crosses once (1 × delay), a request and its reply twice, a registration or a watch is a round
// trip to the owner (2 × delay).
import os from "node:os";
import { parseArgs } from "node:util";
import { startBroker } from "../harness/broker.mjs";
import { ownerOfSubject } from "../src/protocol/shardkey.ts";
import { connect } from "./lib/client.mjs";
import { fmt, median, percentile, table } from "./lib/stats.mjs";
import { sleep } from "./lib/util.mjs";

const { values: args } = parseArgs({
  options: {
    delay: { type: "string", default: "80" },
    runs: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(
    [
      "npm run bench:regions -- [--delay MS] [--runs N] [--quick]",
      "  --delay   the emulated one-way delay between regions (REGION_DELAY_MS), default 80",
      "  --runs    repetitions of each figure; medians are reported (default 3)",
      "  --quick   fewer samples, for smoke tests",
    ].join("\n"),
  );
  process.exit(0);
}

const REGIONS = ["wnam", "weur", "apac"];
const PER_REGION = 2;
const delay = Number(args.delay);
const runs = Math.max(1, Number(args.runs) || 3);
const samples = args.quick ? { near: 100, far: 10, subs: 5 } : { near: 1000, far: 50, subs: 20 };
/** Shards by role: in one region (wnam's two), or in two (wnam, weur); keys owned in apac. */
const LAYOUTS = { "one region": { a: 0, b: 1 }, "two regions": { a: 0, b: 2 } };
const OWNER_REGION = 2;

const broker = await startBroker({
  pages: false,
  vars: { REGIONS: REGIONS.join(","), SHARDS: String(PER_REGION), TEST_HOOKS: "1", REGION_DELAY_MS: String(delay) },
});
const at = (shard) => `${broker.url}/?shard=${shard}`;
let seq = 0;
/** A subject (new each call) whose key's owner is a shard of the third region. */
function farOwned(prefix) {
  for (;;) {
    const s = `${prefix}.${process.pid}x${++seq}.x`;
    const owner = ownerOfSubject("$G", s, 2, REGIONS.length * PER_REGION);
    if (Math.floor(owner / PER_REGION) === OWNER_REGION) return s;
  }
}

async function pair(layout) {
  const a = await connect(at(layout.a));
  const b = await connect(at(layout.b));
  return { a, b, close: () => Promise.all([a.close(), b.close()]) };
}

/** ms from publish to the subscriber's callback, one message at a time, on a subject kept warm. */
async function publishToDeliver(layout, n) {
  const { a, b, close } = await pair(layout);
  const subject = farOwned("p2d");
  let waiting = null;
  b.subscribe(subject, { callback: () => waiting?.() });
  await b.flush();
  const times = [];
  for (let i = 0; i < n + 5; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => {
      waiting = resolve;
      a.publish(subject, "x");
    });
    if (i >= 5) times.push(performance.now() - t0); // the first ones include the watch
  }
  await close();
  return times;
}

async function requestReply(layout, n) {
  const { a, b, close } = await pair(layout);
  const subject = farOwned("rr");
  b.subscribe(subject, { callback: (_e, m) => m.respond(m.data) });
  await b.flush();
  for (let i = 0; i < 5; i++) await a.request(subject, "x", { timeout: 10_000 });
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await a.request(subject, "x", { timeout: 10_000 });
    times.push(performance.now() - t0);
  }
  await close();
  return times;
}

/** subscribe() + flush() on the subscriber's shard, for subjects owned in the third region. */
async function subscribeFlush(layout, n) {
  const { b, close } = await pair(layout);
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    b.subscribe(farOwned("sf"));
    await b.flush();
    times.push(performance.now() - t0);
  }
  await close();
  return times;
}

/** The first message on a new key: the publisher's host asks the owner (a `watch`), then delivers. */
async function firstMessage(layout, n) {
  const { a, b, close } = await pair(layout);
  const times = [];
  for (let i = 0; i < n; i++) {
    const subject = farOwned("first");
    const got = new Promise((resolve) => b.subscribe(subject, { max: 1, callback: () => resolve() }));
    await b.flush();
    const t0 = performance.now();
    a.publish(subject, "x");
    await got;
    times.push(performance.now() - t0);
  }
  await close();
  return times;
}

const FIGURES = [
  { name: "publish to delivery", run: publishToDeliver, n: (far) => (far ? samples.far : samples.near), model: (d) => d },
  { name: "request/reply", run: requestReply, n: (far) => (far ? samples.far : samples.near), model: (d) => 2 * d },
  { name: "subscribe + flush (owner in apac)", run: subscribeFlush, n: () => samples.subs, model: () => 2 * delay },
  { name: "first message on a key (owner in apac)", run: firstMessage, n: () => samples.subs, model: (d) => 2 * delay + d },
];

const results = new Map();
try {
  console.error(`nats-edge with REGIONS=${REGIONS.join(",")} SHARDS=${PER_REGION} REGION_DELAY_MS=${delay}: ${broker.url}`);
  // Warm: objects started, JIT, links open.
  await publishToDeliver(LAYOUTS["two regions"], 20);
  await publishToDeliver(LAYOUTS["one region"], 200);
  for (let rep = 1; rep <= runs; rep++) {
    for (const f of FIGURES) {
      for (const [where, layout] of Object.entries(LAYOUTS)) {
        const times = (await f.run(layout, f.n(where === "two regions"))).sort((x, y) => x - y);
        const key = `${f.name}|${where}`;
        const r = results.get(key) ?? { p50: [], p90: [] };
        r.p50.push(percentile(times, 50));
        r.p90.push(percentile(times, 90));
        results.set(key, r);
        console.error(`  run ${rep}: ${f.name}, ${where}: p50 ${fmt(percentile(times, 50))} ms, p90 ${fmt(percentile(times, 90))} ms (${times.length})`);
        await sleep(100);
      }
    }
  }
} finally {
  await broker.stop();
}

const rows = [];
for (const f of FIGURES) {
  for (const [where] of Object.entries(LAYOUTS)) {
    const r = results.get(`${f.name}|${where}`);
    const d = where === "two regions" ? delay : 0;
    rows.push([rows.length % 2 === 0 ? f.name : "", where, fmt(median(r.p50)), fmt(median(r.p90)), fmt(f.model(d))]);
  }
}
console.log(
  [
    `nats-edge across regions — ${new Date().toISOString()}, ${runs} run(s), medians`,
    `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), node ${process.versions.node}`,
    `broker: npm start with REGIONS=${REGIONS.join(",")} SHARDS=${PER_REGION} TEST_HOOKS=1 REGION_DELAY_MS=${delay} (one way, every pair); ` +
      `clients on shards 0 and 1 (one region, wnam) or 0 and 2 (wnam and weur); subject keys owned in apac`,
    "",
    table(["figure", "clients in", "p50 ms", "p90 ms", "from the delay alone, ms"], rows),
  ].join("\n"),
);
process.exit(0);
