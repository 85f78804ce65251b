// The HTTP bridge: POST /pub/<subject>, POST /request/<subject>, GET /sub/<subject>
// (Server-Sent Events). Subjects come percent-decoded from the path; NATS headers
// travel as HTTP headers named `Nats-Header-<Name>`; errors are JSON with the
// text a NATS client would have been sent.

import { Hono, type Context } from "hono";
import type { ShardEnv } from "../durable/shard.js";
import { canonicalHeaderName, decodeHeaders } from "../protocol/headers.js";
import { publish, request, subscribe, type BridgeResult, type Caller, type Target } from "./bridge.js";
import { bridgeCors } from "./cors.js";
import { httpCredentials } from "./credentials.js";
import { originRefusal } from "./origin.js";
import { checkedSettings, clientLocation } from "./shards.js";

/** Request headers with this prefix become NATS headers; reply headers come back with it. */
export const HEADER_PREFIX = "nats-header-";
const DEFAULT_TIMEOUT_MS = 5000;

type Env = { Bindings: ShardEnv };
type Ctx = Context<Env>;

export const httpBridge = new Hono<Env>();

for (const path of ["/pub/*", "/request/*", "/sub/*"]) httpBridge.use(path, bridgeCors);

/** A JSON error; 401 also says how to authenticate. */
export function error(status: number, text: string): Response {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (status === 401) headers["WWW-Authenticate"] = 'Bearer realm="nats-edge", Basic realm="nats-edge"';
  return new Response(JSON.stringify({ error: text }), { status, headers });
}

export function failure(r: { ok: false; status: number; error: string }): Response {
  return error(r.status, r.error);
}

/**
 * Who is calling, where to run, and what the path names; or the response that
 * refuses the call before any object is woken.
 */
export function start(c: Ctx, verb: string): { caller: Caller; target: Target; subject: string } | Response {
  const settings = checkedSettings(c.env);
  if (typeof settings === "string") return error(503, `nats-edge cannot serve: ${settings}`);
  // Browsers send cookies cross-site: the origin rules that guard the WebSocket guard this too.
  const refusal = originRefusal(c.req.raw, settings.config.websocket);
  if (refusal !== null) return error(403, refusal);
  const url = new URL(c.req.url);
  const raw = url.pathname.slice(verb.length + 2);
  let subject: string;
  try {
    subject = decodeURIComponent(raw);
  } catch {
    return error(400, `the subject in the path is not valid percent-encoding: ${JSON.stringify(raw)}`);
  }
  const caller: Caller = {
    credentials: httpCredentials(c.req.raw, settings.config.websocket),
    lang: "http",
    name: `${c.req.method} /${verb}`,
    ip: c.req.header("cf-connecting-ip") ?? "",
  };
  const target = { shard: url.searchParams.get("shard"), region: url.searchParams.get("region"), where: clientLocation(c.req.raw, c.env) };
  return { caller, target, subject };
}

/** `Nats-Header-X-Trace: 1` → `X-Trace: 1`, in the order given. */
function natsHeaders(headers: Headers): [string, string][] {
  const fields: [string, string][] = [];
  headers.forEach((value, name) => {
    if (name.startsWith(HEADER_PREFIX) && name.length > HEADER_PREFIX.length) {
      // Headers joins repeated names with ", "; each stays one NATS header value.
      fields.push([canonicalHeaderName(name.slice(HEADER_PREFIX.length)), value]);
    }
  });
  return fields;
}

export async function body(c: Ctx): Promise<Uint8Array> {
  return new Uint8Array(await c.req.arrayBuffer());
}

/**
 * A refusal of a call whose body is not read yet, answered once it is: a client still
 * sending a large body to a server that answers and closes first sees its connection
 * reset, not the answer.
 */
export async function refusedAfterBody(c: Ctx, refusal: Response): Promise<Response> {
  await c.req.arrayBuffer().catch(() => undefined);
  return refusal;
}

function settled<T>(r: BridgeResult<T>, ok: (value: T) => Response): Response {
  return r.ok ? ok(r.value) : failure(r);
}

httpBridge.post("/pub/*", async (c) => {
  const s = start(c, "pub");
  if (s instanceof Response) return refusedAfterBody(c, s);
  const r = await publish(c.env, s.caller, s.target, {
    subject: s.subject,
    reply: c.req.query("reply") ?? null,
    headers: natsHeaders(c.req.raw.headers),
    payload: await body(c),
  });
  return settled(r, () => new Response(null, { status: 204 }));
});

httpBridge.post("/request/*", async (c) => {
  const s = start(c, "request");
  if (s instanceof Response) return refusedAfterBody(c, s);
  const t = c.req.query("timeout");
  const timeoutMs = t === undefined ? DEFAULT_TIMEOUT_MS : /^\d{1,9}$/.test(t) ? Number(t) : NaN;
  const r = await request(c.env, s.caller, s.target, {
    subject: s.subject,
    headers: natsHeaders(c.req.raw.headers),
    payload: await body(c),
    timeoutMs,
  });
  return settled(r, (reply) => {
    const headers = new Headers({ "Content-Type": "application/octet-stream", "Nats-Subject": reply.subject });
    const decoded = reply.headers === null ? null : decodeHeaders(reply.headers);
    for (const [name, value] of decoded?.fields ?? []) headers.append(HEADER_PREFIX + name, value);
    if (decoded?.status != null) headers.set("Nats-Status", String(decoded.status));
    // A page on another origin may read these (CORS exposes only listed response headers).
    headers.set("Access-Control-Expose-Headers", [...new Set([...headers.keys()].filter((k) => k.startsWith("nats-")))].join(", "));
    return new Response(reply.payload, { status: 200, headers });
  });
});

httpBridge.get("/sub/*", async (c) => {
  const s = start(c, "sub");
  if (s instanceof Response) return s;
  const m = c.req.query("max");
  const max = m === undefined ? 0 : /^\d{1,9}$/.test(m) ? Number(m) : NaN;
  const ndjson = (c.req.header("Accept") ?? "").includes("application/x-ndjson");
  const r = await subscribe(c.env, s.caller, s.target, {
    subject: s.subject,
    queue: c.req.query("queue") ?? null,
    max,
    format: ndjson ? "ndjson" : "sse",
  });
  return settled(
    r,
    (stream) =>
      new Response(stream, {
        headers: {
          "Content-Type": ndjson ? "application/x-ndjson" : "text/event-stream",
          "Cache-Control": "no-cache",
          "X-Accel-Buffering": "no",
        },
      }),
  );
});
