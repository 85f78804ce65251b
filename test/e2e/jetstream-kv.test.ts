// Key-value buckets with the unmodified @nats-io/kv client: a bucket is a stream with
// conventions (KV_<bucket>, $KV.<bucket>.<key>, one message per key kept, rollups,
// direct gets, ordered push consumers for watches), so this exercises what the client
// builds on. With four shards the writer, the watcher and the bucket's home differ.

import { afterEach, describe, expect, it } from "vitest";
import { nuid } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm, KvWatchInclude, type KvWatchEntry } from "@nats-io/kv";
import { Clients, waitUntil } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

function bucketName(): string {
  return `b${nuid.next()}`;
}

describe("jetstream key-value", () => {
  it("puts, gets, and keeps revisions with create and update", async () => {
    const kvm = new Kvm(await clients.connect());
    const kv = await kvm.create(bucketName(), { history: 5 });
    const r1 = await kv.put("a.b", "one");
    const r2 = await kv.put("a.b", "two");
    expect(r2).toBe(r1 + 1);
    const e = await kv.get("a.b");
    expect(e?.string()).toBe("two");
    expect(e?.revision).toBe(r2);
    expect(await kv.get("missing")).toBeNull();
    const r3 = await kv.create("fresh", "new");
    await expect(kv.create("fresh", "again")).rejects.toThrow(/wrong last sequence/);
    const r4 = await kv.update("fresh", "updated", r3);
    await expect(kv.update("fresh", "stale", r3)).rejects.toThrow(/wrong last sequence/);
    expect((await kv.get("fresh"))?.string()).toBe("updated");
    expect(r4).toBeGreaterThan(r3);
  });

  it("deletes and purges keys, keeps history, and lists keys", async () => {
    const kvm = new Kvm(await clients.connect());
    const kv = await kvm.create(bucketName(), { history: 10 });
    for (let i = 0; i < 3; i++) await kv.put("k", `v${i}`);
    await kv.put("other", "x");
    const history: string[] = [];
    for await (const e of await kv.history({ key: "k" })) history.push(e.string());
    expect(history).toEqual(["v0", "v1", "v2"]);
    await kv.delete("k");
    const deleted = await kv.get("k");
    expect(deleted?.operation).toBe("DEL");
    await kv.purge("other");
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    expect(keys).toEqual([]);
    await kv.put("alive", "yes");
    const left: string[] = [];
    for await (const k of await kv.keys()) left.push(k);
    expect(left).toEqual(["alive"]);
  });

  it("watches: the current values first, then live updates", async () => {
    const kvm = new Kvm(await clients.connect());
    const name = bucketName();
    const kv = await kvm.create(name);
    await kv.put("x", "1");
    await kv.put("y", "2");
    const watcher = await new Kvm(await clients.connect()).open(name);
    const seen: string[] = [];
    const iter = await watcher.watch();
    void (async () => {
      for await (const e of iter as AsyncIterable<KvWatchEntry>) seen.push(`${e.key}=${e.operation === "PUT" ? e.string() : e.operation}`);
    })();
    await waitUntil(() => seen.length >= 2, 5_000, () => `the initial values (got ${seen.join(",")})`);
    await kv.put("x", "3");
    await kv.delete("y");
    await waitUntil(() => seen.length >= 4, 5_000, () => `the updates (got ${seen.join(",")})`);
    iter.stop();
    expect(seen).toEqual(["x=1", "y=2", "x=3", "y=DEL"]);
  });

  it("keeps the stream's first sequence and count as puts replace values, keys written in turn", async () => {
    const nc = await clients.connect();
    const kvm = new Kvm(nc);
    const name = bucketName();
    const kv = await kvm.create(name);
    // Each put replaces the oldest message of the stream (its key's previous value); one key
    // written once stays first.
    await kv.put("static", "s");
    for (let round = 0; round < 5; round++) for (let k = 0; k < 20; k++) await kv.put(`k${k}`, `${round}`);
    const jsm = await jetstreamManager(nc);
    let info = await jsm.streams.info(`KV_${name}`);
    expect(info.state.messages).toBe(21);
    expect(info.state.first_seq).toBe(1);
    expect(info.state.last_seq).toBe(101);
    await kv.purge("static");
    await kv.put("k0", "last");
    info = await jsm.streams.info(`KV_${name}`);
    // The purge marker (seq 102) replaced "static"; k1's value from the last round (seq 83) is now first.
    expect(info.state.first_seq).toBe(83);
    expect(info.state.messages).toBe(21);
    const seen: string[] = [];
    const iter = await kv.watch({ include: KvWatchInclude.LastValue });
    for await (const e of iter as AsyncIterable<KvWatchEntry>) {
      seen.push(`${e.key}=${e.operation === "PUT" ? e.string() : e.operation}`);
      if (e.delta === 0) break;
    }
    expect(seen).toHaveLength(21);
    expect(seen[0]).toBe("k1=4");
    expect(seen.slice(-2)).toEqual(["static=PURGE", "k0=last"]);
  });

  it("reports status, lists buckets, and destroys one", async () => {
    const kvm = new Kvm(await clients.connect());
    const name = bucketName();
    const kv = await kvm.create(name, { history: 3 });
    await kv.put("a", "1");
    const st = await kv.status();
    expect(st.bucket).toBe(name);
    expect(st.history).toBe(3);
    expect(st.values).toBe(1);
    const names: string[] = [];
    for await (const s of kvm.list()) names.push(s.bucket);
    expect(names).toContain(name);
    expect(await kv.destroy()).toBe(true);
    // open() only binds (as against nats-server); asking for the bucket's status finds it gone.
    await expect((await kvm.open(name)).status()).rejects.toThrow(/stream not found/);
  });
});
