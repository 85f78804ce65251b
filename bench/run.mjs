// `npm run bench`: nats-edge served as `npm start` serves it (one workerd through the Miniflare
// API) against nats-server, and, for reference, the same broker under `wrangler dev` (its proxy
// workerd in front; --no-dev leaves it out): same client, same process, same WebSocket
// negotiation (no compression), the targets taking turns going first from one repetition to the next.
//
//   npm run bench -- [--only NAME,...] [--runs N] [--quick] [--json FILE] [--timeout SECONDS]
//                    [--ceiling] [--compression] [--logs FILE] [--var K:V] [--no-dev]   (--help explains each)
//
// NAME: pubsub (pubsub-16, pubsub-128, pubsub-128-unpaced, pubsub-64k), fanout, queue, reqrep,
// jetstream (js-publish, js-consume, kv), leafnodes (leaf-up, leaf-down), cluster
// (cluster-pubsub, cluster-fanout, cluster-queue, cluster-reqrep, cluster-requesters, cluster-js-publish), churn,
// idle, ceiling (ceiling-pubsub-16, ceiling-pubsub, ceiling-pubsub-64k, ceiling-churn, ceiling-reqrep, reqrep-raw,
// ceiling-idle). The cluster scenarios run on nats-edge and on a
// second nats-edge with SHARDS=4, connections pinned to shards. The ceiling scenarios (a Durable
// Object that only forwards raw frames, bench/ceiling/) run only when named in --only or with
// --ceiling.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { root, startBroker, startCeiling } from "../harness/broker.mjs";
import { connect, negotiatedExtensions, offerCompression, rawSocket } from "./lib/client.mjs";
import { findNatsServer, natsServerVersion, startNatsServer } from "../harness/nats-server.mjs";
import { snapshotSource } from "./lib/source.mjs";
import { Results, fmt } from "./lib/stats.mjs";
import { groupPids } from "../harness/process.mjs";
import { cpuMeter, machineBusySeconds, race, sleep, waitCount } from "./lib/util.mjs";
import { CLUSTER_SHARDS, scenarios } from "./scenarios.mjs";
import { leafScenarios, startLeafTargets } from "./leafnodes.mjs";

const { values: args } = parseArgs({
  options: {
    only: { type: "string" },
    runs: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    timeout: { type: "string", default: "60" },
    logs: { type: "string" },
    compression: { type: "boolean", default: false },
    var: { type: "string", multiple: true, default: [] },
    "quiet-wait": { type: "string", default: "20" },
    ceiling: { type: "boolean", default: false },
    "no-dev": { type: "boolean", default: false },
    "idle-conns": { type: "string" },
    committed: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(
    [
      "npm run bench -- [--only NAME,...] [--runs N] [--quick] [--json FILE] [--timeout SECONDS] [--ceiling] [--no-dev]",
      "  NAME: pubsub (pubsub-16, pubsub-128, pubsub-128-unpaced, pubsub-64k), fanout, queue, reqrep,",
      "        jetstream (js-publish, js-consume, kv), leafnodes (leaf-up, leaf-down: across a leafnode link,",
      "        nats-edge against nats-server as the hub of a nats-server leaf),",
      "        cluster (cluster-pubsub, cluster-fanout, cluster-queue, cluster-reqrep, cluster-requesters, cluster-js-publish:",
      `        a second nats-edge with SHARDS=${CLUSTER_SHARDS}, connections pinned to shards), churn, idle,`,
      "        ceiling (ceiling-pubsub-16, ceiling-pubsub, ceiling-pubsub-64k, ceiling-churn, ceiling-reqrep, reqrep-raw,",
      "        ceiling-idle; not run unless named or --ceiling)",
      "  --runs N      repetitions per target (default 3), targets alternate",
      "  --quick       about a tenth of the counts, for smoke tests",
      "  --json FILE   one JSON line per figure and target",
      "  --timeout S   hard limit per run (default 60; idle runs 300)",
      "  --no-dev      leave out the reference target, nats-edge under wrangler dev (quicker runs)",
      "  --idle-conns N  idle connections to open in the idle scenario (default 9000; --quick 500)",
      "  --committed   build the brokers from the last commit, not the working tree (which is copied at start)",
      `  --logs FILE   write what the brokers printed (last 256 KiB per instance) to FILE`,
      "  --compression the client offers permessage-deflate, and both servers are configured to accept it",
      "  --var K:V     a variable for every nats-edge started (repeatable), e.g. --var MAX_PENDING:1048576",
      "  --quiet-wait S  before each run, wait up to S seconds (default 20; 0: don't) for the",
      "                machine to be idle (< 20% of a core busy), so other work does not skew runs",
    ].join("\n"),
  );
  process.exit(0);
}
const runs = Math.max(1, Number(args.runs) || 3);
/** The reference target: the same broker under `wrangler dev`, with its proxy workerd in front. */
const DEV = "wrangler-dev";
const withDev = !args["no-dev"];
const runTimeoutMs = Math.max(5, Number(args.timeout) || 60) * 1000;
const only = args.only ? args.only.split(",").map((s) => s.trim()).filter(Boolean) : null;
const all = [...scenarios, ...leafScenarios];
const selected = all.filter((s) =>
  only ? only.includes(s.group) || only.includes(s.id) || only.includes(s.name) : s.group !== "ceiling" || args.ceiling,
);
if (only) {
  const known = new Set(all.flatMap((s) => [s.group, s.id, s.name]));
  const unknown = only.filter((o) => !known.has(o));
  if (unknown.length) {
    console.error(`unknown scenario(s): ${unknown.join(", ")}; known: ${[...new Set(all.flatMap((s) => [s.group, s.id]))].join(", ")}`);
    process.exit(2);
  }
}

const log = (...a) => console.error(...a);
offerCompression(args.compression);
const servers = []; // everything started, stopped in `finally` and on signals
let stoppingAll;
let interrupted = false;
const stopAll = () => (stoppingAll ??= Promise.allSettled(servers.map((s) => s.stop())));

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, async () => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${sig}: stopping servers`);
    await race(stopAll(), 10_000, () => null);
    process.exit(130);
  });
}

// The whole run stops by itself: every run has its own timeout, and this is the backstop.
const budgetMs =
  selected.reduce((a, s) => a + ((s.timeoutMs ?? runTimeoutMs) + (s.fresh ? 90_000 : 0)) * runs * (withDev ? 3 : 2), 0) + 5 * 60_000;
const watchdog = setTimeout(async () => {
  log(`\nwatchdog: the benchmark exceeded ${Math.round(budgetMs / 1000)} s; stopping`);
  await race(stopAll(), 10_000, () => null);
  process.exit(3);
}, budgetMs);
watchdog.unref();

/** One run's context: connections and sockets to close, abort flag, deadline, progress. */
class RunCtx {
  constructor(timeoutMs, target) {
    this.target = target;
    this.cpu = null; // { pct: {client, worker, proxy, ...}, wall }: CPU over the measured phase
    this.conns = new Set();
    this.sockets = new Set();
    this.aborted = false;
    this.closing = false;
    this.deadline = Date.now() + timeoutMs;
    this.sent = 0;
    this.received = 0;
    this.notes = [];
  }
  /** Starts measuring CPU use; the returned function ends the measurement (once). */
  startCpu() {
    const stop = cpuMeter(this.target?.cpuParts ?? (() => []));
    return () => (this.cpu ??= stop());
  }
  /** Closes every connection (bounded in time), then terminates any socket still open. */
  async closeAll() {
    this.closing = true;
    const conns = [...this.conns];
    const closeSome = async () => {
      while (conns.length) {
        const nc = conns.pop();
        try {
          await race(nc.close(), 5000, () => null);
        } catch {
          /* already closed */
        }
      }
    };
    await race(Promise.all(Array.from({ length: 64 }, closeSome)), 30_000, () => null);
    for (const s of this.sockets) {
      try {
        if (s.readyState !== 3) s.terminate();
      } catch {
        /* ignore */
      }
    }
    this.conns.clear();
    this.sockets.clear();
  }
}

function versions(natsBin) {
  const out = { node: process.version };
  try {
    const pkg = JSON.parse(readFileSync(`${root}/node_modules/workerd/package.json`, "utf8")).version;
    const bin = `${root}/node_modules/@cloudflare/workerd-linux-64/bin/workerd`;
    out.workerd = `${pkg} (${execFileSync(bin, ["--version"], { encoding: "utf8" }).trim()})`;
  } catch {
    out.workerd = "unknown";
  }
  for (const pkg of ["wrangler", "miniflare"]) {
    try {
      out[pkg] = JSON.parse(readFileSync(`${root}/node_modules/${pkg}/package.json`, "utf8")).version;
    } catch {
      out[pkg] = "unknown";
    }
  }
  out.natsServer = natsBin ? natsServerVersion(natsBin) : "not installed";
  // Which broker source was measured (read-only git queries; the snapshot is taken at start).
  try {
    const git = (...a) => execFileSync("git", ["-C", root, ...a], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = git("status", "--porcelain", "--", "src", "wrangler.toml") !== "";
    out.source = `${git("rev-parse", "--short", "HEAD")}${dirty ? " + uncommitted changes in src/ or wrangler.toml" : ""}`;
  } catch {
    out.source = "unknown (no git)";
  }
  return out;
}

/** Other load on the machine: load average, and workerd/nats-server processes that are not ours. */
function foreignLoad() {
  const ours = new Set(servers.flatMap((s) => groupPids(s.pgid).map((p) => p.pid)));
  const others = [...groupPids.all()].filter((p) => !ours.has(p.pid) && /^(workerd|nats-server)$/.test(p.comm));
  const byComm = {};
  for (const p of others) byComm[p.comm] = (byComm[p.comm] ?? 0) + 1;
  return `load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}; other processes: ${
    Object.entries(byComm).map(([c, n]) => `${n} ${c}`).join(", ") || "none"
  }`;
}

/**
 * Unmeasured traffic so both targets start warm (JIT, Durable Object instantiated): plain
 * subscribers, a queue group, request/reply and connection churn, so no measured scenario runs
 * the first, unoptimized passes of its code. On a sharded broker the subscribers and the
 * publisher are on different shards, so the cross-shard path is warm too.
 */
async function warmUp(target) {
  if (target.name === "ceiling") return; // speaks no NATS
  const ctx = new RunCtx(30_000);
  const on = (shard) => (target.shards > 1 ? `${target.url}/?shard=${shard}` : target.url);
  try {
    const sub = await connect(on(1), { ctx });
    let n = 0;
    sub.subscribe("bench.warmup", { callback: () => n++ });
    await sub.flush();
    const pub = await connect(on(0), { ctx });
    const data = new Uint8Array(128);
    for (let i = 0; i < 20_000; i++) {
      pub.publish("bench.warmup", data);
      if (i % 5000 === 4999) await pub.flush();
    }
    await pub.flush();
    await waitCount(() => n, 20_000, { stallMs: 3000 });
    let q = 0;
    const members = [await connect(on(1), { ctx }), await connect(on(2 % Math.max(target.shards, 1)), { ctx })];
    for (const m of members) {
      m.subscribe("bench.warmup.q", { queue: "warm", callback: () => q++ });
      m.subscribe("bench.warmup.rr", { callback: (_e, msg) => msg.respond(data) });
      await m.flush();
    }
    for (let i = 0; i < 20_000; i++) {
      pub.publish("bench.warmup.q", data);
      if (i % 5000 === 4999) await pub.flush();
    }
    await pub.flush();
    await waitCount(() => q, 20_000, { stallMs: 3000 });
    for (let i = 0; i < 300; i++) await pub.request("bench.warmup.rr", data, { timeout: 5_000 });
    for (let i = 0; i < 200; i++) {
      const c = await connect(target.url, { ctx });
      await c.close();
      ctx.conns.delete(c);
    }
  } catch (err) {
    // A broker set up to cut clients off early (a small --var MAX_PENDING) may fail the warm-up:
    // the measured runs will say what happens.
    const line = `warm-up of ${target.name} incomplete: ${err?.message ?? err}`;
    log(`  ${line}`);
    warmUpProblems.push(line);
  } finally {
    await ctx.closeAll();
  }
}
const warmUpProblems = [];

/**
 * Waits (at most `--quiet-wait` seconds) until the machine is nearly idle: our servers are idle
 * between runs, so anything busy is someone else's work that would skew the next run.
 * Returns how busy the last sample was, in % of one core.
 */
const quietWaitMs = Math.max(0, Number(args["quiet-wait"]) || 0) * 1000;
async function waitQuiet() {
  const end = Date.now() + quietWaitMs;
  let busy = 0;
  do {
    const b0 = machineBusySeconds();
    await sleep(500);
    busy = ((machineBusySeconds() - b0) / 0.5) * 100;
    if (busy < 20) break;
  } while (Date.now() < end);
  return busy;
}

async function runOnce(scenario, target, params, results, rep) {
  if (quietWaitMs > 0) {
    const busy = await waitQuiet();
    if (busy >= 20) log(`  (machine still ${busy.toFixed(0)}% busy after waiting ${quietWaitMs / 1000} s; running anyway)`);
  }
  const timeoutMs = scenario.timeoutMs ?? runTimeoutMs;
  const ctx = new RunCtx(timeoutMs, target);
  const fn = typeof scenario.run === "function" ? scenario.run : scenario.run[target.name];
  const label = scenario.targets === "ceiling" ? "ceiling" : scenario.name;
  if (scenario.targets === "cluster" || scenario.targets === "leaf") results.section(label, scenario.targets);
  const t0 = Date.now();
  let outcome;
  try {
    outcome = await race(
      fn(target, ctx, params).catch((err) => ({ error: err })),
      timeoutMs,
      () => ({ error: new Error(`timed out after ${timeoutMs / 1000} s`) }),
    );
  } finally {
    ctx.aborted = true;
    await ctx.closeAll();
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (outcome.error) {
    const msg = outcome.error.message ?? String(outcome.error);
    results.error(label, target.name, rep, `${msg} (sent ${ctx.sent}, received ${ctx.received} when it stopped)`);
    log(`  ${target.name.padEnd(12)} run ${rep}: FAILED (${outcome.error.message ?? outcome.error}) sent ${ctx.sent} received ${ctx.received} [${secs} s]`);
  } else {
    for (const f of outcome.figures) results.add(label, f.figure, f.unit, target.name, f.value, f.better, f.kind, rep);
    results.count(label, target.name, outcome.sent, outcome.received);
    const figs = outcome.figures.filter((f) => f.kind !== "cost").map((f) => `${f.figure} ${fmt(f.value)}`).join(", ");
    const costs = outcome.figures.filter((f) => f.kind === "cost");
    if (costs.length) outcome.detail = [`cost (${costs[0].unit}): ${costs.map((f) => `${f.figure} ${fmt(f.value)}`).join(", ")}`, ...(outcome.detail ?? [])];
    const lost = outcome.sent - outcome.received;
    log(`  ${target.name.padEnd(12)} run ${rep}: ${figs}${lost ? `, LOST ${lost}/${outcome.sent}` : ""} [${secs} s]`);
  }
  for (const n of [...(outcome.notes ?? []), ...ctx.notes]) {
    results.note(label, `${target.name} run ${rep}: ${n}`);
    log(`      ${n}`);
  }
  for (const n of outcome.detail ?? []) log(`      ${n}`);
  if (ctx.cpu && !outcome.error) {
    const { pct, wall } = ctx.cpu;
    results.cpu(scenario.name, target.name, pct);
    if (pct.other > 50) {
      results.note(scenario.name, `${target.name} run ${rep}: other work on the machine took ${pct.other.toFixed(0)}% of a core meanwhile`);
    }
    log(`      CPU (% of one core): ${Object.entries(pct).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")}`);
    if (outcome.messages) {
      // What one message costs the server process itself: nats-server, or the workerd running the
      // Worker and its Durable Object. Not the client, and not the node process beside it
      // (scripts/start.mjs's Miniflare, or wrangler), nor wrangler dev's proxy workerd: under
      // either way of serving, `worker` is the same process doing the same work.
      const perMsg = (p) => ((p / 100) * wall * 1e6) / outcome.messages;
      const us = perMsg((pct.worker ?? 0) + (pct["nats-server"] ?? 0));
      const fig = `${scenario.prefix ?? ""}server CPU per msg`;
      results.add(label, fig, "µs", target.name, us, "lower", undefined, rep);
      const beside = Object.keys(pct)
        .filter((k) => !["client", "other", "worker", "nats-server"].includes(k))
        .map((k) => `${k} ${perMsg(pct[k]).toFixed(2)}`);
      log(`      ${fig}: ${us.toFixed(2)} µs (server process only${beside.length ? `; besides it, µs per msg: ${beside.join(", ")}` : ""})`);
    }
  }
  if (target.exited?.() && !interrupted) {
    throw new Error(`${target.name} exited during ${scenario.name}; its last output:\n${target.output().slice(-4000)}`);
  }
}

async function main() {
  const natsBin = findNatsServer();
  const v = versions(natsBin);
  const results = new Results();
  // Every broker of this run is built from one copy of the sources, taken now.
  const source = snapshotSource({ committed: args.committed });
  const config = source.config;
  log(`starting nats-edge as npm start serves it (one workerd through the Miniflare API)…`);
  const vars = Object.fromEntries(
    args.var.map((kv) => {
      const i = kv.indexOf(":");
      if (i <= 0) throw new Error(`--var expects NAME:value, got ${kv}`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
  // With --compression both servers must accept the client's offer: nats-edge, like
  // nats-server, declines it unless its websocket block says compression: true.
  if (args.compression) {
    const doc = vars.NATS_CONFIG === undefined ? {} : JSON.parse(vars.NATS_CONFIG);
    vars.NATS_CONFIG = JSON.stringify({ ...doc, websocket: { ...doc.websocket, compression: true } });
  }
  let edge = await startBroker({ config, vars, pages: false });
  servers.push(edge);
  log(`  ${edge.url} (process group ${edge.pgid})`);
  let dev = null;
  // Only the main scenarios (no `targets` of their own) run on it.
  if (withDev && selected.some((s) => !s.targets)) {
    log(`starting ${DEV}: nats-edge under wrangler dev --local (its proxy workerd in front), for reference…`);
    dev = await startBroker({ name: DEV, via: "dev", config, vars, pages: false });
    servers.push(dev);
    log(`  ${dev.url} (process group ${dev.pgid})`);
  }
  let nats = null;
  if (natsBin) {
    // JetStream on (file storage), as nats-edge has it: the JetStream scenarios need it, and the
    // core ones then compare like with like.
    nats = await startNatsServer(natsBin, { compression: args.compression, jetstream: true });
    servers.push(nats);
    log(`nats-server: ${nats.url} (pid ${nats.pgid})`);
  } else {
    log("nats-server is not on PATH (apt-get install -y nats-server): measuring nats-edge alone");
  }
  const names = [edge, nats, dev].filter(Boolean).map((t) => t.name);
  let ceiling = null;
  // The cross-shard broker, started for the cluster scenarios (and stopped after them).
  const clusterName = `nats-edge-${CLUSTER_SHARDS}shards`;
  const clusterVars = { ...vars, SHARDS: String(CLUSTER_SHARDS) };
  let cluster = null;
  /** The leafnode targets (a nats-server leaf of nats-edge, and of a nats-server hub), while leaf scenarios run. */
  let leaves = null;
  if (edge.shards !== 1 && selected.some((s) => s.targets === "cluster")) {
    log(`note: --var SHARDS:${edge.shards}: the cluster scenarios' "single shard" column runs on a broker with ${edge.shards} shards`);
  }
  const current = () => [edge, nats, dev].filter(Boolean);
  /** Replaces a target by a freshly started one (for memory figures that need a clean process). */
  const restart = async (t) => {
    await t.stop();
    servers.splice(servers.indexOf(t), 1);
    const fresh = await t.restart();
    servers.push(fresh);
    if (t === edge) edge = fresh;
    if (t === nats) nats = fresh;
    if (t === dev) dev = fresh;
    if (t === ceiling) ceiling = fresh;
    if (t === cluster) cluster = fresh;
    return fresh;
  };

  const ext = {};
  for (const t of current()) ext[t.name] = await negotiatedExtensions(t.url);

  const header = [
    `nats-edge benchmark — ${new Date().toISOString()}${args.quick ? " (--quick)" : ""}, ${runs} run(s) per target, medians`,
    `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`,
    `node ${v.node}, wrangler ${v.wrangler}, miniflare ${v.miniflare}, workerd ${v.workerd}, ${v.natsServer}`,
    `broker source: ${args.committed ? `${v.source.split(" ")[0]} as committed (--committed)` : `${v.source}, copied at start`}; every broker of the run is built from that copy${Object.keys(vars).length ? `; vars ${args.var.join(" ")}` : ""}; without the browser pages`,
    `${edge.name}: served as npm start serves it (scripts/start.mjs: built as wrangler deploy builds it, one workerd through the Miniflare API, no proxy)`,
    ...(dev ? [`${DEV}: the same broker under wrangler dev --local (a proxy workerd in front of the Worker's), for reference`] : []),
    `client: @nats-io/nats-core wsconnect over ws (${
      args.compression ? "permessage-deflate offered; nats-server has compression: true" : "perMessageDeflate: false"
    }), one Node process for all connections`,
    ...current().map(
      (t) =>
        `negotiated extensions with ${t.name}: bench client "${ext[t.name].ws}"; Node's global WebSocket would get "${ext[t.name].global}"`,
    ),
  ];
  header.push(`at start: ${foreignLoad()}`);
  for (const l of header) log(l);

  log("warming up…");
  for (const t of current()) await warmUp(t);

  const edgeOutput = [];
  let fatal = null;
  try {
    for (const s of selected) {
      let params = args.quick ? s.quick : s.full;
      if (s.id === "idle" && args["idle-conns"]) {
        // The full run's time to open them in, whatever the count.
        params = { ...params, count: Math.max(1, Number(args["idle-conns"]) || params.count), openBudgetMs: s.full.openBudgetMs };
      }
      if (s.targets === "ceiling" && !ceiling) {
        log(`starting the ceiling Worker (bench/ceiling)…`);
        ceiling = await startCeiling();
        servers.push(ceiling);
        const ce = await negotiatedRaw(ceiling.url);
        log(`  ${ceiling.url}; negotiated extensions: "${ce}"`);
        if (!header.some((l) => l.includes("ceiling Worker"))) header.push(`negotiated extensions with the ceiling Worker: "${ce}"`);
      }
      if (s.targets === "cluster" && !cluster) {
        log(`starting nats-edge with SHARDS=${CLUSTER_SHARDS} for the cross-shard scenarios…`);
        cluster = await startBroker({ name: clusterName, config, vars: clusterVars, pages: false });
        servers.push(cluster);
        log(`  ${cluster.url} (process group ${cluster.pgid})`);
        const varArgs = Object.entries(clusterVars).map(([k, v]) => `--var ${k}:${v}`).join(" ");
        const line = `cross-shard broker: nats-edge with ${varArgs}, connections pinned with ?shard=N`;
        if (!header.includes(line)) header.push(line);
        await warmUp(cluster);
      }
      if (s.targets === "leaf" && !leaves) {
        if (!natsBin) throw new Error("the leafnode scenarios need nats-server (apt-get install -y nats-server)");
        log("starting nats-server leaves: one of nats-edge, one of a nats-server hub (over WebSocket)…");
        leaves = await startLeafTargets(natsBin, edge);
        servers.push(leaves);
        const line = "leafnode scenarios: a nats-server leaf (remote ws://…) of each hub; the publisher or subscriber on the leaf over TCP (@nats-io/transport-node)";
        if (!header.includes(line)) header.push(line);
      }
      log(`\n== ${s.name} ${JSON.stringify(params)}${s.fresh ? " (fresh servers for every run)" : ""} [${foreignLoad()}]`);
      for (let rep = 1; rep <= runs && !interrupted; rep++) {
        const beside = nats && typeof s.run === "object" && s.run[nats.name] ? [nats] : [];
        const order =
          s.targets === "ceiling" ? [ceiling, edge, ...beside] : s.targets === "cluster" ? [edge, cluster] : s.targets === "leaf" ? leaves.targets : current();
        // Each repetition another target goes first (with two, the order flips).
        const k = (rep - 1) % order.length;
        for (const t0 of [...order.slice(k), ...order.slice(0, k)]) {
          if (interrupted) break;
          let t = t0;
          if (s.fresh) {
            if (t === edge || t === dev) edgeOutput.push(`----- ${t.name} (restarted after this) -----\n${t.output()}`);
            t = await restart(t);
            await warmUp(t);
          }
          await runOnce(s, t, params, results, rep);
        }
        await sleep(200);
      }
      const nextTargets = selected[selected.indexOf(s) + 1]?.targets;
      if (ceiling && nextTargets !== "ceiling") {
        await ceiling.stop();
        servers.splice(servers.indexOf(ceiling), 1);
        ceiling = null;
      }
      if (leaves && nextTargets !== "leaf") {
        await leaves.stop();
        servers.splice(servers.indexOf(leaves), 1);
        leaves = null;
      }
      if (cluster && nextTargets !== "cluster") {
        edgeOutput.push(`----- ${clusterName} -----\n${cluster.output()}`);
        await cluster.stop();
        servers.splice(servers.indexOf(cluster), 1);
        cluster = null;
      }
    }
    header.push(`at end:   ${foreignLoad()}`);
  } catch (err) {
    // A server died or could not be (re)started: report what was measured, then the cause.
    fatal = err;
  } finally {
    edgeOutput.push(`----- ${edge.name} -----\n${edge.output()}`);
    if (dev) edgeOutput.push(`----- ${DEV} -----\n${dev.output()}`);
    if (cluster) edgeOutput.push(`----- ${clusterName} -----\n${cluster.output()}`);
    await stopAll();
    source.remove();
  }

  // Anything alarming in the brokers' output (uncaught exceptions, crashes)?
  // Colour codes stripped, repeats counted, each line with the broker that printed it.
  const seen = new Map();
  let from = edge.name;
  for (const raw of edgeOutput.join("\n").split("\n")) {
    const l = raw.replace(/\u001b\[[0-9;]*m/g, "").trim();
    const section = /^----- (\S+)/.exec(l);
    if (section) from = section[1];
    // The broker's own log lines are JSON with a level: only warnings and errors count.
    else if (l.startsWith("{") ? /"level":"(warn|error)"/.test(l) : /error|exception|uncaught|crash|fatal|disconnected/i.test(l)) seen.set(`${from}: ${l}`, (seen.get(`${from}: ${l}`) ?? 0) + 1);
  }
  const suspicious = [...seen].slice(0, 20).map(([l, n]) => (n > 1 ? `${l} (${n} times)` : l));

  header.push(...warmUpProblems);
  console.log("\n" + header.join("\n") + "\n");
  const main = results.render(names);
  if (main) console.log(main);
  const clusterTable = results.renderCluster(edge.name, clusterName);
  if (clusterTable) {
    console.log(
      `\nAcross shards: the same scenarios on nats-edge with one shard and with ${CLUSTER_SHARDS} (publisher, subject owner and ` +
        `subscribers on different shards); cost figures are the ${CLUSTER_SHARDS}-shard broker's own counters (GET /healthz), summed over shards\n` +
        clusterTable,
    );
    const goal = (sc, fig, op, limit) => {
      const r = results.value(sc, fig, clusterName) / results.value(sc, fig, edge.name);
      if (!Number.isFinite(r)) return null;
      const f = results.figures.get(`${sc}|${fig}`);
      const p = f ? results.pairedRatio(f, clusterName, edge.name) : NaN;
      const holds = (x) => (op === ">=" ? x >= limit : x <= limit);
      const paired = Number.isFinite(p) ? `, paired ${p.toFixed(2)}× (${holds(p) ? "met" : "NOT met"})` : "";
      return `${sc} ${fig}: cross/single ${r.toFixed(2)}× (${holds(r) ? "met" : "NOT met"})${paired}, target ${op === ">=" ? "≥" : "≤"} ${limit}×`;
    };
    const goals = [
      goal("x-shard pubsub 128 B", "msgs/s", ">=", 0.5),
      goal("x-shard queue 4 members", "deliveries/s", ">=", 0.8),
      goal("x-shard request/reply 64 B", "p50", "<=", 1.5),
    ].filter(Boolean);
    if (goals.length) console.log(`Targets: ${goals.join("; ")}`);
  }
  const leafTable = results.pairTable("leaf", "nats-server hub", "nats-edge hub", ["nats-server hub", "nats-edge hub", "edge/nats", "lost (nats / edge)"]);
  if (leafTable) {
    console.log(
      "\nAcross a leafnode link: a nats-server leaf joined over WebSocket to each hub, the other client on the hub\n" + leafTable,
    );
    const r = ["leaf→hub 128 B", "hub→leaf 128 B"].map((sc) => {
      const f = results.figures.get(`${sc}|msgs/s`);
      const p = f ? results.pairedRatio(f, "nats-edge hub", "nats-server hub") : NaN;
      return Number.isFinite(p) ? `${sc} paired ${p.toFixed(2)}× (${p >= 0.5 ? "met" : "NOT met"})` : null;
    });
    if (r.some(Boolean)) console.log(`Targets: ${r.filter(Boolean).join("; ")}, target ≥ 0.5×`);
  }
  const ceil = results.renderCeiling();
  if (ceil) {
    console.log(
      "\nCeiling: nats-edge against a Durable Object that only forwards raw frames (bench/ceiling), same runtime, same client batching" +
        " (nats-server beside them in the pub→sub ceilings)\n" +
        ceil,
    );
  }
  const cpu = results.renderCpu([...names, clusterName]);
  if (cpu) {
    console.log(
      `\nCPU during the measured phase, % of one core (median of runs; the machine has ${os.cpus().length} cores; ` +
        `"other" is everything else the machine did meanwhile)\n${cpu}`,
    );
  }
  if (results.notes.size) {
    console.log("\nNotes:");
    for (const [s, ns] of results.notes) for (const n of ns) console.log(`  ${s}: ${n}`);
  }
  if (results.errors.length) {
    console.log("\nFailures:");
    for (const e of results.errors) console.log(`  ${e.scenario} / ${e.target} run ${e.run}: ${e.error}`);
  }
  if (fatal && !interrupted) console.log(`\nStopped early: ${fatal.stack ?? fatal}`);
  if (suspicious.length) {
    console.log("\nbroker output lines that look like errors (npm start's Miniflare or wrangler dev):");
    for (const l of suspicious) console.log(`  ${l}`);
  }
  if (args.logs) {
    writeFileSync(args.logs, edgeOutput.join("\n"));
    console.log(`\nbroker output written to ${args.logs}`);
  }
  if (args.json) {
    results.writeJson(args.json);
    console.log(`\nJSON lines written to ${args.json}`);
  }
  return fatal || results.errors.length ? 1 : 0;
}

/** Extensions negotiated by a raw `ws` socket (the ceiling Worker speaks no NATS). */
async function negotiatedRaw(url) {
  const s = await rawSocket(`${url}/?role=probe`);
  const e = s.extensions;
  s.terminate();
  return e;
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    if (interrupted) return; // the signal handler stops the servers and exits
    console.error(err?.stack ?? err);
    await race(stopAll(), 10_000, () => null);
    process.exit(1);
  },
);
