// JetStream consumers with the official @nats-io/jetstream client: pull consumers (fetch,
// next, consume, several clients sharing one durable), acks and redelivery, deliver
// policies and filters, ordered consumers (pull and push), work queues, and the
// consumer API itself. With four shards the clients and the stream's home are spread
// over different shards.

import { afterEach, describe, expect, it } from "vitest";
import { nuid, type NatsConnection } from "@nats-io/nats-core";
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  RetentionPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { Clients, delay, waitUntil } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

async function setup(cfg: Record<string, unknown> = {}): Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager; name: string }> {
  const nc = await clients.connect();
  const jsm = await jetstreamManager(nc);
  const name = `S${nuid.next()}`;
  await jsm.streams.add({ name, subjects: [`${name}.>`], ...cfg });
  return { nc, js: jetstream(nc), jsm, name };
}

/**
 * `n` acknowledged publishes, all sent before any ack is awaited: one connection's publishes are
 * stored in the order sent, and with REGIONS the stream's home may be a round trip away.
 */
async function publishN(js: JetStreamClient, subject: string, n: number, from = 0): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => js.publish(subject, `m${from + i}`)));
}

async function fetchAll(js: JetStreamClient, stream: string, consumer: string, max: number, expires = 1_000): Promise<JsMsg[]> {
  const c = await js.consumers.get(stream, consumer);
  const iter = await c.fetch({ max_messages: max, expires });
  const got: JsMsg[] = [];
  for await (const m of iter) got.push(m);
  return got;
}

describe("jetstream pull consumers", () => {
  it("fetches a batch, with the stored subjects and the metadata clients parse", async () => {
    const { js, jsm, name } = await setup();
    await publishN(js, `${name}.a`, 10);
    await jsm.consumers.add(name, { durable_name: "d", ack_policy: AckPolicy.Explicit });
    const reader = jetstream(await clients.connect());
    const got = await fetchAll(reader, name, "d", 5);
    expect(got.map((m) => m.string())).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect(got.every((m) => m.subject === `${name}.a`)).toBe(true);
    expect(got[0].info).toMatchObject({ stream: name, consumer: "d", streamSequence: 1, deliverySequence: 1, deliveryCount: 1, pending: 9 });
    for (const m of got) m.ack();
    let info = await jsm.consumers.info(name, "d");
    const deadline = Date.now() + 5_000;
    while (info.ack_floor.stream_seq < 5 && Date.now() < deadline) {
      await delay(50);
      info = await jsm.consumers.info(name, "d");
    }
    expect(info).toMatchObject({
      name: "d",
      stream_name: name,
      delivered: { consumer_seq: 5, stream_seq: 5 },
      ack_floor: { consumer_seq: 5, stream_seq: 5 },
      num_ack_pending: 0,
      num_pending: 5,
    });
  });

  it("answers next() with a message, or null once the request expires", async () => {
    const { js, jsm, name } = await setup();
    await jsm.consumers.add(name, { durable_name: "n", ack_policy: AckPolicy.Explicit });
    const c = await js.consumers.get(name, "n");
    expect(await c.next({ expires: 1_000 })).toBeNull();
    await js.publish(`${name}.x`, "hello");
    const m = await c.next({ expires: 2_000 });
    expect(m?.string()).toBe("hello");
    await m?.ackAck();
  });

  it("waits for messages published after the pull", async () => {
    const { js, jsm, name } = await setup();
    await jsm.consumers.add(name, { durable_name: "w", ack_policy: AckPolicy.Explicit });
    const c = await js.consumers.get(name, "w");
    const pending = c.next({ expires: 5_000 });
    await delay(200);
    const pub = jetstream(await clients.connect());
    await pub.publish(`${name}.late`, "late");
    expect((await pending)?.string()).toBe("late");
  });

  it("shares a durable between clients: each message once", async () => {
    const { js, jsm, name } = await setup();
    await jsm.consumers.add(name, { durable_name: "shared", ack_policy: AckPolicy.Explicit });
    const seen: string[] = [];
    const readers = await Promise.all([clients.connect(), clients.connect(), clients.connect()]);
    const loops = await Promise.all(
      readers.map(async (nc) => {
        const c = await jetstream(nc).consumers.get(name, "shared");
        const msgs = await c.consume({ max_messages: 10 });
        void (async () => {
          for await (const m of msgs) {
            seen.push(m.string());
            m.ack();
          }
        })();
        return msgs;
      }),
    );
    await publishN(js, `${name}.w`, 200);
    await waitUntil(() => seen.length >= 200, 15_000, () => `200 messages (got ${seen.length})`);
    await delay(300);
    for (const l of loops) await l.close();
    expect(seen.length).toBe(200);
    expect(new Set(seen).size).toBe(200);
  });

  it("redelivers what is not acknowledged within ack_wait, and what is nak'd", async () => {
    const { js, jsm, name } = await setup();
    await jsm.consumers.add(name, { durable_name: "r", ack_policy: AckPolicy.Explicit, ack_wait: 1_000_000_000 });
    await publishN(js, `${name}.r`, 2);
    const first = await fetchAll(js, name, "r", 2);
    expect(first.map((m) => m.info.deliveryCount)).toEqual([1, 1]);
    first[0].nak(200);
    // The first comes back after its delay, the second after the ack wait.
    const again = await fetchAll(js, name, "r", 2, 3_000);
    expect(again.map((m) => [m.string(), m.info.deliveryCount, m.redelivered])).toEqual([
      ["m0", 2, true],
      ["m1", 2, true],
    ]);
    for (const m of again) m.term();
    await delay(1_300);
    expect(await fetchAll(js, name, "r", 2, 1_000)).toEqual([]);
  });

  it("stops redelivering after max_deliver", async () => {
    const { js, jsm, name } = await setup();
    await jsm.consumers.add(name, { durable_name: "md", ack_policy: AckPolicy.Explicit, ack_wait: 300_000_000, max_deliver: 2 });
    await js.publish(`${name}.x`, "once");
    expect((await fetchAll(js, name, "md", 1)).length).toBe(1);
    expect((await fetchAll(js, name, "md", 1, 1_500)).map((m) => m.info.deliveryCount)).toEqual([2]);
    expect(await fetchAll(js, name, "md", 1, 1_000)).toEqual([]);
  });

  it("starts where its deliver policy says, and reads only its filters", async () => {
    const { js, jsm, name } = await setup();
    await js.publish(`${name}.a`, "a1");
    await js.publish(`${name}.b`, "b1");
    await js.publish(`${name}.a`, "a2");
    await js.publish(`${name}.c`, "c1");
    const read = async (cfg: Record<string, unknown>) => {
      const durable = `c${nuid.next()}`;
      await jsm.consumers.add(name, { durable_name: durable, ack_policy: AckPolicy.None, ...cfg });
      return (await fetchAll(js, name, durable, 10, 1_000)).map((m) => m.string());
    };
    expect(await read({})).toEqual(["a1", "b1", "a2", "c1"]);
    expect(await read({ deliver_policy: DeliverPolicy.Last })).toEqual(["c1"]);
    expect(await read({ deliver_policy: DeliverPolicy.New })).toEqual([]);
    expect(await read({ deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 3 })).toEqual(["a2", "c1"]);
    expect(await read({ deliver_policy: DeliverPolicy.LastPerSubject, filter_subject: `${name}.>` })).toEqual(["b1", "a2", "c1"]);
    expect(await read({ filter_subject: `${name}.a` })).toEqual(["a1", "a2"]);
    expect(await read({ filter_subjects: [`${name}.a`, `${name}.c`] })).toEqual(["a1", "a2", "c1"]);
  });

  it("names, lists, and deletes consumers; an ephemeral one goes when unused", async () => {
    const { jsm, name } = await setup();
    await jsm.consumers.add(name, { durable_name: "one", ack_policy: AckPolicy.Explicit });
    await jsm.consumers.add(name, { durable_name: "two", ack_policy: AckPolicy.Explicit });
    const eph = await jsm.consumers.add(name, { ack_policy: AckPolicy.Explicit, inactive_threshold: 500_000_000 });
    const names: string[] = [];
    for await (const c of jsm.consumers.list(name)) names.push(c.name);
    expect(names.sort()).toEqual([eph.name, "one", "two"].sort());
    expect(await jsm.consumers.delete(name, "one")).toBe(true);
    await expect(jsm.consumers.info(name, "one")).rejects.toBeInstanceOf(JetStreamApiError);
    await delay(1_500);
    const left: string[] = [];
    for await (const c of jsm.consumers.list(name)) left.push(c.name);
    expect(left).toEqual(["two"]);
    expect((await jsm.streams.info(name)).state.consumer_count).toBe(1);
  });

  it("never delivers what was removed after it read ahead: deletes, purges, limits", async () => {
    const { js, jsm, name } = await setup({ max_msgs_per_subject: 2 });
    // 1..8 on a, b, c, d in turn; the consumer takes two, so the rest is read ahead.
    for (let i = 0; i < 8; i++) await js.publish(`${name}.${"abcd"[i % 4]}`, `m${i + 1}`);
    await jsm.consumers.add(name, { durable_name: "d", ack_policy: AckPolicy.Explicit });
    const reader = jetstream(await clients.connect());
    expect((await fetchAll(reader, name, "d", 2)).map((m) => m.string())).toEqual(["m1", "m2"]);
    await jsm.streams.deleteMessage(name, 3); // one message
    await jsm.streams.purge(name, { filter: `${name}.d` }); // by subject: 4 and 8
    await js.publish(`${name}.a`, "m9"); // a holds 5 and 9 now: 1 went (max_msgs_per_subject)
    await js.publish(`${name}.a`, "m10"); // 5 goes
    expect((await fetchAll(reader, name, "d", 10)).map((m) => m.string())).toEqual(["m6", "m7", "m9", "m10"]);
    await publishN(js, `${name}.e`, 4, 11); // 11..14
    await jsm.streams.purge(name, { seq: 13 }); // everything below 13
    expect((await fetchAll(reader, name, "d", 10)).map((m) => m.string())).toEqual(["m13", "m14"]);
  });

  it("removes acknowledged messages from a work queue", async () => {
    const { js, jsm, name } = await setup({ retention: RetentionPolicy.Workqueue });
    await publishN(js, `${name}.job`, 3);
    await jsm.consumers.add(name, { durable_name: "worker", ack_policy: AckPolicy.Explicit });
    const got = await fetchAll(js, name, "worker", 3);
    for (const m of got) await m.ackAck();
    const state = (await jsm.streams.info(name)).state;
    expect(state.messages).toBe(0);
    expect(state.last_seq).toBe(3);
  });
});

describe("jetstream ordered consumers", () => {
  it("reads a stream in order with an ordered pull consumer", async () => {
    const { js, name } = await setup();
    await publishN(js, `${name}.o`, 20);
    const c = await js.consumers.get(name);
    const msgs = await c.fetch({ max_messages: 20, expires: 2_000 });
    const got: string[] = [];
    for await (const m of msgs) got.push(m.string());
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
  });

  it("pushes a stream in order, then live messages, to an ordered push consumer", async () => {
    const { js, name } = await setup();
    await publishN(js, `${name}.p`, 5);
    const c = await js.consumers.getPushConsumer(name);
    const msgs = await c.consume();
    const got: string[] = [];
    void (async () => {
      for await (const m of msgs) got.push(m.string());
    })();
    await waitUntil(() => got.length >= 5, 5_000, () => `5 stored messages (got ${got.length})`);
    await publishN(js, `${name}.p`, 5, 5);
    await waitUntil(() => got.length >= 10, 5_000, () => `10 messages (got ${got.length})`);
    await msgs.close();
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
  });
});
