// The Worker: a Hono app that sends each WebSocket to the Shard object that hosts
// it and answers plain HTTP. Upgrades pass through untouched: middleware that
// rewrites headers breaks a 101 response (honojs/hono#1572).

import { Hono } from "hono";
import { readSettings, SettingsError } from "../durable/settings.js";
import type { ShardEnv } from "../durable/shard.js";

export { Shard } from "../durable/shard.js";

type Env = ShardEnv & { SHARDS?: string };

const app = new Hono<{ Bindings: Env }>();

/** The one object that hosts everything while the broker runs as a single shard. */
function shard(env: Env) {
  return env.SHARD.get(env.SHARD.idFromName("shard-0"));
}

function wsUrl(request: Request): string {
  const url = new URL(request.url);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = "/";
  url.search = "";
  return url.toString();
}

/** Settings are checked before any object is woken, so a bad value is reported, not hidden. */
function settingsProblem(env: Env): string | null {
  try {
    readSettings(env);
    return null;
  } catch (e) {
    if (e instanceof SettingsError) return e.message;
    throw e;
  }
}

app.get("/", async (c) => {
  const problem = settingsProblem(c.env);
  if (c.req.header("Upgrade")?.toLowerCase() === "websocket") {
    if (problem !== null) return c.text(`nats-edge cannot serve: ${problem}\n`, 503);
    return shard(c.env).fetch(c.req.raw);
  }
  return c.text(
    `nats-edge: a NATS server on Cloudflare Workers.\n` +
      `Connect a NATS client over WebSocket to ${wsUrl(c.req.raw)}\n` +
      `e.g. wsconnect({ servers: "${wsUrl(c.req.raw)}" }) from @nats-io/nats-core.\n`,
  );
});

app.get("/healthz", async (c) => {
  const problem = settingsProblem(c.env);
  if (problem !== null) return c.json({ status: "error", error: problem }, 503);
  try {
    const h = await shard(c.env).health();
    return c.json({ status: "ok", ...h });
  } catch (e) {
    return c.json({ status: "error", error: `shard unavailable: ${String(e)}` }, 503);
  }
});

export default app;
