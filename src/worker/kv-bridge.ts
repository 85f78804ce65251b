// Key-value buckets over HTTP: GET, PUT and DELETE /kv/<bucket>/<key>. Each is what the
// official KV client does, made as a NATS request by the caller's own session (bridge.ts):
// a get asks the bucket's stream for the key's last message, a put publishes to
// `$KV.<bucket>.<key>` and waits for the stream's acknowledgement, a delete publishes a
// `KV-Operation: DEL` marker. So credentials, permissions (on `$JS.API.>` and `$KV.>`) and
// errors are those of the rest of the bridge and of a NATS client of the same user.

import { Hono, type Context } from "hono";
import type { ShardEnv } from "../durable/shard.js";
import { decodeHeaders } from "../protocol/headers.js";
import { request, type BridgeResult, type Reply } from "./bridge.js";
import { bridgeCors } from "./cors.js";
import { body, error, failure, refusedAfterBody, start } from "./http-bridge.js";

type Env = { Bindings: ShardEnv };
type Ctx = Context<Env>;

const TIMEOUT_MS = 5000;
// The official clients' rules for bucket names and keys (@nats-io/kv validateBucket, validateKey).
const BUCKET = /^[-\w]+$/;
const KEY = /^[-/=.\w]+$/;

export const kvBridge = new Hono<Env>();

kvBridge.use("/kv/*", bridgeCors);

/** The bucket and key the path names, or the 400 that refuses them. */
function target(c: Ctx): { bucket: string; key: string; s: Exclude<ReturnType<typeof start>, Response> } | Response {
  const s = start(c, "kv");
  if (s instanceof Response) return s;
  const slash = s.subject.indexOf("/");
  const bucket = slash < 0 ? s.subject : s.subject.slice(0, slash);
  const key = slash < 0 ? "" : s.subject.slice(slash + 1);
  if (!BUCKET.test(bucket)) return error(400, `invalid bucket name ${JSON.stringify(bucket)}`);
  if (!KEY.test(key) || key.startsWith(".") || key.endsWith(".")) return error(400, `invalid key ${JSON.stringify(key)}`);
  return { bucket, key, s };
}

/** A request's answer as JSON, or the response that says why there is none. */
function json(r: BridgeResult<Reply>, noResponders: string): Record<string, unknown> | Response {
  if (!r.ok) return r.status === 503 ? error(404, noResponders) : failure(r);
  try {
    return JSON.parse(new TextDecoder().decode(r.value.payload)) as Record<string, unknown>;
  } catch {
    return error(502, "the stream's answer is not JSON");
  }
}

/** A JetStream error as the bridge answers it: its code as the status (404 for not found), its description. */
function apiError(answer: Record<string, unknown>, notFound: string): Response | null {
  const e = answer.error as { code?: number; err_code?: number; description?: string } | undefined;
  if (e === undefined) return null;
  if (e.err_code === 10059) return error(404, notFound);
  if (e.err_code === 10037) return null;
  return error(e.code ?? 500, e.description ?? "JetStream error");
}

kvBridge.get("/kv/*", async (c) => {
  const t = target(c);
  if (t instanceof Response) return t;
  const notFound = `bucket ${JSON.stringify(t.bucket)} not found`;
  const r = await request(c.env, t.s.caller, t.s.target, {
    subject: `$JS.API.STREAM.MSG.GET.KV_${t.bucket}`,
    payload: new TextEncoder().encode(JSON.stringify({ last_by_subj: `$KV.${t.bucket}.${t.key}` })),
    timeoutMs: TIMEOUT_MS,
  });
  const answer = json(r, notFound);
  if (answer instanceof Response) return answer;
  const refused = apiError(answer, notFound);
  if (refused !== null) return refused;
  const m = answer.message as { seq: number; data?: string; hdrs?: string; time: string } | undefined;
  const op = m?.hdrs === undefined ? null : decodeHeaders(base64(m.hdrs))?.fields.find(([n]) => n === "KV-Operation")?.[1];
  // A deleted or purged key reads as absent, as the KV client's get() returns null.
  if (m === undefined || op === "DEL" || op === "PURGE") return error(404, `key ${JSON.stringify(t.key)} not found`);
  return new Response(m.data === undefined ? null : base64(m.data), {
    headers: { "Content-Type": "application/octet-stream", "KV-Revision": String(m.seq), "Last-Modified": new Date(m.time).toUTCString() },
  });
});

kvBridge.put("/kv/*", async (c) => {
  const t = target(c);
  if (t instanceof Response) return refusedAfterBody(c, t);
  return put(c, t.bucket, t.key, t.s, await body(c), null);
});

kvBridge.delete("/kv/*", async (c) => {
  const t = target(c);
  if (t instanceof Response) return t;
  return put(c, t.bucket, t.key, t.s, new Uint8Array(0), [["KV-Operation", "DEL"]]);
});

/** Publishes to the key and waits for the stream: 200 with the revision, or why not. */
async function put(
  c: Ctx,
  bucket: string,
  key: string,
  s: Exclude<ReturnType<typeof start>, Response>,
  payload: Uint8Array,
  headers: [string, string][] | null,
): Promise<Response> {
  const r = await request(c.env, s.caller, s.target, {
    subject: `$KV.${bucket}.${key}`,
    headers: headers ?? [],
    payload,
    timeoutMs: TIMEOUT_MS,
  });
  const answer = json(r, `bucket ${JSON.stringify(bucket)} not found`);
  if (answer instanceof Response) return answer;
  const refused = apiError(answer, `bucket ${JSON.stringify(bucket)} not found`);
  if (refused !== null) return refused;
  if (headers !== null) return new Response(null, { status: 204 });
  return c.json({ bucket, key, revision: answer.seq });
}

function base64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
