// Nothing JetStream acknowledged is lost: 10,000 publishes with acknowledgements while the
// stream's home object is reset mid-traffic (as an eviction or a crash would), then the
// whole broker restarted on its state. Every acknowledged message is there once, at the
// sequence its PubAck named; a durable consumer's acknowledgements survive too.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wsconnect, type NatsConnection } from "@nats-io/nats-core";
import { AckPolicy, jetstream, jetstreamManager, type PubAck } from "@nats-io/jetstream";
import { startBroker, type Broker } from "./broker.js";
import { streamHome } from "../../src/durable/jetstream/placement.js";

const SHARDS = 2;
const COUNT = 10_000;
const IN_FLIGHT = 200;

let broker: Broker;
let state: string;

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), "nats-edge-js-"));
  broker = await startBroker({ vars: { SHARDS: String(SHARDS), TEST_HOOKS: "1" }, persistTo: state });
}, 60_000);

afterAll(async () => {
  await broker?.stop();
  rmSync(state, { recursive: true, force: true });
});

async function connect(): Promise<NatsConnection> {
  return wsconnect({ servers: broker.url, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 100, timeout: 10_000 });
}

describe("jetstream durability", () => {
  it("keeps every acknowledged message once, through a reset of the stream's object and a restart", async () => {
    let nc = await connect();
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "DURABLE", subjects: ["durable.>"] });
    const home = streamHome("$G", "DURABLE", SHARDS);
    const js = jetstream(nc, { timeout: 2_000 });
    const acks = new Map<number, PubAck>();
    let reset = false;
    // Each message is published until acknowledged, with a message id, so one that was
    // stored but whose ack was lost in the reset is not stored twice.
    const publish = async (i: number): Promise<void> => {
      for (;;) {
        try {
          acks.set(i, await js.publish(`durable.${i % 10}`, `m${i}`, { msgID: `id-${i}` }));
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < COUNT) {
          const i = next++;
          if (i === 3_000 && !reset) {
            reset = true;
            await fetch(`${broker.url.replace("ws:", "http:")}/_test/abort/${home}`, { method: "POST" });
          }
          await publish(i);
        }
      }),
    );
    expect(acks.size).toBe(COUNT);
    const seqs = [...acks.values()].map((a) => a.seq);
    expect(new Set(seqs).size).toBe(COUNT);

    // A durable consumer acknowledges the first 100.
    await jsm.consumers.add("DURABLE", { durable_name: "reader", ack_policy: AckPolicy.Explicit });
    const c = await js.consumers.get("DURABLE", "reader");
    const first = await c.fetch({ max_messages: 100, expires: 5_000 });
    for await (const m of first) await m.ackAck();
    await nc.close();

    broker = await broker.restart();
    nc = await connect();
    const jsm2 = await jetstreamManager(nc);
    const info = await jsm2.streams.info("DURABLE");
    expect(info.state.messages).toBe(COUNT);
    expect(info.state.last_seq).toBe(Math.max(...seqs));
    // Each ack's sequence holds the message it acknowledged.
    for (const [i, ack] of [...acks].filter(([i]) => i % 97 === 0)) {
      const m = await jsm2.streams.getMessage("DURABLE", { seq: ack.seq });
      expect(m?.string()).toBe(`m${i}`);
    }
    // Read in full, in order, each once.
    const seen = new Set<string>();
    let last = 0;
    const all = await jetstream(nc).consumers.get("DURABLE");
    const iter = await all.fetch({ max_messages: COUNT, expires: 30_000 });
    for await (const m of iter) {
      expect(m.seq).toBeGreaterThan(last);
      last = m.seq;
      seen.add(m.string());
      if (seen.size === COUNT) break;
    }
    expect(seen.size).toBe(COUNT);
    const reader = await jsm2.consumers.info("DURABLE", "reader");
    expect(reader.ack_floor.consumer_seq).toBe(100);
    expect(reader.num_ack_pending).toBe(0);
    await nc.close();
  }, 180_000);
});
