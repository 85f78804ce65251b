// The checks and the routing every bridged call shares, whether it came as HTTP
// or through a service binding: settings, subjects, headers and sizes are checked
// here, before any object is woken, with nats-server's words; the call then runs
// as a NATS connection on one shard (src/durable/bridge/bridge.ts).

import type { BridgeResult, Caller, Reply } from "../durable/bridge/bridge.js";
import type { ShardEnv } from "../durable/shard.js";
import type { StreamFormat } from "../durable/bridge/message-stream.js";
import { ERR } from "../protocol/errors.js";
import { encodeHeaders, headerProblem, type HeaderFields } from "../protocol/headers.js";
import { isValidLiteralSubject, isValidSubject } from "../protocol/subject.js";
import { webhookCid } from "../durable/bridge/webhooks.js";
import { checkedSettings, chosenShard, shard, type Target } from "./shards.js";

export type { Target } from "./shards.js";

export type { BridgeResult, Caller, Reply } from "../durable/bridge/bridge.js";


export interface PublishInput {
  readonly subject: string;
  readonly reply?: string | null;
  readonly headers?: HeaderFields;
  readonly payload: Uint8Array;
}

export interface RequestInput extends PublishInput {
  readonly timeoutMs: number;
}

export interface SubscribeInput {
  readonly subject: string;
  readonly queue?: string | null;
  readonly max?: number;
  readonly format: StreamFormat;
}

/** Requests wait at most this long for their reply. */
export const MAX_TIMEOUT_MS = 60_000;

type Failure = { ok: false; status: number; error: string };

function refuse(status: number, error: string): Failure {
  return { ok: false, status, error };
}

/** What is wrong with a publish before it reaches a shard, or its header block and the shard's stub. */
function prepare(env: ShardEnv, target: Target, input: PublishInput) {
  const settings = checkedSettings(env);
  if (typeof settings === "string") return refuse(503, `nats-edge cannot serve: ${settings}`);
  if (!isValidLiteralSubject(input.subject)) return refuse(400, ERR.invalidPublishSubject);
  const reply = input.reply ?? null;
  if (reply !== null && !isValidLiteralSubject(reply)) return refuse(400, `${ERR.invalidPublishSubject}: reply subject ${JSON.stringify(reply)}`);
  // What a client would put on the control line: HPUB, subject, reply and two sizes.
  if (input.subject.length + (reply?.length ?? 0) + 32 > settings.maxControlLine) return refuse(400, ERR.maxControlLine);
  const fields = input.headers ?? [];
  for (const [name, value] of fields) {
    const problem = headerProblem(name, value);
    if (problem !== null) return refuse(400, problem);
  }
  const headers = fields.length > 0 ? encodeHeaders(fields) : null;
  if ((headers?.length ?? 0) + input.payload.length > settings.maxPayload) return refuse(413, ERR.maxPayload);
  const index = chosenShard(target, settings);
  if (typeof index === "string") return refuse(400, index);
  return { ok: true as const, reply, headers, stub: shard(env, settings, index) };
}

export async function publish(env: ShardEnv, caller: Caller, target: Target, input: PublishInput): Promise<BridgeResult<null>> {
  const p = prepare(env, target, input);
  if (!p.ok) return p;
  return p.stub.bridgePublish({ caller, subject: input.subject, reply: p.reply, headers: p.headers, payload: input.payload });
}

export async function request(env: ShardEnv, caller: Caller, target: Target, input: RequestInput): Promise<BridgeResult<Reply>> {
  if (!Number.isInteger(input.timeoutMs) || input.timeoutMs < 1 || input.timeoutMs > MAX_TIMEOUT_MS) {
    return refuse(400, `timeout must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
  }
  const p = prepare(env, target, input);
  if (!p.ok) return p;
  return p.stub.bridgeRequest({ caller, subject: input.subject, reply: null, headers: p.headers, payload: input.payload, timeoutMs: input.timeoutMs });
}

/** The checks a subscription gets before it reaches a shard, and the shard it runs on. */
function prepareSubscription(env: ShardEnv, target: Target, input: { subject: string; queue?: string | null; max?: number }) {
  const settings = checkedSettings(env);
  if (typeof settings === "string") return refuse(503, `nats-edge cannot serve: ${settings}`);
  if (!isValidSubject(input.subject)) return refuse(400, ERR.invalidSubject);
  const queue = input.queue ?? null;
  // nats-server's only rule for queue names is the argument splitter's: no whitespace.
  if (queue !== null && (queue === "" || /\s/.test(queue))) return refuse(400, `invalid queue group name ${JSON.stringify(queue)}`);
  const max = input.max ?? 0;
  if (!Number.isInteger(max) || max < 0) return refuse(400, "max must be a whole number of messages, 0 for no limit");
  if (input.subject.length + (queue?.length ?? 0) + 32 > settings.maxControlLine) return refuse(400, ERR.maxControlLine);
  const index = chosenShard(target, settings);
  if (typeof index === "string") return refuse(400, index);
  return { ok: true as const, queue, max, stub: shard(env, settings, index) };
}

export async function subscribe(env: ShardEnv, caller: Caller, target: Target, input: SubscribeInput): Promise<BridgeResult<ReadableStream<Uint8Array>>> {
  const p = prepareSubscription(env, target, input);
  if (!p.ok) return p;
  return p.stub.bridgeSubscribe({ caller, subject: input.subject, queue: p.queue, max: p.max, format: input.format });
}

export interface WebhookInput {
  readonly subject: string;
  readonly queue?: string | null;
  readonly max?: number;
  /** Where each message is POSTed. */
  readonly url: string;
}

/** A subscription that POSTs each message to a URL; its id, for unsubscribing. */
export async function subscribeWebhook(env: ShardEnv, caller: Caller, target: Target, input: WebhookInput): Promise<BridgeResult<string>> {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    return refuse(400, `callback URL is not a URL: ${JSON.stringify(input.url)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return refuse(400, `callback URL must be http or https, got ${url.protocol}`);
  const p = prepareSubscription(env, target, input);
  if (!p.ok) return p;
  return p.stub.webhookSubscribe({ caller, subject: input.subject, queue: p.queue, max: p.max, url: url.toString() });
}

/** Ends a webhook subscription; false when there is none by that id. */
export async function unsubscribeWebhook(env: ShardEnv, id: string): Promise<boolean> {
  const settings = checkedSettings(env);
  const cid = webhookCid(id);
  if (typeof settings === "string" || cid === null) return false;
  // A cid says which shard handed it out (Host.open interleaves them).
  return shard(env, settings, (cid - 1) % settings.shards).webhookUnsubscribe(id);
}
