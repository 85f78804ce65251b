#!/usr/bin/env node
// `npm run compat`: runs the same configurations and the same raw-protocol cases
// (scripts/lib/compat-cases.mjs) against nats-server and against nats-edge, and
// lists every difference in outcome. An outcome, per connection, is the bytes
// the server sent after INFO, whether INFO asked for authentication (and
// carried a nonce, and which max_payload), and how the server closed the
// socket. What legitimately differs is left out: INFO's other contents, server
// and client ids, nonces, and in JetStream answers times, server names and
// generated consumer names (replaced by placeholders, lib/jetstream-normalize.mjs).
// Known, deliberate differences are reported as "expected" with their reason,
// apart from unexpected ones.
//
// nats-server comes from PATH (Debian: apt-get install nats-server); without it
// nats-edge runs alone and its outcomes are printed. Both servers run on free
// loopback ports, each configuration in a fresh pair, and are stopped by
// process group when it is done.
//
//   npm run compat [-- --only REGEX] [-- --out FILE.md] [-- --edge-only]
//
// --only keeps the cases whose "configuration/case" matches; --out also writes
// the report to a file; --edge-only runs nats-edge alone, as without nats-server.
// Exit status: 0 when nothing differs unexpectedly, 1 when something does (or a
// configuration could not run), 2 on a usage error or when the run overran its
// deadline.

import { writeFileSync } from "node:fs";
import WebSocket from "ws";
import { startBroker } from "../harness/broker.mjs";
import { findNatsServer, natsServerVersion, startNatsServer } from "../harness/nats-server.mjs";
import { configurations } from "./lib/compat-cases.mjs";
import { closeFrameOf, discard, escBytes, runCase, sleep } from "../harness/raw-ws.mjs";

const DEADLINE_MS = 20 * 60_000;
const DEFAULT_MAX_PAYLOAD = 1048576;

// Differences that are deliberate, each with the reason, matched per connection
// (outcomes as outcomeOf makes them: escaped bytes, INFO flags, close). These
// apply to every case; a case may also name those that apply to it alone
// (`known` in compat-cases.mjs: one rule or a list).
const EXPECTED = [
  {
    why:
      "nats-server closes a stale connection with status 1006, which RFC 6455 reserves for a connection " +
      "that ended without a close frame; WebSocket clients refuse it (`ws`: invalid status code 1006). " +
      "nats-edge sends 1001 (going away) with the reason \"Stale Connection\".",
    applies: (ns, edge) =>
      ns.bytes === edge.bytes &&
      ns.info === edge.info &&
      ns.frame?.code === 1006 &&
      ns.frame.refused !== null &&
      edge.frame?.code === 1001 &&
      edge.frame.reason === "Stale Connection",
  },
  {
    why:
      "nats-edge does not enforce the limits of account JWTs: nats-server refuses a connection over the " +
      "account's `limits.conn` with 'maximum account active connections exceeded', and reads a limit the " +
      "JWT leaves out as 0, so an account JWT without `limits` admits nobody there.",
    applies: (ns, edge) =>
      // Without `limits`, nats-server may also report the subscription limit of 0 on the way out.
      ns.bytes.startsWith("-ERR 'maximum account active connections exceeded'\\r\\n") &&
      ns.close === 'closed 1008 "Maximum Account Connections Exceeded"' &&
      edge.close === "open" &&
      !edge.bytes.includes("-ERR"),
  },
];

function parseArgs(argv) {
  const out = { only: null, file: null, edgeOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--only" && argv[i + 1] !== undefined) out.only = new RegExp(argv[++i]);
    else if (a === "--out" && argv[i + 1] !== undefined) out.file = argv[++i];
    else if (a === "--edge-only") out.edgeOnly = true;
    else {
      console.error(`usage: node scripts/compat.mjs [--only REGEX] [--out FILE.md] [--edge-only]  (unknown argument ${JSON.stringify(a)})`);
      process.exit(2);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Outcomes.

/**
 * What one connection saw, reduced to what is compared: the case's `rewrite`
 * (raw bytes to raw bytes) and `normalize` (escaped text) applied. `raw` keeps
 * the bytes as received, for rules that compare them their own way.
 */
function outcomeOf(c, { rewrite = (b) => b, normalize = (s) => s } = {}) {
  const chunks = [c.infoFrame, ...c.frames].filter(Boolean).map((f) => Buffer.from(f.bytes));
  let raw = Buffer.concat(chunks);
  if (/^INFO\s/i.test(raw.subarray(0, 5).toString("latin1"))) {
    const eol = raw.indexOf("\r\n");
    raw = eol < 0 ? Buffer.alloc(0) : raw.subarray(eol + 2);
  }
  const shown = raw.length ? rewrite(raw) : raw;
  const info = c.infoJson;
  const flags = [];
  if (info?.auth_required) flags.push("auth_required");
  if (info?.nonce) flags.push("nonce");
  if (info && info.max_payload !== DEFAULT_MAX_PAYLOAD) flags.push(`max_payload=${info.max_payload}`);

  const frame = closeFrameOf(c);
  let close;
  let tcpOpen = false;
  if (c.info === null) close = `refused${c.error ? `: ${c.error}` : ""}`;
  else if (c.openAtEnd) close = "open";
  // The close frame answering the client's own differs in its reason only (nats-server echoes it).
  else if (c.closedByClient && frame?.code === 1000) close = "closed by the client";
  else if (frame === null) close = "closing (no close frame)";
  else if (frame.refused !== null) close = `closed ${frame.code} (close frame refused by the client)`;
  else {
    close = `closed ${frame.code} "${frame.reason}"`;
    // The close frame came but the TCP stream did not end (local workerd, server timers).
    tcpOpen = c.closed === null;
  }
  return {
    bytes: normalize(shown.length ? escBytes(shown) : "∅"),
    raw,
    info: info ? flags.join(",") : "-",
    close,
    frame,
    tcpOpen,
  };
}

const key = (o) => `${o.bytes}\u0000${o.info}\u0000${o.close}`;

function show(o) {
  const info = o.info && o.info !== "-" ? ` [${o.info}]` : "";
  return `${code(o.bytes)}${info} → ${o.close}${o.tcpOpen ? " †" : ""}`;
}

/** "same", "expected" (with the reasons) or "DIFFERENT", for one case's connections. */
function verdict(ns, edge, known) {
  const rules = [...EXPECTED, ...(known ? [known].flat() : [])];
  const reasons = new Set();
  let different = false;
  for (const l of Object.keys(ns)) {
    const a = ns[l];
    const b = edge[l];
    if (b === undefined) {
      different = true;
      continue;
    }
    if (key(a) === key(b)) continue;
    const rule = rules.find((r) => r.applies(a, b));
    if (rule) reasons.add(rule.why);
    else different = true;
  }
  if (Object.keys(edge).some((l) => ns[l] === undefined)) different = true;
  if (different) return { kind: "DIFFERENT", reasons: [] };
  return reasons.size ? { kind: "expected", reasons: [...reasons] } : { kind: "same", reasons: [] };
}

// ---------------------------------------------------------------------------
// Running.

async function runAll(url, cases) {
  const out = [];
  for (const cs of cases) {
    const create = (u, label) => new WebSocket(u + (cs.query?.[label] ?? ""), { perMessageDeflate: false, headers: cs.headers?.[label] });
    // Generous waits, so that a loaded machine slows the run down rather than changing outcomes.
    const r = await runCase(cs, { url, create, gap: 80, settleMs: 5000, openTimeoutMs: 5000 });
    const outcomes = {};
    for (const l of r.labels) outcomes[l] = outcomeOf(r.conns[l], cs);
    const sent = {};
    for (const l of r.labels) sent[l] = r.conns[l].sent.filter((e) => !e.finalPing).map((e) => escBytes(e.bytes));
    discard(r);
    out.push({ outcomes, sent });
    if (cs.pause) await sleep(cs.pause);
  }
  return out;
}

/** Why the broker refuses to serve (its /healthz), or null when it serves. */
async function edgeProblem(edge) {
  try {
    await edge.health();
    return null;
  } catch (e) {
    return e.message;
  }
}

/**
 * Starts the pair for one configuration (nats-edge alone without `bin`), runs
 * the cases on both at once, stops both. Returns per case the outcomes and
 * what nats-edge's connections sent (the same frames went to nats-server).
 */
async function runConfiguration(cfg, cases, bin) {
  let ns = null;
  let edge = null;
  try {
    // A function when it must be fresh (JWTs that expire during the run).
    const config = typeof cfg.config === "function" ? await cfg.config() : cfg.config;
    if (bin) ns = await startNatsServer(bin, { config });
    // The same document, listener included (nats-edge accepts it and ignores it).
    const doc = ns?.config ?? config;
    edge = await startBroker({ vars: { NATS_CONFIG: JSON.stringify(doc), ...cfg.edgeVars }, pages: false });
    const problem = await edgeProblem(edge);
    const [nsRuns, edgeRuns] = await Promise.all([ns ? runAll(ns.url, cases) : null, runAll(edge.url, cases)]);
    return {
      config,
      problem,
      results: cases.map((cs, i) => ({ cs, a: nsRuns?.[i].outcomes ?? null, b: edgeRuns[i].outcomes, sent: edgeRuns[i].sent })),
    };
  } finally {
    await Promise.all([ns?.stop(), edge?.stop()]);
  }
}

// ---------------------------------------------------------------------------
// Report (Markdown, printed as it goes and optionally written to a file).

function tableEdgeOnly(say, results) {
  say("| case | conn | nats-edge |");
  say("|---|---|---|");
  for (const { cs, b } of results) {
    Object.entries(b).forEach(([l, o], j) => say(`| ${j ? "" : cell(cs.name)} | ${l} | ${cell(show(o))} |`));
  }
}

function tableCompared(say, results) {
  say("| case | conn | nats-server | nats-edge | verdict |");
  say("|---|---|---|---|---|");
  for (const { cs, a, b, v } of results) {
    const labels = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    labels.forEach((l, j) => {
      const left = a[l] ? show(a[l]) : "(not opened)";
      const right = b[l] ? (a[l] && key(a[l]) === key(b[l]) ? `same${b[l].tcpOpen ? " †" : ""}` : show(b[l])) : "(not opened)";
      say(`| ${j ? "" : cell(cs.name)} | ${l} | ${cell(left)} | ${cell(right)} | ${j ? "" : v.kind} |`);
    });
  }
}

/** An unexpected difference with everything needed to reproduce it by hand. */
function reproduction(say, cfg, config, { cs, a, b, sent }) {
  say();
  say(`### ${cfg.name} / ${cs.name}`);
  say();
  say(`Configuration: \`${JSON.stringify(config).slice(0, 300)}\``);
  say();
  for (const l of Object.keys(sent)) {
    const headers = cs.headers?.[l] ? ` (headers ${JSON.stringify(cs.headers[l]).slice(0, 80)})` : "";
    say(`- ${l} sent: ${sent[l].map(code).join(", ") || "nothing"}${headers}`);
    say(`  - nats-server: ${a[l] ? show(a[l]) : "(not opened)"}`);
    say(`  - nats-edge:   ${b[l] ? show(b[l]) : "(not opened)"}`);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const bin = args.edgeOnly ? null : findNatsServer();
  const lines = [];
  const say = (s = "") => {
    lines.push(s);
    console.log(s);
  };
  const deadline = setTimeout(() => {
    console.error(`compat: still running after ${DEADLINE_MS / 60_000} minutes; stopping`);
    process.exit(2); // group.mjs's exit hook kills the servers this run started
  }, DEADLINE_MS);
  deadline.unref();

  say("# nats-server ⇄ nats-edge: same configuration, same bytes");
  say();
  if (bin) say(`Reference: ${natsServerVersion(bin)} (${bin}). nats-edge: wrangler dev --local from a snapshot of src/, one shard unless the configuration says otherwise.`);
  else if (args.edgeOnly) say("--edge-only: nats-edge runs alone, its outcomes are printed and nothing is compared.");
  else say("nats-server is not on PATH (apt-get install nats-server): nats-edge runs alone, its outcomes are printed and nothing is compared.");
  say();
  say(
    "Each cell: the bytes the server sent after INFO (escaped), [INFO's auth_required, nonce, and max_payload when not 1 MiB], " +
      "→ how the connection ended. † marks a close frame after which the server left the TCP stream open (counted as closed).",
  );

  const totals = { configs: 0, cases: 0, same: 0, expected: 0, DIFFERENT: 0, failedConfigs: 0 };
  const expectedWhy = new Map();
  const found = [];

  for (const cfg of await configurations()) {
    const cases = cfg.cases.filter((cs) => !args.only || args.only.test(`${cfg.name}/${cs.name}`));
    if (cases.length === 0) continue;
    totals.configs++;
    say();
    say(`## ${cfg.name}: ${cfg.title}`);
    say();
    let run;
    try {
      run = await runConfiguration(cfg, cases, bin);
    } catch (e) {
      totals.failedConfigs++;
      say(`**could not run this configuration:** ${cell(String(e.message).split("\n").slice(0, 6).join(" / "))}`);
      continue;
    }
    if (run.problem) say(`nats-edge refuses to serve this configuration: ${run.problem}\n`);
    totals.cases += cases.length;
    if (!bin) {
      tableEdgeOnly(say, run.results);
      continue;
    }
    for (const r of run.results) {
      r.v = verdict(r.a, r.b, r.cs.known);
      totals[r.v.kind]++;
      for (const why of r.v.reasons) expectedWhy.set(why, (expectedWhy.get(why) ?? 0) + 1);
      if (r.v.kind === "DIFFERENT") found.push([cfg, run.config, r]);
    }
    tableCompared(say, run.results);
  }

  if (expectedWhy.size) {
    say();
    say("## Expected differences");
    say();
    for (const [why, n] of expectedWhy) say(`- (${n} case${n === 1 ? "" : "s"}) ${why}`);
  }
  if (found.length) {
    say();
    say("## Unexpected differences, with what was sent");
    for (const [cfg, config, r] of found) reproduction(say, cfg, config, r);
  }
  say();
  const failed = totals.failedConfigs ? `; ${totals.failedConfigs} configurations could not run` : "";
  say(
    bin
      ? `Summary: ${totals.cases} cases in ${totals.configs} configurations: ` +
          `${totals.same} same, ${totals.expected} expected, ${totals.DIFFERENT} DIFFERENT${failed}`
      : `Summary: ${totals.cases} cases in ${totals.configs} configurations run against nats-edge alone, nothing compared${failed}`,
  );
  if (args.file) writeFileSync(args.file, lines.join("\n") + "\n");
  clearTimeout(deadline);
  return totals.DIFFERENT > 0 || totals.failedConfigs > 0 ? 1 : 0;
}

/** Text safe inside a Markdown table cell. */
function cell(s) {
  return s.replace(/\|/g, "\\|");
}

/** Escaped bytes inside Markdown backquotes (a backquote in them would end the span). */
function code(s) {
  return `\`${s.replace(/`/g, "ˋ")}\``;
}

for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));
process.exit(await main());
