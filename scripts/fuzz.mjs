// `npm run fuzz`: a bounded fuzz run against the broker in workerd (see docs/protocol.md,
// "Hostile input"). Starts `wrangler dev` offline from a snapshot of the sources (as the
// benchmark does), with every connection on one object, runs scripts/fuzz-engine.mjs against it,
// and adds what only the owner of the process can see: wrangler's output (no uncaught exception
// from the Worker) and the memory of the workerd processes (bounded after the connections close).
//
//   npm run fuzz -- [--seconds 60] [--connections 50] [--seed S] [--warmup 10] [--url ws://127.0.0.1:8787]
//   npm run fuzz -- --seed S --replay C:K [--url …]    round K of connection C again, alone, in full
//
// With --url, --shards N spreads the connections over N shards (`?shard=`), as the sharded e2e
// suite does.
// --url targets a broker that is already running: then neither wrangler's output nor memory is
// checked, nor whether every connection was released (other clients may be connected). The exit
// code is 0 when every check passed, 1 when one failed, 2 when the run could not start.
import { parseArgs } from "node:util";
import { startBroker } from "../harness/broker.mjs";
import { sleep } from "../harness/process.mjs";
import { formatReport, replayRound, runFuzz } from "./fuzz-engine.mjs";

/**
 * Growth of the RSS of the workerd process that runs the Worker, from the baseline to after the
 * connections closed and it settled, that fails the run. The baseline is taken after the first
 * --warmup seconds of the run (and a settle): a cold isolate grows by some 150-250 MiB to its
 * working size in its first seconds of load, and keeps it, which is not a leak. The other
 * workerd, wrangler's proxy in front of it (not part of a deployment), is reported only.
 */
const MEMORY_BOUND_KIB = 200 * 1024;
const SETTLE_MS = 10_000;

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    connections: { type: "string", default: "50" },
    seed: { type: "string" },
    url: { type: "string" },
    replay: { type: "string" },
    shards: { type: "string", default: "1" },
    warmup: { type: "string", default: "10" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log("usage: npm run fuzz -- [--seconds 60] [--connections 50] [--seed S] [--warmup 10] [--url ws://host:port [--shards N]] [--replay C:K]");
  process.exit(0);
}
const seconds = Number(values.seconds);
const shards = values.url === undefined ? 1 : Number(values.shards);
const connections = Number(values.connections);
const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const replay = values.replay === undefined ? null : /^(\d+):(\d+)$/.exec(values.replay);
if (!(seconds > 0) || !(connections >= 1) || !(shards >= 1) || !(Number(values.warmup) >= 0) || (values.seed !== undefined && !/^\d+$/.test(values.seed)) || (values.replay !== undefined && (replay === null || values.seed === undefined))) {
  console.error("--seconds, --connections and --shards take positive numbers, --warmup a number, --seed a whole number, --replay C:K (with --seed)");
  process.exit(2);
}

/**
 * Lines of wrangler's output that speak of a failure in the Worker: uncaught exceptions, stack
 * frames, workerd's own errors, the broker's own log lines at error or warn (its info lines
 * report what clients did wrong, which is the fuzz's to do). Request lines ("GET / 101
 * Switching Protocols") are not.
 */
function suspicious(text) {
  return text
    .replace(/\u001b\[[0-9;]*m/g, "")
    .split("\n")
    .filter((l) =>
      l.startsWith('{"time":')
        ? /^\{"time":"[^"]*","level":"(error|warn)"/.test(l)
        : /uncaught|exception|\berror\b|fatal|panic|segmentation|aborted|internal error|✘|^\s+at\s/i.test(l),
    )
    .filter((l) => !/^\[wrangler:info\] [A-Z]+ \S+ \d{3} /.test(l));
}

/**
 * Follows wrangler's output as it grows. The broker keeps only its last 256 KiB, so it is read
 * often and each read resumes after the end of the previous one.
 */
function follow(output) {
  const found = [];
  let tail = "";
  const read = () => {
    const out = output();
    const at = tail === "" ? 0 : out.lastIndexOf(tail);
    const fresh = at < 0 ? out : out.slice(at + tail.length);
    tail = out.slice(-200);
    found.push(...suspicious(fresh));
  };
  const timer = setInterval(read, 250);
  return () => {
    clearInterval(timer);
    read();
    return found;
  };
}

async function start() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBroker({ vars: { ALLOW_ANONYMOUS: "true", SHARDS: "1" }, pages: false });
    } catch (err) {
      // The snapshot may catch src/ in the middle of an edit: a later one may build.
      if (attempt === 3) throw err;
      console.error(`broker did not start (${String(err.message).split("\n")[0]}); trying again in 60 s`);
      await sleep(60_000);
    }
  }
}

let broker = null;
let code = 2;
try {
  if (values.url === undefined) {
    console.log("starting the broker (wrangler dev, one shard)…");
    broker = await start();
  }
  const url = values.url ?? broker.url;
  if (replay !== null) {
    const r = await replayRound({ url, seed, shards, slot: Number(replay[1]), round: Number(replay[2]) });
    console.log(JSON.stringify(r, null, 2));
    code = r.failures.length === 0 ? 0 : 1;
    throw null;
  }
  const stopFollowing = broker ? follow(broker.output) : () => [];
  console.log(`fuzzing ${url} for ${seconds} s with ${connections} connections, seed ${seed}`);
  const report = await runFuzz({
    url,
    shards,
    seconds,
    connections,
    seed,
    rss: broker ? () => broker.rssParts() : undefined,
    warmupSeconds: Number(values.warmup),
    expectIdle: broker !== null,
    settleMs: SETTLE_MS,
    log: (line) => console.log(line),
  });
  const lines = stopFollowing();
  if (broker) {
    if (lines.length > 0) {
      report.failureCount++;
      report.failures.push({ check: "c", message: `wrangler printed ${lines.length} error lines:\n      ${lines.slice(0, 20).join("\n      ")}` });
    }
    const worker = report.memory.worker;
    const growth = worker ? worker.afterKiB - worker.beforeKiB : Infinity;
    if (growth > MEMORY_BOUND_KIB) {
      report.failureCount++;
      report.failures.push({ check: "d", message: worker ? `the Worker's workerd grew by ${(growth / 1024).toFixed(0)} MiB and stayed there (bound ${MEMORY_BOUND_KIB / 1024} MiB)` : "the Worker's workerd process was not found" });
    }
    if (broker.exited()) {
      report.failureCount++;
      report.failures.push({ check: "c", message: "wrangler exited during the run" });
    }
    report.ok = report.failureCount === 0;
  }
  console.log(`\n${formatReport(report)}`);
  if (broker) console.log(`  wrangler's output: ${lines.length} error lines`);
  code = report.ok ? 0 : 1;
} catch (err) {
  if (err !== null) console.error(err?.stack ?? err);
} finally {
  await broker?.stop();
}
process.exit(code);
