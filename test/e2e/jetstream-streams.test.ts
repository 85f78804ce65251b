// JetStream streams with the official @nats-io/jetstream client: creating, publishing with
// acknowledgements and expectations, limits, purges, message gets and deletes, names,
// lists and the account's info. With four shards, the manager, the publisher and the
// readers sit on different shards (Clients spreads them), and every stream has a home
// shard of its own.

import { afterEach, describe, expect, it } from "vitest";
import { headers, nuid, type NatsConnection } from "@nats-io/nats-core";
import { AckPolicy, jetstream, jetstreamManager, DiscardPolicy, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream";
import { httpBase } from "./http";
import { apiError } from "./jetstream-util.js";
import { brokerUrl, Clients, delay } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

/** A stream name of its own for each test: streams outlive tests on a shared broker. */
function streamName(): string {
  return `S${nuid.next()}`;
}

async function manager(): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const nc = await clients.connect();
  return { nc, jsm: await jetstreamManager(nc) };
}

/** A stream of its own, on a subject space of its own: `<name>.>`. */
async function newStream(jsm: JetStreamManager, cfg: Partial<StreamConfig> = {}): Promise<string> {
  const name = cfg.name ?? streamName();
  await jsm.streams.add({ name, subjects: [`${name}.>`], ...cfg });
  return name;
}

describe("jetstream streams", () => {
  it("creates a stream with nats-server's defaults, and again when identical", async () => {
    const { jsm } = await manager();
    const name = streamName();
    const info = await jsm.streams.add({ name, subjects: [`${name}.>`] });
    expect(info.config).toMatchObject({
      name,
      subjects: [`${name}.>`],
      retention: "limits",
      max_consumers: -1,
      max_msgs: -1,
      max_bytes: -1,
      max_age: 0,
      max_msgs_per_subject: -1,
      max_msg_size: -1,
      discard: "old",
      storage: "file",
      num_replicas: 1,
      duplicate_window: 120_000_000_000,
      allow_direct: false,
      mirror_direct: false,
      sealed: false,
      deny_delete: false,
      deny_purge: false,
      allow_rollup_hdrs: false,
    });
    expect(info.state).toMatchObject({ messages: 0, bytes: 0, first_seq: 0, last_seq: 0, consumer_count: 0 });
    expect(Date.parse(info.created)).toBeGreaterThan(Date.now() - 60_000);
    // The same configuration again is no error; a different one is.
    const again = await jsm.streams.add({ name, subjects: [`${name}.>`] });
    expect(again.config.name).toBe(name);
    const e = await apiError(jsm.streams.add({ name, subjects: [`${name}.other`] }));
    expect(e).toEqual({ code: 400, err_code: 10058, description: "stream name already in use with a different configuration" });
  });

  it("defaults the subjects to the stream's name", async () => {
    const { nc, jsm } = await manager();
    const name = streamName();
    const info = await jsm.streams.add({ name });
    expect(info.config.subjects).toEqual([name]);
    const ack = await jetstream(nc).publish(name, "x");
    expect(ack).toMatchObject({ stream: name, seq: 1 });
  });

  it("refuses subjects another stream has", async () => {
    const { jsm } = await manager();
    const a = await newStream(jsm);
    const e = await apiError(jsm.streams.add({ name: streamName(), subjects: [`${a}.x`] }));
    expect(e).toEqual({ code: 400, err_code: 10065, description: "subjects overlap with an existing stream" });
  });

  it("stores what is published, from any connection, and acknowledges it in order", async () => {
    const { jsm } = await manager();
    const name = await newStream(jsm);
    const pub = await clients.connect();
    const js = jetstream(pub);
    const acks = await Promise.all(Array.from({ length: 50 }, (_, i) => js.publish(`${name}.a`, `m${i}`)));
    expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(acks.every((a) => a.stream === name && !a.duplicate)).toBe(true);
    // A plain publish, without a reply, is stored too.
    const plain = await clients.connect();
    plain.publish(`${name}.b`, "plain");
    await plain.flush();
    // flush() says the publisher's server took it, not that it reached the stream: a request
    // from another connection may arrive first (with REGIONS, from farther away), as in a
    // nats-server cluster.
    let info = await jsm.streams.info(name);
    for (let i = 0; i < 50 && info.state.messages < 51; i++) {
      await delay(50);
      info = await jsm.streams.info(name);
    }
    expect(info.state.messages).toBe(51);
    expect(info.state.last_seq).toBe(51);
    const m = await jsm.streams.getMessage(name, { seq: 51 });
    expect(m?.subject).toBe(`${name}.b`);
    expect(m?.string()).toBe("plain");
  });

  it("keeps headers byte for byte and finds the last message of a subject", async () => {
    const { nc, jsm } = await manager();
    const name = await newStream(jsm);
    const h = headers();
    h.set("X-Custom", "value one");
    h.append("X-Custom", "value two");
    const js = jetstream(nc);
    await js.publish(`${name}.k`, "first", { headers: h });
    await js.publish(`${name}.other`, "o");
    await js.publish(`${name}.k`, "second", { headers: h });
    const m = await jsm.streams.getMessage(name, { last_by_subj: `${name}.k` });
    expect(m?.seq).toBe(3);
    expect(m?.string()).toBe("second");
    expect(m?.header.values("X-Custom")).toEqual(["value one", "value two"]);
    const first = await jsm.streams.getMessage(name, { seq: 1 });
    expect(first?.string()).toBe("first");
    expect(await jsm.streams.getMessage(name, { seq: 99 })).toBeNull();
  });

  it("de-duplicates by Nats-Msg-Id within the window", async () => {
    const { nc, jsm } = await manager();
    const name = await newStream(jsm);
    const js = jetstream(nc);
    const a = await js.publish(`${name}.x`, "one", { msgID: "id-1" });
    const b = await js.publish(`${name}.x`, "one again", { msgID: "id-1" });
    const c = await js.publish(`${name}.x`, "two", { msgID: "id-2" });
    expect([a.seq, a.duplicate]).toEqual([1, false]);
    expect([b.seq, b.duplicate]).toEqual([1, true]);
    expect([c.seq, c.duplicate]).toEqual([2, false]);
    expect((await jsm.streams.info(name)).state.messages).toBe(2);
  });

  it("checks the publisher's expectations", async () => {
    const { nc, jsm } = await manager();
    const name = await newStream(jsm);
    const js = jetstream(nc);
    await js.publish(`${name}.a`, "1", { msgID: "m1" });
    await js.publish(`${name}.b`, "2");
    await expect(js.publish(`${name}.a`, "x", { expect: { lastSequence: 1 } })).rejects.toThrow("wrong last sequence: 2");
    await expect(js.publish(`${name}.a`, "x", { expect: { streamName: "nope" } })).rejects.toThrow("expected stream does not match");
    await expect(js.publish(`${name}.a`, "x", { expect: { lastSubjectSequence: 2 } })).rejects.toThrow("wrong last sequence: 1");
    await expect(js.publish(`${name}.a`, "x", { expect: { lastMsgID: "m0" } })).rejects.toThrow("wrong last msg ID: ");
    expect((await js.publish(`${name}.a`, "ok", { expect: { lastSequence: 2, lastSubjectSequence: 1 } })).seq).toBe(3);
    expect((await js.publish(`${name}.c`, "new subject", { expect: { lastSubjectSequence: 0 } })).seq).toBe(4);
  });

  it("tells a publisher to a subject no stream has that nobody responds", async () => {
    const { nc } = await manager();
    // The client reads the 503 no-responders status as nats.js does against nats-server.
    await expect(jetstream(nc).publish(`nostream.${nuid.next()}`, "x")).rejects.toThrow("jetstream is not enabled");
  });

  it("discards the oldest past max_msgs, max_msgs_per_subject and max_bytes", async () => {
    const { nc, jsm } = await manager();
    const js = jetstream(nc);
    const byCount = await newStream(jsm, { max_msgs: 3 });
    for (let i = 0; i < 5; i++) await js.publish(`${byCount}.x`, `${i}`);
    expect((await jsm.streams.info(byCount)).state).toMatchObject({ messages: 3, first_seq: 3, last_seq: 5 });

    const perSubject = await newStream(jsm, { max_msgs_per_subject: 2 });
    for (let i = 0; i < 3; i++) await js.publish(`${perSubject}.a`, `${i}`);
    await js.publish(`${perSubject}.b`, "b");
    const s = (await jsm.streams.info(perSubject, { subjects_filter: ">" })).state;
    expect(s.messages).toBe(3);
    expect(s.subjects).toEqual({ [`${perSubject}.a`]: 2, [`${perSubject}.b`]: 1 });

    const byBytes = await newStream(jsm, { max_bytes: 400 });
    for (let i = 0; i < 10; i++) await js.publish(`${byBytes}.x`, new Uint8Array(100));
    const b = (await jsm.streams.info(byBytes)).state;
    expect(b.bytes).toBeLessThanOrEqual(400);
    expect(b.messages).toBeGreaterThan(0);
    expect(b.last_seq).toBe(10);
  });

  it("refuses new messages past the limits with discard new", async () => {
    const { nc, jsm } = await manager();
    const js = jetstream(nc);
    const name = await newStream(jsm, { max_msgs: 2, discard: DiscardPolicy.New });
    await js.publish(`${name}.x`, "1");
    await js.publish(`${name}.x`, "2");
    await expect(js.publish(`${name}.x`, "3")).rejects.toThrow("maximum messages exceeded");
    const small = await newStream(jsm, { max_msg_size: 10 });
    await expect(js.publish(`${small}.x`, "more than ten bytes")).rejects.toThrow("message size exceeds maximum allowed");
  });

  it("expires messages past max_age", async () => {
    const { nc, jsm } = await manager();
    const js = jetstream(nc);
    const name = await newStream(jsm, { max_age: 1_000_000_000, duplicate_window: 1_000_000_000 });
    await js.publish(`${name}.x`, "old");
    await delay(600);
    await js.publish(`${name}.x`, "newer");
    await delay(700);
    // The first is past its age; the stream's alarm (or the next publish) drops it.
    const deadline = Date.now() + 5_000;
    let state = (await jsm.streams.info(name)).state;
    while (state.messages > 1 && Date.now() < deadline) {
      await delay(100);
      state = (await jsm.streams.info(name)).state;
    }
    expect(state).toMatchObject({ messages: 1, first_seq: 2, last_seq: 2 });
    await delay(1_200);
    state = (await jsm.streams.info(name)).state;
    expect(state).toMatchObject({ messages: 0, first_seq: 3, last_seq: 2 });
  });

  it("purges all, by subject, up to a sequence, or keeping the newest", async () => {
    const { nc, jsm } = await manager();
    const js = jetstream(nc);
    const name = await newStream(jsm);
    for (let i = 0; i < 10; i++) await js.publish(`${name}.${i % 2 === 0 ? "even" : "odd"}`, `${i}`);
    expect((await jsm.streams.purge(name, { filter: `${name}.odd` })).purged).toBe(5);
    expect((await jsm.streams.purge(name, { seq: 5 })).purged).toBe(2);
    expect((await jsm.streams.purge(name, { keep: 1 })).purged).toBe(2);
    expect((await jsm.streams.info(name)).state).toMatchObject({ messages: 1, first_seq: 9, last_seq: 10 });
    expect((await jsm.streams.purge(name)).purged).toBe(1);
    expect((await jsm.streams.info(name)).state).toMatchObject({ messages: 0, first_seq: 11, last_seq: 10 });
    // The sequence goes on after a purge.
    expect((await js.publish(`${name}.x`, "after")).seq).toBe(11);

    const denied = await newStream(jsm, { deny_purge: true });
    expect(await apiError(jsm.streams.purge(denied))).toEqual({ code: 500, err_code: 10110, description: "stream purge not permitted" });
  });

  it("deletes single messages, unless the stream denies it", async () => {
    const { nc, jsm } = await manager();
    const js = jetstream(nc);
    const name = await newStream(jsm);
    for (let i = 0; i < 3; i++) await js.publish(`${name}.x`, `${i}`);
    expect(await jsm.streams.deleteMessage(name, 2)).toBe(true);
    expect((await jsm.streams.info(name)).state).toMatchObject({ messages: 2, num_deleted: 1 });
    expect(await apiError(jsm.streams.deleteMessage(name, 2))).toEqual({ code: 400, err_code: 10043, description: "sequence 2 not found" });
    const denied = await newStream(jsm, { deny_delete: true });
    await js.publish(`${denied}.x`, "x");
    expect(await apiError(jsm.streams.deleteMessage(denied, 1))).toEqual({ code: 500, err_code: 10057, description: "message delete not permitted" });
  });

  it("names and lists streams, filtered by subject", async () => {
    const { jsm } = await manager();
    const a = await newStream(jsm);
    const b = await newStream(jsm);
    const names: string[] = [];
    for await (const n of jsm.streams.names()) names.push(n);
    expect(names).toEqual(expect.arrayContaining([a, b]));
    const filtered: string[] = [];
    for await (const n of jsm.streams.names(`${a}.x`)) filtered.push(n);
    expect(filtered).toEqual([a]);
    const infos: string[] = [];
    for await (const si of jsm.streams.list(`${b}.>`)) infos.push(si.config.name);
    expect(infos).toEqual([b]);
    expect(await jsm.streams.find(`${b}.y`)).toBe(b);
  });

  it("deletes a stream: it is gone, and so is its interest", async () => {
    const { nc, jsm } = await manager();
    const name = await newStream(jsm);
    await jetstream(nc).publish(`${name}.x`, "x");
    expect(await jsm.streams.delete(name)).toBe(true);
    expect(await apiError(jsm.streams.info(name))).toEqual({ code: 404, err_code: 10059, description: "stream not found" });
    await expect(jetstream(nc).publish(`${name}.x`, "x")).rejects.toThrow("jetstream is not enabled");
    expect(await apiError(jsm.streams.delete(name))).toEqual({ code: 404, err_code: 10059, description: "stream not found" });
  });

  it("updates a stream's subjects and limits, and refuses what may not change", async () => {
    const { nc, jsm } = await manager();
    const js = jetstream(nc);
    const name = await newStream(jsm);
    for (let i = 0; i < 5; i++) await js.publish(`${name}.x`, `${i}`);
    const info = await jsm.streams.update(name, { subjects: [`${name}.>`, `${name}-extra`], max_msgs: 2 });
    expect(info.config.subjects).toEqual([`${name}.>`, `${name}-extra`]);
    expect(info.state.messages).toBe(2);
    expect((await js.publish(`${name}-extra`, "new subject")).seq).toBe(6);
    await expect(jsm.streams.update(name, { storage: "memory" } as Partial<StreamConfig>)).rejects.toThrow();
  });

  it("rolls up a subject, or the whole stream, when allowed", async () => {
    const { nc, jsm } = await manager();
    const js = jetstream(nc);
    const name = await newStream(jsm, { allow_rollup_hdrs: true });
    for (let i = 0; i < 3; i++) await js.publish(`${name}.a`, `${i}`);
    await js.publish(`${name}.b`, "b");
    const sub = headers();
    sub.set("Nats-Rollup", "sub");
    await js.publish(`${name}.a`, "rolled", { headers: sub });
    expect((await jsm.streams.info(name)).state.messages).toBe(2);
    const all = headers();
    all.set("Nats-Rollup", "all");
    await js.publish(`${name}.c`, "everything", { headers: all });
    expect((await jsm.streams.info(name)).state).toMatchObject({ messages: 1, first_seq: 6 });
    const plain = await newStream(jsm);
    await expect(js.publish(`${plain}.a`, "x", { headers: sub })).rejects.toThrow("rollup not permitted");
  });

  it("answers direct gets when the stream allows them", async () => {
    const { nc, jsm } = await manager();
    const js = jetstream(nc);
    const name = await newStream(jsm, { allow_direct: true });
    await js.publish(`${name}.a`, "one");
    await js.publish(`${name}.a`, "two");
    const bySeq = await jsm.direct.getMessage(name, { seq: 1 });
    expect(bySeq?.string()).toBe("one");
    expect(bySeq?.subject).toBe(`${name}.a`);
    const last = await jsm.direct.getMessage(name, { last_by_subj: `${name}.a` });
    expect(last?.seq).toBe(2);
    expect(await jsm.direct.getMessage(name, { seq: 9 })).toBeNull();
  });

  it("reports the account's streams and storage", async () => {
    const { nc, jsm } = await manager();
    const name = await newStream(jsm);
    await jetstream(nc).publish(`${name}.x`, "x");
    const ai = await jsm.getAccountInfo();
    expect(ai.streams).toBeGreaterThanOrEqual(1);
    expect(ai.storage).toBeGreaterThan(0);
    expect(ai.limits.max_streams).toBe(-1);
  });

  it("shows streams and consumers in /jsz, shaped as nats-server's", async () => {
    const { nc, jsm } = await manager();
    const name = await newStream(jsm);
    await jetstream(nc).publish(`${name}.x`, "x");
    await jsm.consumers.add(name, { durable_name: "watcher", ack_policy: AckPolicy.Explicit });
    await newStream(jsm, { max_bytes: 4096 });
    const totals = await (await fetch(`${httpBase(brokerUrl())}/jsz`)).json();
    expect(totals).toMatchObject({ config: { max_memory: -1, max_storage: -1 }, api: { total: 0, errors: 0 } });
    // What streams' max_bytes reserve: this one's at least (the broker is shared with other tests).
    expect(totals.reserved_storage).toBeGreaterThanOrEqual(4096);
    expect(totals.streams).toBeGreaterThanOrEqual(1);
    expect(totals.account_details).toBeUndefined();
    const detail = await (await fetch(`${httpBase(brokerUrl())}/jsz?acc=$G&streams=true&consumers=true&config=true`)).json();
    const stream = detail.account_details[0].stream_detail.find((s: { name: string }) => s.name === name);
    expect(stream).toMatchObject({ name, config: { name }, state: { messages: 1, last_seq: 1 } });
    expect(stream.consumer_detail.map((c: { name: string }) => c.name)).toEqual(["watcher"]);
  });
});
