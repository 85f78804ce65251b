// The Worker: a Hono app that sends each WebSocket to the Shard object that hosts
// it, answers plain HTTP (the bridge, monitoring, health) and serves the static
// pages. Upgrades pass through untouched: middleware that
// rewrites headers breaks a 101 response (honojs/hono#1572). Nor does the
// Worker drop the client's Sec-WebSocket-Extensions to refuse compression: the
// runtime answers the offer from the 101's own header, and where that is absent
// it takes the offer of the request each Worker received, not the one forwarded.
// The Shard's 101 names what websocket.compression allows (src/durable/shard.ts).

import { Hono, type Context } from "hono";
import { LEAFNODE_PATH } from "../durable/leaf/leafnodes.js";
import type { Settings } from "../durable/settings.js";
import type { ShardEnv } from "../durable/shard.js";
import { authorizationConfigured } from "../protocol/auth.js";
import { errorFields } from "../protocol/log.js";
import { httpBridge } from "./http-bridge.js";
import { kvBridge } from "./kv-bridge.js";
import { monitoring } from "./monitoring.js";
import { originRefusal } from "./origin.js";
import { checkedSettings, chosenShard, clientLocation, shard, startLeafLinks, withRegion, workerLog } from "./shards.js";

export { Shard } from "../durable/shard.js";
export { NatsService } from "./service.js";

interface Env extends ShardEnv {
  /** The static pages in public/ (wrangler.toml `[assets]`). */
  ASSETS?: Fetcher;
}

const app = new Hono<{ Bindings: Env }>();

function wsUrl(request: Request): string {
  const url = new URL(request.url);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = "/";
  url.search = "";
  return url.toString();
}

/**
 * A WebSocket upgrade: a client's on "/", a leafnode's on "/leafnode" (the path a
 * nats-server leaf asks for when its remote URL is ws:// or wss://). Both get the same
 * origin rules, and the shard of their region, and are told apart by the shard.
 */
function upgrade(c: Context<{ Bindings: Env }>): Response | Promise<Response> {
  const settings = checkedSettings(c.env);
  if (typeof settings === "string") return c.text(`nats-edge cannot serve: ${settings}\n`, 503);
  startLeafLinks(c.env, settings, c.executionCtx);
  const refusal = originRefusal(c.req.raw, settings.config.websocket);
  if (refusal !== null) {
    // nats-server's words (websocket.go wsReturnHTTPError).
    workerLog(c.env).info(`websocket handshake error: ${refusal}`, { ip: clientIp(c.req.raw), origin: c.req.header("Origin") });
    return c.text(`${refusal}\n`, 403);
  }
  const params = new URL(c.req.url).searchParams;
  const leaf = new URL(c.req.url).pathname === LEAFNODE_PATH;
  const index = chosenShard({ shard: params.get("shard"), region: params.get("region"), where: clientLocation(c.req.raw, c.env), leaf }, settings);
  if (typeof index === "string") {
    workerLog(c.env).info(`websocket handshake error: ${index}`, { ip: clientIp(c.req.raw) });
    return c.text(`${index}\n`, 400);
  }
  return shard(c.env, settings, index).fetch(c.req.raw);
}

const isUpgrade = (c: Context) => c.req.header("Upgrade")?.toLowerCase() === "websocket";

app.get(LEAFNODE_PATH, (c) => (isUpgrade(c) ? upgrade(c) : c.text("nats-edge: leafnodes connect here over WebSocket\n", 426)));

app.get("/", async (c) => {
  if (isUpgrade(c)) return upgrade(c);
  return c.text(
    `nats-edge: a NATS server on Cloudflare Workers.\n` +
      `Connect a NATS client over WebSocket to ${wsUrl(c.req.raw)}\n` +
      `e.g. wsconnect({ servers: "${wsUrl(c.req.raw)}" }) from @nats-io/nats-core.\n`,
  );
});

/**
 * Why no client can get in although the settings are valid: a broker on the open
 * internet admits anonymous clients only when told to.
 */
function closedToAll(settings: Settings): string | null {
  if (authorizationConfigured(settings.config) || settings.allowAnonymous) return null;
  return "no authorization is configured (NATS_CONFIG) and ALLOW_ANONYMOUS is not true: every client is refused";
}

app.get("/healthz", async (c) => {
  const settings = checkedSettings(c.env);
  if (typeof settings === "string") return c.json({ status: "error", error: settings }, 503);
  startLeafLinks(c.env, settings, c.executionCtx);
  const closed = closedToAll(settings);
  if (closed !== null) return c.json({ status: "error", error: closed }, 503);
  try {
    const shards = await Promise.all(
      Array.from({ length: settings.shards }, async (_, i) => withRegion(settings, i, await shard(c.env, settings, i).health())),
    );
    let connections = 0;
    let subscriptions = 0;
    for (const h of shards) {
      connections += h.connections;
      subscriptions += h.subscriptions;
    }
    if (settings.regions.length === 0) return c.json({ status: "ok", connections, subscriptions, shards });
    // Each region's share: its shards, and the connections and subscriptions they hold.
    const regions = settings.regions.map((region) => {
      const own = shards.filter((h) => h.region === region);
      return {
        region,
        shards: own.map((h) => h.shard),
        connections: own.reduce((n, h) => n + h.connections, 0),
        subscriptions: own.reduce((n, h) => n + h.subscriptions, 0),
      };
    });
    return c.json({ status: "ok", connections, subscriptions, regions, shards });
  } catch (e) {
    workerLog(c.env).warn("shard unavailable", { route: "/healthz", ...errorFields(e) });
    return c.json({ status: "error", error: `shard unavailable: ${String(e)}` }, 503);
  }
});

app.route("/", httpBridge);
app.route("/", kvBridge);
app.route("/", monitoring);

// Test hook, only with TEST_HOOKS=1: resets a shard object as an eviction would.
app.post("/_test/abort/:shard", async (c) => {
  const settings = checkedSettings(c.env);
  if (c.env.TEST_HOOKS !== "1" || typeof settings === "string") return c.notFound();
  try {
    await shard(c.env, settings, Number(c.req.param("shard"))).testAbort();
  } catch {
    // The reset makes the call itself fail: that is the point.
  }
  return c.text("reset\n");
});

// Test hook, only with TEST_HOOKS=1: connection <cid> on a shard makes the object throw on
// its next message, as a bug would, to show that the object's other connections go on.
app.post("/_test/break/:shard/:cid", async (c) => {
  const settings = checkedSettings(c.env);
  if (c.env.TEST_HOOKS !== "1" || typeof settings === "string") return c.notFound();
  const found = await shard(c.env, settings, Number(c.req.param("shard"))).testBreak(Number(c.req.param("cid")));
  return found ? c.text("broken\n") : c.notFound();
});

// What no route expected: logged with its stack, answered 500 without it.
app.onError((e, c) => {
  workerLog(c.env).exception(`unexpected exception in ${c.req.method} ${new URL(c.req.url).pathname}`, e);
  return c.text("nats-edge: internal error\n", 500);
});

// Whatever no route answered may be a page (/dashboard, /demo) or one of their files.
app.on(["GET", "HEAD"], "*", async (c) => (c.env.ASSETS === undefined ? c.notFound() : c.env.ASSETS.fetch(c.req.raw)));

function clientIp(request: Request): string | undefined {
  return request.headers.get("cf-connecting-ip") ?? undefined;
}

export default app;
