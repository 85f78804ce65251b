// Where a connection lands with REGIONS: in the region it asks for, else in the one nearest
// its client (request.cf; here the X-Test-Location header that TEST_HOOKS=1 lets stand in for
// it), spread over that region's shards; and what monitoring says about regions. In "e2e-regions"
// (three regions of two shards, a delay between regions); without REGIONS ("e2e"), that a
// region cannot be asked for.
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/nats-core";
import { brokerRegions, brokerShards, brokerUrl, Clients, listen, uniq, waitUntil } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

const http = () => brokerUrl().replace(/^ws/, "http");
const regions = () => brokerRegions();
const perRegion = () => brokerShards() / Math.max(1, regions().length);

/** The shard a raw WebSocket to `path` with `headers` lands on (its INFO's server_name, `shard-<i>`), or the refusal. */
async function landing(path: string, headers: Record<string, string> = {}): Promise<{ shard: number } | { status: number; text: string }> {
  const ws = new WebSocket(`${brokerUrl()}${path}`, { headers, perMessageDeflate: false });
  try {
    return await new Promise((resolve, reject) => {
      ws.once("message", (d: Buffer) => {
        const info = JSON.parse(d.toString().slice("INFO ".length)) as { server_name: string };
        resolve({ shard: Number(info.server_name.replace("shard-", "")) });
      });
      ws.once("unexpected-response", (_req, res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: text.trim() }));
      });
      ws.once("error", reject);
    });
  } finally {
    ws.terminate();
  }
}

/** The region of shard `i`. */
const regionOfShard = (i: number) => regions()[Math.floor(i / perRegion())];

/** The regions that `times` connections asked to land by `path` and `headers` reached. */
async function reached(path: string, headers: Record<string, string> = {}, times = 6): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < times; i++) {
    const r = await landing(path, headers);
    if (!("shard" in r)) throw new Error(`refused: ${r.status} ${r.text}`);
    seen.add(regionOfShard(r.shard));
  }
  return seen;
}

const at = (latitude: number, longitude: number) => ({ "X-Test-Location": JSON.stringify({ latitude: String(latitude), longitude: String(longitude) }) });

describe.skipIf(Boolean(process.env.NATS_E2E_URL))("regions", () => {
  it.runIf(regions().length === 0)("without REGIONS, asking for a region is an HTTP 400 that says so", async () => {
    const r = await landing("/?region=weur");
    expect(r).toEqual({ status: 400, text: 'region "weur": the broker has no REGIONS' });
  });

  describe.runIf(regions().length > 0)("with REGIONS", () => {
    it("?region= pins a connection to that region's shards, spread over them", async () => {
      for (const region of regions()) {
        const shards = new Set<number>();
        for (let i = 0; i < 12; i++) {
          const r = await landing(`/?region=${region}`);
          if (!("shard" in r)) throw new Error(`refused: ${r.status} ${r.text}`);
          expect(regionOfShard(r.shard)).toBe(region);
          shards.add(r.shard);
        }
        // Twelve tries over two shards: both are reached but for a chance of 1 in 2,048.
        expect(shards.size).toBe(perRegion());
      }
    });

    it("a region not in REGIONS, or a shard outside the region asked for, is an HTTP 400", async () => {
      expect(await landing("/?region=oc")).toEqual({ status: 400, text: `region must be one of ${regions().join(", ")}, got "oc"` });
      expect(await landing("/?region=mars")).toEqual({ status: 400, text: `region must be one of ${regions().join(", ")}, got "mars"` });
      expect(await landing(`/?shard=0&region=${regions()[1]}`)).toEqual({ status: 400, text: `shard 0 is not in region ${regions()[1]}` });
      expect(await landing(`/?shard=0&region=${regions()[0]}`)).toEqual({ shard: 0 });
      // The HTTP bridge takes the same parameters.
      const subject = uniq("bridged");
      const refused = await fetch(`${http()}/pub/${subject}?region=oc`, { method: "POST", body: "x" });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toBe(`region must be one of ${regions().join(", ")}, got "oc"`);
      const sub = await new Clients(`${brokerUrl()}/?region=${regions()[0]}`, 1).connect();
      try {
        const got = listen(sub, subject);
        await sub.flush();
        const ok = await fetch(`${http()}/pub/${subject}?region=${regions()[2]}`, { method: "POST", body: "over http" });
        expect(ok.status).toBeLessThan(300);
        await got.waitFor(1);
        expect(got.strings()).toEqual(["over http"]);
      } finally {
        await sub.close();
      }
    });

    it("a client lands in the region nearest it, from its coordinates or else its continent", async () => {
      const [west, europe, asia] = ["wnam", "weur", "apac"];
      if (![west, europe, asia].every((r) => regions().includes(r))) return;
      expect(await reached("/", at(51.5, -0.13))).toEqual(new Set([europe])); // London
      expect(await reached("/", at(47.6, -122.3))).toEqual(new Set([west])); // Seattle
      expect(await reached("/", at(35.7, 139.7))).toEqual(new Set([asia])); // Tokyo
      expect(await reached("/", at(-33.9, 151.2))).toEqual(new Set([asia])); // Sydney: no oc here
      expect(await reached("/", { "X-Test-Location": JSON.stringify({ continent: "EU" }) })).toEqual(new Set([europe]));
      // Where nothing is known, anywhere: over every shard.
      expect((await reached("/", { "X-Test-Location": "{}" }, 40)).size).toBe(regions().length);
      // Without the header, request.cf decides: locally Miniflare's placeholder, Austin, Texas.
      expect(await reached("/")).toEqual(new Set([west]));
    });

    it("/varz, /connz and /healthz name each shard's and connection's region", async () => {
      const varz = (await (await fetch(`${http()}/varz`)).json()) as { regions: string[]; shards: { shard: number; region: string }[] };
      expect(varz.regions).toEqual(regions());
      for (const s of varz.shards) expect(s.region).toBe(regionOfShard(s.shard));

      const name = uniq("where");
      const nc = await new Clients(`${brokerUrl()}/?region=${regions()[2]}`, 1).connect({ name });
      try {
        const connz = (await (await fetch(`${http()}/connz?limit=100000`)).json()) as { connections: { name: string; region: string }[] };
        expect(connz.connections.find((c) => c.name === name)?.region).toBe(regions()[2]);
      } finally {
        await nc.close();
      }

      const health = (await (await fetch(`${http()}/healthz`)).json()) as {
        status: string;
        regions: { region: string; shards: number[]; connections: number }[];
        shards: { shard: number; region: string }[];
      };
      expect(health.status).toBe("ok");
      expect(health.regions.map((r) => r.region)).toEqual(regions());
      health.regions.forEach((r, i) => expect(r.shards).toEqual(Array.from({ length: perRegion() }, (_, k) => i * perRegion() + k)));
      for (const s of health.shards) expect(s.region).toBe(regionOfShard(s.shard));
    });

    it("a queue group prefers members in the publisher's region, and uses the others when it has none", async () => {
      const [near, far, empty] = regions();
      const subject = uniq("affinity");
      const conns: NatsConnection[] = [];
      const count = new Map<string, number>();
      const seen = new Set<string>();
      try {
        // Two members in one region (one on each of its shards), two in another.
        for (const [region, shard] of [[near, 0], [near, 1], [far, 0], [far, 1]] as const) {
          const nc = await new Clients(`${brokerUrl()}/?shard=${regions().indexOf(region) * perRegion() + shard}`, 1).connect();
          conns.push(nc);
          nc.subscribe(subject, {
            queue: "workers",
            callback: (_e, m) => {
              count.set(region, (count.get(region) ?? 0) + 1);
              seen.add(m.string());
            },
          });
          await nc.flush();
        }
        const fromNear = await new Clients(`${brokerUrl()}/?region=${near}`, 1).connect();
        const fromElsewhere = await new Clients(`${brokerUrl()}/?region=${empty}`, 1).connect();
        conns.push(fromNear, fromElsewhere);
        for (let i = 0; i < 400; i++) fromNear.publish(subject, `n${i}`);
        await fromNear.flush();
        await waitUntil(() => seen.size === 400, 10_000, () => `400 from ${near} (got ${seen.size})`);
        expect(count.get(near)).toBe(400);
        expect(count.get(far) ?? 0).toBe(0);
        // From a region without members, every member may take them, once each.
        for (let i = 0; i < 400; i++) fromElsewhere.publish(subject, `e${i}`);
        await fromElsewhere.flush();
        await waitUntil(() => seen.size === 800, 10_000, () => `400 more from ${empty} (got ${seen.size - 400})`);
        expect((count.get(near) ?? 0) + (count.get(far) ?? 0)).toBe(800);
        expect(count.get(far)).toBeGreaterThan(100);
      } finally {
        await Promise.all(conns.map((nc) => nc.close()));
      }
    });

    it("a message crosses regions in one hop each way: request/reply between the farthest two", async () => {
      const responder = await new Clients(`${brokerUrl()}/?region=${regions()[0]}`, 1).connect();
      const requester = await new Clients(`${brokerUrl()}/?region=${regions()[2]}`, 1).connect();
      try {
        const subject = uniq("far");
        responder.subscribe(subject, {
          callback: (_e, m) => {
            m.respond(m.data);
          },
        });
        await responder.flush();
        const got = listen(requester, `${subject}.seen`);
        await requester.flush();
        const r = await requester.request(subject, "hello", { timeout: 10_000 });
        expect(r.string()).toBe("hello");
        responder.publish(`${subject}.seen`, "back");
        await got.waitFor(1);
      } finally {
        await Promise.all([responder.close(), requester.close()]);
      }
    });
  });
});
