// The monitoring endpoints as a nats-server monitoring tool reads them, on the
// shared broker (one shard in "e2e", four in "e2e-sharded"), while other files
// run traffic of their own: counts are compared as "at least", and the order of
// a list is checked within one answer.
import type { NatsConnection } from "@nats-io/nats-core";
import { afterEach, describe, expect, it } from "vitest";
import { brokerRegions, brokerShards, brokerUrl, Clients, delay, listen, quiesce, uniq } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

type Json = Record<string, any>;

async function get(path: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(brokerUrl().replace(/^ws/, "http") + path);
  return { status: res.status, body: (await res.json()) as Json };
}

async function ok(path: string): Promise<Json> {
  const { status, body } = await get(path);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

/** The connection named `name` in /connz with `query`, polled for until it shows there. */
async function connNamed(name: string, query = ""): Promise<Json> {
  for (let i = 0; i < 50; i++) {
    const body = await ok(`/connz?limit=100000${query}`);
    const found = body.connections.find((c: Json) => c.name === name);
    if (found !== undefined) return found;
    await delay(100);
  }
  throw new Error(`no connection named ${name} in /connz${query}`);
}

const SHARD_FIELDS = ["connections", "in_bytes", "in_msgs", "leafnodes", "out_bytes", "out_msgs", "shard", "slow_consumers", "subscriptions", "total_connections"];

// A nats-server serves these on its own monitoring port, which NATS_E2E_URL does not name.
describe.skipIf(Boolean(process.env.NATS_E2E_URL))("monitoring", () => {
  it("/varz describes the server, and its totals move with traffic", async () => {
    const before = await ok("/varz");
    const sub = await clients.connect();
    const pub = await clients.connect();
    const subject = uniq("mon.varz");
    const inbox = listen(sub, subject);
    await sub.flush();
    const n = 25;
    const payload = new Uint8Array(100);
    for (let i = 0; i < n; i++) pub.publish(subject, payload);
    await inbox.waitFor(n);
    await quiesce(pub, sub);
    const after = await ok("/varz");

    expect(after.server_id).toMatch(/^NE[0-9A-F]+$/);
    expect(after).toMatchObject({ version: "2.10.0", proto: 1, go: "workerd", routes: 0, remotes: 0, leafnodes: 0 });
    expect(after.ping_interval).toBe(2 * 60 * 1e9); // a Go duration: nanoseconds
    expect(after.max_payload).toBe(1024 * 1024);
    expect(after.uptime).toMatch(/^(\d+y)?(\d+d)?(\d+h)?(\d+m)?\d+s$/);
    expect(Date.parse(after.start)).toBeLessThanOrEqual(Date.parse(after.now));
    expect(after.start).toBe(before.start);
    expect(after.connections).toBeGreaterThanOrEqual(2);
    expect(after.total_connections).toBeGreaterThanOrEqual(before.total_connections + 2);
    expect(after.in_msgs - before.in_msgs).toBeGreaterThanOrEqual(n);
    expect(after.out_msgs - before.out_msgs).toBeGreaterThanOrEqual(n);
    expect(after.in_bytes - before.in_bytes).toBeGreaterThanOrEqual(n * payload.length);
    expect(after.out_bytes - before.out_bytes).toBeGreaterThanOrEqual(n * payload.length);
    expect(after.subscriptions).toBeGreaterThanOrEqual(1);

    expect(after.num_shards).toBe(brokerShards());
    expect(after.shards.map((x: Json) => x.shard)).toEqual([...Array(brokerShards()).keys()]);
    // With REGIONS each shard also names its region.
    const fields = brokerRegions().length > 0 ? [...SHARD_FIELDS, "region"].sort() : SHARD_FIELDS;
    for (const shard of after.shards) expect(Object.keys(shard).sort()).toEqual(fields);
    for (const field of ["connections", "in_msgs", "out_msgs", "in_bytes", "out_bytes", "subscriptions"]) {
      expect(after.shards.reduce((t: number, x: Json) => t + x[field], 0), field).toBe(after[field]);
    }
  });

  it("/connz shows a connection by its name, with its client, counters and subscriptions", async () => {
    const name = uniq("mon-conn");
    const nc = await clients.connect({ name });
    const subjects = [uniq("mon.a"), uniq("mon.b")];
    const inboxes = subjects.map((s) => listen(nc, s));
    await nc.flush();
    for (let i = 0; i < 3; i++) nc.publish(subjects[0], "x");
    await inboxes[0].waitFor(3);
    await quiesce(nc);

    const conn = await connNamed(name, "&subs=1");
    expect(conn).toMatchObject({ kind: "Client", type: "websocket", lang: "nats.ws", subscriptions: 2 });
    expect(conn.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(conn.cid).toBeGreaterThan(0);
    expect(conn.in_msgs).toBe(3);
    expect(conn.out_msgs).toBe(3);
    expect(conn.in_bytes).toBe(3);
    expect(conn.subscriptions_list.sort()).toEqual([...subjects].sort());
    expect(Date.parse(conn.start)).toBeLessThanOrEqual(Date.parse(conn.last_activity));
    expect(conn.uptime).toMatch(/s$/);
    expect(conn.idle).toMatch(/s$/);
    expect(conn.pending_bytes).toBeGreaterThanOrEqual(0);

    // One connection by its cid, with its subscriptions in detail.
    const byCid = await ok(`/connz?cid=${conn.cid}&subs=detail&auth=1`);
    expect(byCid.limit).toBe(1);
    expect(byCid.connections).toHaveLength(1);
    const detail = byCid.connections[0];
    expect(detail.name).toBe(name);
    expect(detail.subscriptions_list).toBeUndefined();
    const bySubject = new Map(detail.subscriptions_list_detail.map((d: Json) => [d.subject, d]));
    expect(bySubject.get(subjects[0])).toMatchObject({ msgs: 3, cid: conn.cid });
    expect(bySubject.get(subjects[1])).toMatchObject({ msgs: 0, cid: conn.cid });
    // Anonymous, in the global account: neither is shown.
    expect(detail.authorized_user).toBeUndefined();
    expect(detail.account).toBeUndefined();
  });

  it("/connz sorts as nats-server does and pages with limit and offset", async () => {
    // Connections with distinct traffic, spread over the shards.
    const conns: NatsConnection[] = [];
    for (let i = 0; i < 4; i++) conns.push(await clients.connect({ name: uniq("mon-sort") }));
    for (let i = 0; i < conns.length; i++) for (let k = 0; k <= i; k++) conns[i].publish(uniq("mon.sorted"), "x");
    await quiesce(...conns);

    const byCid = (await ok("/connz")).connections.map((c: Json) => c.cid);
    expect(byCid).toEqual([...byCid].sort((a: number, b: number) => a - b));
    const byMsgsFrom = (await ok("/connz?sort=msgs_from")).connections.map((c: Json) => c.in_msgs);
    expect(byMsgsFrom).toEqual([...byMsgsFrom].sort((a: number, b: number) => b - a));
    const bySubs = (await ok("/connz?sort=subs")).connections.map((c: Json) => c.subscriptions);
    expect(bySubs).toEqual([...bySubs].sort((a: number, b: number) => b - a));
    const byIdle = (await ok("/connz?sort=idle")).connections.map((c: Json) => Date.parse(c.last_activity));
    expect(byIdle).toEqual([...byIdle].sort((a: number, b: number) => a - b));

    const paged = await ok("/connz?limit=2&offset=1");
    expect(paged).toMatchObject({ offset: 1, limit: 2 });
    expect(paged.num_connections).toBe(paged.connections.length);
    expect(paged.connections.length).toBeLessThanOrEqual(2);
    expect(paged.total).toBeGreaterThanOrEqual(4);

    const bad = await get("/connz?sort=nonsense");
    expect(bad).toEqual({ status: 400, body: { error: "invalid sorting option: nonsense" } });
    expect((await get("/connz?sort=stop")).body).toEqual({ error: "sort by stop only valid on closed connections" });
  });

  it("/connz?state=closed shows a connection that closed, and why", async () => {
    const name = uniq("mon-closed");
    const nc = await clients.connect({ name });
    await nc.flush();
    await nc.close();
    const closed = await connNamed(name, "&state=closed");
    expect(closed).toMatchObject({ reason: "Client Closed" });
    expect(Date.parse(closed.stop)).toBeGreaterThanOrEqual(Date.parse(closed.start));
    const open = await ok("/connz?limit=100000");
    expect(open.connections.find((c: Json) => c.name === name)).toBeUndefined();
  });

  it("/subsz counts the sublists and lists the subscriptions that match a subject", async () => {
    const nc = await clients.connect();
    const subject = uniq("mon.subsz");
    const inbox = listen(nc, `${subject}.*`);
    await nc.flush();
    nc.publish(`${subject}.x`, "x");
    await inbox.waitFor(1);

    const stats = await ok("/subsz");
    expect(Object.keys(stats).sort()).toEqual(
      ["avg_fanout", "cache_hit_rate", "max_fanout", "num_cache", "num_inserts", "num_matches", "num_removes", "num_subscriptions"],
    );
    expect(stats.num_subscriptions).toBeGreaterThanOrEqual(1);
    expect(stats.num_inserts).toBeGreaterThanOrEqual(stats.num_subscriptions);
    expect(stats.num_matches).toBeGreaterThanOrEqual(1);
    expect(stats.cache_hit_rate).toBeGreaterThanOrEqual(0);
    expect(stats.cache_hit_rate).toBeLessThanOrEqual(1);

    const listed = await ok(`/subsz?subs=1&test=${subject}.y`);
    expect(listed.total).toBe(1);
    expect(listed.subscriptions_list).toHaveLength(1);
    expect(listed.subscriptions_list[0]).toMatchObject({ account: "$G", subject: `${subject}.*`, msgs: 1 });
    expect(listed.subscriptions_list[0].sid).toEqual(expect.any(String));
    expect((await ok(`/subscriptionsz?subs=1&test=${subject}.y`)).subscriptions_list).toEqual(listed.subscriptions_list);
    // Nothing listed: the statistics alone, as nats-server answers.
    expect(Object.keys(await ok(`/subsz?subs=1&test=${subject}.y.z`))).toEqual(Object.keys(stats));

    expect(await get("/subsz?test=a.*")).toEqual({
      status: 400,
      body: { error: "invalid test subject, must be valid publish subject: a.*" },
    });
  });

  it("/accountz lists the global account and details it", async () => {
    const nc = await clients.connect();
    nc.subscribe(uniq("mon.acc"));
    await nc.flush();
    const list = await ok("/accountz");
    expect(list.accounts).toContain("$G");
    expect(list.server_id).toMatch(/^NE/);
    const detail = (await ok("/accountz?acc=$G")).account_detail;
    expect(detail).toMatchObject({ account_name: "$G", expired: false, complete: true, jetstream_enabled: true });
    expect(detail.client_connections).toBeGreaterThanOrEqual(1);
    expect(detail.subscriptions).toBeGreaterThanOrEqual(1);
    expect(detail.sublist_stats.num_subscriptions).toBe(detail.subscriptions);
    expect(await get("/accountz?acc=NOPE")).toEqual({ status: 400, body: { error: "Account NOPE does not exist" } });
  });

  it("/healthz keeps nats-server's shape", async () => {
    expect((await ok("/healthz")).status).toBe("ok");
  });
});
