// `npm run profile -- [--target nats-edge|ceiling] [--scenario reqrep|pubsub|jsconsume|kvput] [--count N] [--size B]`:
// a CPU profile of the Worker's isolate while raw WebSocket clients drive it, taken through
// workerd's inspector (the Chrome DevTools protocol, which the harness opens with `inspect`;
// `node --cpu-prof` does not reach into workerd). Prints where the isolate spent its time, by
// function, and writes the whole profile (open it in Chrome DevTools' Performance panel).
//
//   reqrep: a requester and a responder, one request in flight (the request/reply path);
//   pubsub: one publisher sending frames of `--size`-byte PUBs (default 128), as many per frame
//           as nats-core puts in one (it flushes its buffer once it holds 32 KiB, so at least two
//           records when one is larger than that), one subscriber (the fan-in path);
//   jsconsume: a stream filled with `--count` messages, then read by a pull consumer that acks
//           each (the official JetStream client's consume());
//   kvput: key-value puts of `--size` bytes, one at a time, over 100 keys (@nats-io/kv).
// With --target ceiling the same raw frames go through the forwarding object of bench/ceiling,
// whose profile shows what the runtime itself costs per frame.

import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { wsconnect } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { startBroker, startCeiling } from "../harness/broker.mjs";
import { recordsPerFrame } from "./scenarios.mjs";

const { values: args } = parseArgs({
  options: {
    target: { type: "string", default: "nats-edge" },
    scenario: { type: "string", default: "reqrep" },
    count: { type: "string", default: "8000" },
    size: { type: "string", default: "128" },
    out: { type: "string", default: "bench/results/profile.cpuprofile" },
  },
});
const ceiling = args.target === "ceiling";
const count = Number(args.count);
const size = Number(args.size);
const enc = new TextEncoder();
/** Set once the profile is taken: sockets closing after that are the end, not a failure. */
let finished = false;

const server = ceiling ? await startCeiling({ inspect: true }) : await startBroker({ pages: false, inspect: true });
try {
  const [target] = await (await fetch(`http://127.0.0.1:${server.inspectorPort}/json`)).json();
  const cdp = await open(target.webSocketDebuggerUrl);
  let id = 0;
  const pending = new Map();
  cdp.on("message", (d) => {
    const m = JSON.parse(String(d));
    pending.get(m.id)?.(m.result);
    pending.delete(m.id);
  });
  const call = (method, params = {}) =>
    new Promise((resolve) => {
      pending.set(++id, resolve);
      cdp.send(JSON.stringify({ id, method, params }));
    });

  const scenarios = { reqrep, pubsub, jsconsume, kvput };
  if (!scenarios[args.scenario]) throw new Error(`--scenario ${args.scenario}: expected one of ${Object.keys(scenarios).join(", ")}`);
  const run = await scenarios[args.scenario]();
  await run(Math.min(2000, count)); // warm: JIT, object instantiated
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 100 });
  let t0 = 0;
  // A scenario with a preparation (jsconsume fills its stream) calls this when it is done, so
  // the profile holds only the path being measured.
  const measure = async () => {
    await call("Profiler.start");
    t0 = performance.now();
  };
  if (args.scenario !== "jsconsume") await measure();
  await run(count, measure);
  const elapsed = performance.now() - t0;
  const { profile } = await call("Profiler.stop");
  writeFileSync(args.out, JSON.stringify(profile));
  report(profile, elapsed);
  finished = true;
  cdp.close();
} finally {
  await server.stop();
}
process.exit(0);

function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

/** Waits for the first frame that contains `text`. */
function frameWith(ws, text) {
  return new Promise((resolve) => {
    const on = (d) => {
      if (!String(d).includes(text)) return;
      ws.off("message", on);
      resolve();
    };
    ws.on("message", on);
  });
}

async function connected(url, sub) {
  const ws = await open(url);
  if (!ceiling) {
    const pong = frameWith(ws, "PONG\r\n");
    ws.send(enc.encode(`CONNECT {"verbose":false,"pedantic":false}\r\nSUB ${sub} 1\r\nPING\r\n`));
    await pong;
  }
  return ws;
}

async function reqrep() {
  const url = ceiling ? `${server.url}/?role=sub&room=profile` : server.url;
  const responder = await connected(url, "svc");
  const requester = await connected(url, "_INBOX.p.*");
  const body = "x".repeat(64);
  responder.on("message", (d) => {
    if (ceiling) return responder.send(d);
    const m = /MSG svc 1 (\S+) 64\r\n/.exec(String(d));
    if (m) responder.send(enc.encode(`PUB ${m[1]} 64\r\n${body}\r\n`));
  });
  let waiting = null;
  requester.on("message", () => {
    const w = waiting;
    waiting = null;
    w?.();
  });
  let n = 0;
  return async (rounds) => {
    for (let i = 0; i < rounds; i++) {
      await new Promise((resolve) => {
        waiting = resolve;
        requester.send(ceiling ? enc.encode(body) : enc.encode(`PUB svc _INBOX.p.${n++} 64\r\n${body}\r\n`));
      });
    }
  };
}

/** A stream filled with `rounds` messages, then read by a pull consumer acking each (the JetStream consume path). */
async function jsconsume() {
  const nc = await wsconnect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const body = "x".repeat(size);
  let n = 0;
  return async (rounds, measure) => {
    const name = `PROFILE${n++}`;
    await jsm.streams.add({ name, subjects: [`${name}.>`] });
    for (let i = 0; i < rounds; i += 256) {
      await Promise.all(Array.from({ length: Math.min(256, rounds - i) }, () => js.publish(`${name}.x`, body)));
    }
    await jsm.consumers.add(name, { durable_name: "c", ack_policy: "explicit" });
    await measure?.();
    const messages = await (await js.consumers.get(name, "c")).consume({ max_messages: 500 });
    let got = 0;
    for await (const m of messages) {
      m.ack();
      if (++got >= rounds) break;
    }
    await messages.close();
  };
}

/** Key-value puts, one at a time (the latency of a stored write). */
async function kvput() {
  const nc = await wsconnect({ servers: server.url });
  const kv = await new Kvm(nc).create("profile");
  const body = "x".repeat(size);
  return async (rounds) => {
    for (let i = 0; i < rounds; i++) await kv.put(`k${i % 100}`, body);
  };
}

async function pubsub() {
  const sub = await connected(ceiling ? `${server.url}/?role=sub&room=profile` : server.url, "bench.p");
  const pub = await connected(ceiling ? `${server.url}/?role=pub&room=profile` : server.url, "unused");
  const one = `PUB bench.p ${size}\r\n${"x".repeat(size)}\r\n`;
  const perFrame = recordsPerFrame(one.length);
  const frame = enc.encode(one.repeat(perFrame));
  const delivered = ceiling ? one.length : `MSG bench.p 1 ${size}\r\n`.length + size + 2;
  let bytes = 0;
  sub.on("close", (code, reason) => finished || console.error(`the subscriber was closed: ${code} ${reason}`));
  sub.on("message", (d) => {
    bytes += d.byteLength;
    // nats-edge ends a frame with a PING now and then to see that the reader keeps up; without
    // its PONG the subscriber would be cut off as a slow consumer.
    if (!ceiling && d.byteLength >= 6 && d.subarray(d.byteLength - 6).toString() === "PING\r\n") {
      bytes -= 6;
      sub.send(enc.encode("PONG\r\n"));
    }
  });
  // As the benchmark's publisher: a PING every 1 MiB, at most two unanswered (the object's
  // queue of publisher frames stays short, so the subscriber's PONGs are read in time), and
  // at most 8 MiB ahead of the subscriber. The forwarding object answers no PING.
  const framePing = enc.encode(one.repeat(perFrame) + "PING\r\n");
  const every = Math.max(1, Math.round((1 << 20) / frame.length));
  let pongs = 0;
  pub.on("message", (d) => (pongs += String(d).split("PONG").length - 1));
  return async (messages) => {
    const frames = Math.ceil(messages / perFrame);
    let expected = bytes;
    let pings = pongs;
    for (let i = 0; i < frames; i++) {
      const ping = !ceiling && i % every === every - 1;
      pub.send(ping ? framePing : frame);
      if (ping) pings++;
      expected += perFrame * delivered;
      while (expected - bytes > 8 * 1024 * 1024 || pings - pongs > 2) await new Promise((r) => setTimeout(r, 1));
    }
    while (bytes < expected) await new Promise((r) => setTimeout(r, 5));
  };
}

function report(profile, elapsed) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((sample, i) => {
    const f = byId.get(sample).callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url ? `${f.url.split("/").pop()}:${f.lineNumber + 1}` : ""}`.trim();
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  const what = args.scenario === "pubsub" ? `messages of ${size} B` : "round trips";
  console.log(`${args.target}, ${args.scenario}, ${count} ${what} in ${elapsed.toFixed(0)} ms; ${(total / 1000).toFixed(0)} ms sampled`);
  console.log("self time by function (the line is in the bundle wrangler built):");
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
  }
  console.log(`profile written to ${args.out}`);
}
