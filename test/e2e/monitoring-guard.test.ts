// Monitoring on brokers of its own: who may read it (MONITOR_TOKEN, or nobody on
// a broker with authorization and no token), pages merged from four shards with
// no other traffic around, and totals that survive the shards' eviction.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type Broker } from "./broker.js";
import { Clients, delay, quiesce, uniq } from "./util.js";

const TOKEN = "monitor s3cret";
const ENDPOINTS = ["/varz", "/connz", "/subsz", "/subscriptionsz", "/accountz"];
const SHARDS = 4;

type Json = Record<string, any>;

async function get(broker: Broker, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${broker.port}${path}`, { headers });
  return { status: res.status, challenge: res.headers.get("WWW-Authenticate"), body: (await res.json()) as Json };
}

const bearer = { Authorization: `Bearer ${TOKEN}` };

async function ok(broker: Broker, path: string): Promise<Json> {
  const { status, body } = await get(broker, path, bearer);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

describe("monitoring guard and cluster views", () => {
  let guarded: Broker;
  let closed: Broker;

  beforeAll(async () => {
    [guarded, closed] = await Promise.all([
      startBroker({ vars: { SHARDS: String(SHARDS), MONITOR_TOKEN: TOKEN, TEST_HOOKS: "1" } }),
      startBroker({ vars: { NATS_CONFIG: JSON.stringify({ authorization: { users: [{ user: "u", password: "p" }] } }) } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([guarded?.stop(), closed?.stop()]);
  });

  it("with MONITOR_TOKEN, every endpoint needs it, as a bearer token or a Basic password", async () => {
    const basic = (pass: string) => ({ Authorization: `Basic ${Buffer.from(`anyone:${pass}`).toString("base64")}` });
    for (const path of ENDPOINTS) {
      for (const headers of [{}, { Authorization: "Bearer wrong" }, basic("wrong"), { Authorization: TOKEN }]) {
        const res = await get(guarded, path, headers);
        expect(res.status, `${path} with ${JSON.stringify(headers)}`).toBe(401);
        expect(res.body.error).toEqual(expect.any(String));
        expect(res.challenge).toContain('Bearer realm="nats-edge monitoring"');
      }
      expect((await get(guarded, path, bearer)).status, path).toBe(200);
      expect((await get(guarded, path, basic(TOKEN))).status, path).toBe(200);
    }
    expect((await get(guarded, "/healthz")).body.status).toBe("ok");
  });

  it("without MONITOR_TOKEN, a broker that asks clients for credentials keeps monitoring closed", async () => {
    for (const path of ENDPOINTS) {
      expect(await get(closed, path)).toEqual({
        status: 403,
        challenge: null,
        body: { error: "monitoring is closed: set MONITOR_TOKEN" },
      });
    }
    expect((await get(closed, "/healthz")).body.status).toBe("ok");
  });

  it("pages of /connz are cut from the connections of every shard in one order", async () => {
    const clients = new Clients(guarded.url, SHARDS);
    try {
      const names: string[] = [];
      for (let i = 0; i < 6; i++) {
        const name = uniq("guard-page");
        names.push(name);
        // One connection per shard in turn; the i-th publishes i + 1 messages.
        const nc = await clients.connect({ name });
        for (let k = 0; k <= i; k++) nc.publish(uniq("guard.page"), "x");
        await quiesce(nc);
      }
      const all = await ok(guarded, "/connz?sort=msgs_from");
      expect(all.total).toBe(6);
      expect(all.connections.map((c: Json) => c.name)).toEqual([...names].reverse());
      const page = await ok(guarded, "/connz?sort=msgs_from&offset=2&limit=3");
      expect(page).toMatchObject({ total: 6, num_connections: 3, offset: 2, limit: 3 });
      expect(page.connections.map((c: Json) => c.name)).toEqual([...names].reverse().slice(2, 5));

      const cids = (await ok(guarded, "/connz")).connections.map((c: Json) => c.cid);
      expect(cids).toEqual([...cids].sort((a: number, b: number) => a - b));
      expect(new Set(cids).size).toBe(6);
      const varz = await ok(guarded, "/varz");
      expect(varz.shards.map((s: Json) => s.connections)).toEqual([2, 2, 1, 1]);
    } finally {
      await clients.closeAll();
    }
  });

  it("totals survive the eviction of every shard", async () => {
    const clients = new Clients(guarded.url, SHARDS);
    try {
      for (let i = 0; i < SHARDS; i++) {
        const nc = await clients.connect();
        const subject = uniq("guard.totals");
        nc.subscribe(subject, { callback: () => {} });
        await nc.flush();
        for (let k = 0; k < 10; k++) nc.publish(subject, "payload");
        await quiesce(nc);
      }
      // Totals are saved at most once a second.
      await delay(1_500);
      const before = await ok(guarded, "/varz");
      expect(before.in_msgs).toBeGreaterThanOrEqual(4 * 10);
      for (let i = 0; i < SHARDS; i++) await fetch(`http://127.0.0.1:${guarded.port}/_test/abort/${i}`, { method: "POST" });
      const after = await ok(guarded, "/varz");
      expect(after.start).toBe(before.start);
      for (const field of ["total_connections", "in_msgs", "out_msgs", "in_bytes", "out_bytes", "slow_consumers"]) {
        expect(after[field], field).toBe(before[field]);
      }
    } finally {
      await clients.closeAll();
    }
  });
});
