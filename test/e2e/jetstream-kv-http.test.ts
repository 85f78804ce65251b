// Key-value buckets over the HTTP bridge: GET, PUT and DELETE /kv/<bucket>/<key>, against
// the same bucket the official KV client reads and writes.

import { afterEach, describe, expect, it } from "vitest";
import { nuid } from "@nats-io/nats-core";
import { Kvm } from "@nats-io/kv";
import { httpBase } from "./http";
import { brokerUrl, Clients } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

const kvUrl = (bucket: string, key: string) => `${httpBase(brokerUrl())}/kv/${bucket}/${key}`;

describe("key-value over HTTP", () => {
  it("puts, gets and deletes keys of a bucket the KV client shares", async () => {
    const bucket = `h${nuid.next()}`;
    const kv = await new Kvm(await clients.connect()).create(bucket);
    const put = await fetch(kvUrl(bucket, "greeting"), { method: "PUT", body: "hello" });
    expect(put.status).toBe(200);
    const { revision } = (await put.json()) as { revision: number };
    expect((await kv.get("greeting"))?.string()).toBe("hello");
    await kv.put("greeting", "hi");
    const got = await fetch(kvUrl(bucket, "greeting"));
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("hi");
    expect(Number(got.headers.get("KV-Revision"))).toBe(revision + 1);
    expect((await fetch(kvUrl(bucket, "greeting"), { method: "DELETE" })).status).toBe(204);
    expect(await kv.get("greeting").then((e) => e?.operation)).toBe("DEL");
    const gone = await fetch(kvUrl(bucket, "greeting"));
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: 'key "greeting" not found' });
  });

  it("answers a missing bucket and bad names with clear errors", async () => {
    const missing = `m${nuid.next()}`;
    expect(await (await fetch(kvUrl(missing, "k"))).json()).toEqual({ error: `bucket "${missing}" not found` });
    expect((await fetch(kvUrl(missing, "k"), { method: "PUT", body: "x" })).status).toBe(404);
    const bad = await fetch(kvUrl("bucket", ".dot"));
    expect(bad.status).toBe(400);
    expect((await fetch(`${httpBase(brokerUrl())}/kv/bad%20bucket/k`)).status).toBe(400);
  });
});
