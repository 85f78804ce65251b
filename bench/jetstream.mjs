// The JetStream scenarios of `npm run bench`, with the official @nats-io/jetstream and
// @nats-io/kv clients on every target (nats-server runs with JetStream on, file storage):
// acknowledged publishing, pull consuming with acks, and key-value put and get latency. Each
// run makes a stream (or bucket) of its own and deletes it after, so no run sees another's.
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "./lib/client.mjs";
import { at, clusterMeter, withCost } from "./lib/cluster-meter.mjs";
// The broker's own code (plain TypeScript that Node 22 runs by stripping the types).
import { ownerOf } from "../src/protocol/shardkey.ts";
import { percentile } from "./lib/stats.mjs";
import { payload } from "./lib/util.mjs";

let seq = 0;
const streamName = () => `BENCH_${process.pid}_${++seq}`;

/**
 * A fresh stream name whose home is shard `home` of `shards` (src/durable/jetstream/placement.ts:
 * the hash of the account, $G for the benchmark's anonymous clients, and the name).
 */
function streamHomedAt(home, shards) {
  for (;;) {
    const name = streamName();
    if (ownerOf(`$G\u0000${name}`, shards) === home) return name;
  }
}

/** Publishes `count` messages to `subject`, `window` acknowledgements awaited at a time; returns the acks. */
async function publishAcked(js, ctx, subject, data, count, window) {
  let next = 0;
  let acked = 0;
  let failed = 0;
  let firstError = "";
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < count && !ctx.aborted) {
        next++;
        try {
          await js.publish(subject, data);
          acked++;
        } catch (e) {
          failed++;
          firstError ||= String(e?.message ?? e);
          if (failed > 10) return;
        }
      }
    }),
  );
  return { acked, failed, firstError };
}

/**
 * Acknowledged async publish: `window` publishes awaiting their PubAck at a time, as `nats bench
 * --js` does. With `layout` on a broker of several shards, the publisher is on shard `pub` and the
 * stream's home on `home`, and the figures include what crossing shards cost per stored message.
 */
async function jsPublish(target, ctx, { count, size, window, layout }) {
  const meter = layout ? clusterMeter(target, ctx) : null;
  const frames = { count: 0, bytes: 0 };
  const nc = await connect(at(target, layout?.pub), { ctx, frames });
  const jsm = await jetstreamManager(nc);
  const name = layout && target.shards > 1 ? streamHomedAt(layout.home, target.shards) : streamName();
  await jsm.streams.add({ name, subjects: [`${name}.>`], storage: "file" });
  const js = jetstream(nc);
  const data = payload(size);
  await publishAcked(js, ctx, `${name}.warm`, data, 200, window);
  ctx.sent = count;
  await meter?.start();
  const framesBefore = frames.count;
  const cpu = ctx.startCpu();
  const t0 = performance.now();
  const r = await publishAcked(js, ctx, `${name}.x`, data, count, window);
  const secs = (performance.now() - t0) / 1000;
  cpu();
  const sentFrames = frames.count - framesBefore;
  const cost = await meter?.end(r.acked, 1000, "stored messages");
  ctx.received = r.acked;
  const stored = (await jsm.streams.info(name)).state.messages;
  await jsm.streams.delete(name);
  const notes = r.failed ? [`${r.failed} publishes failed, first: ${r.firstError}`] : [];
  if (stored !== r.acked + 200) notes.push(`the stream holds ${stored} messages for ${r.acked + 200} acknowledged`);
  return withCost(
    {
      figures: [
        { figure: "acked msgs/s", unit: "msg/s", value: r.acked / secs },
        // Incoming WebSocket messages are what a Durable Object bills (20 to a request).
        { figure: "publisher frames per 1,000", unit: "frames", value: r.acked > 0 ? (sentFrames * 1000) / r.acked : NaN, better: "lower" },
      ],
      sent: count,
      received: r.acked,
      messages: r.acked,
      notes,
    },
    cost,
  );
}

/** A pull consumer (explicit acks) reading a stream filled beforehand, `batch` messages per pull, as `consume()` does. */
async function jsConsume(target, ctx, { count, size, batch }) {
  const nc = await connect(target.url, { ctx });
  const jsm = await jetstreamManager(nc);
  const name = streamName();
  await jsm.streams.add({ name, subjects: [`${name}.>`], storage: "file" });
  const js = jetstream(nc);
  const filled = await publishAcked(js, ctx, `${name}.x`, payload(size), count, 256);
  await jsm.consumers.add(name, { durable_name: "bench", ack_policy: AckPolicy.Explicit });
  const reader = await connect(target.url, { ctx });
  const consumer = await jetstream(reader).consumers.get(name, "bench");
  ctx.sent = filled.acked;
  const cpu = ctx.startCpu();
  const t0 = performance.now();
  const messages = await consumer.consume({ max_messages: batch });
  let got = 0;
  const deadline = setTimeout(() => void messages.close(), 60_000);
  for await (const m of messages) {
    m.ack();
    got++;
    ctx.received = got;
    if (got >= filled.acked || ctx.aborted) break;
  }
  clearTimeout(deadline);
  const secs = (performance.now() - t0) / 1000;
  cpu();
  await messages.close();
  await reader.flush();
  await jsm.streams.delete(name);
  return {
    figures: [{ figure: "consumed msgs/s", unit: "msg/s", value: got / secs }],
    sent: filled.acked,
    received: got,
    messages: got,
    notes: filled.failed ? [`${filled.failed} publishes failed while filling, first: ${filled.firstError}`] : [],
  };
}

/** Key-value put and get, one at a time: the latency an application sees. */
async function kvLatency(target, ctx, { count, size }) {
  const nc = await connect(target.url, { ctx });
  const bucket = `bench_${process.pid}_${++seq}`;
  const kv = await new Kvm(nc).create(bucket);
  const data = payload(size);
  for (let i = 0; i < 50; i++) await kv.put(`k${i % 10}`, data);
  for (let i = 0; i < 50; i++) await kv.get(`k${i % 10}`);
  const put = [];
  const get = [];
  ctx.sent = 2 * count;
  const cpu = ctx.startCpu();
  for (let i = 0; i < count && !ctx.aborted; i++) {
    const t0 = performance.now();
    await kv.put(`k${i % 100}`, data);
    put.push(performance.now() - t0);
  }
  for (let i = 0; i < count && !ctx.aborted; i++) {
    const t0 = performance.now();
    const e = await kv.get(`k${i % 100}`);
    if (e === null) throw new Error(`key k${i % 100} not found`);
    get.push(performance.now() - t0);
  }
  cpu();
  ctx.received = put.length + get.length;
  await kv.destroy();
  put.sort((a, b) => a - b);
  get.sort((a, b) => a - b);
  return {
    figures: [
      { figure: "put p50", unit: "ms", value: percentile(put, 50), better: "lower" },
      { figure: "put p90", unit: "ms", value: percentile(put, 90), better: "lower" },
      { figure: "get p50", unit: "ms", value: percentile(get, 50), better: "lower" },
      { figure: "get p90", unit: "ms", value: percentile(get, 90), better: "lower" },
    ],
    sent: 2 * count,
    received: put.length + get.length,
    notes: [],
  };
}

export const jetstreamScenarios = [
  {
    group: "jetstream",
    id: "js-publish",
    name: "JetStream acked publish 128 B",
    run: jsPublish,
    full: { count: 20_000, size: 128, window: 256 },
    quick: { count: 2_000, size: 128, window: 64 },
  },
  {
    group: "jetstream",
    id: "js-consume",
    name: "JetStream pull consume 128 B",
    run: jsConsume,
    full: { count: 20_000, size: 128, batch: 500 },
    quick: { count: 2_000, size: 128, batch: 100 },
  },
  {
    group: "jetstream",
    id: "kv",
    name: "KV put/get 128 B",
    run: kvLatency,
    full: { count: 1_000, size: 128 },
    quick: { count: 100, size: 128 },
  },
];

/** Run with the cross-shard scenarios (targets: "cluster"), after them. */
export const jetstreamClusterScenarios = [
  // The stream's home on another shard than the publisher: its messages cross in batches.
  {
    group: "cluster",
    id: "cluster-js-publish",
    name: "x-shard JetStream acked publish",
    targets: "cluster",
    run: jsPublish,
    full: { count: 20_000, size: 128, window: 256, layout: { pub: 0, home: 1 } },
    quick: { count: 2_000, size: 128, window: 64, layout: { pub: 0, home: 1 } },
  },
];
