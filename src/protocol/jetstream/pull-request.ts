// A pull consumer's request for messages, `$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`
// (or an ack's `+NXT …`), read as nats-server's nextReqFromMsg reads it
// (server/consumer.go, 2.10): an empty body is one message; a bare number is
// that many; otherwise a JSON object
// `{"batch":n,"expires":ns,"max_bytes":n,"no_wait":bool,"idle_heartbeat":ns}`.
// What it cannot read it answers with `400 Bad Request - <Go's error>`; a
// request over the consumer's limits, with a 409.

import { decode } from "../bytes.js";
import type { ConsumerConfig } from "./consumer-config.js";
import { decodeGoStruct, type GoFields } from "./go-decode.js";
import { goJsonSyntaxError } from "./go-json-syntax.js";
import { goAtoi } from "./go-strconv.js";
import {
  badRequest,
  consumerIsPushBased,
  exceededMaxRequestBatch,
  exceededMaxRequestExpires,
  exceededMaxRequestMaxBytes,
} from "./status.js";

export interface PullRequest {
  /** Messages to deliver, at least 1 (nats-server delivers one for a batch of 0 or less). */
  batch: number;
  /** Payload and header bytes to deliver at most; 0 for no limit. */
  maxBytes: number;
  /**
   * How long the request waits, from now; 0 for as long as the client is
   * interested. Negative: it has already expired (nats-server answers 408 at once).
   */
  expiresMs: number;
  /** Answer now with what there is: 404 No Messages if nothing. */
  noWait: boolean;
  /** Send 100 Idle Heartbeat this often while waiting; 0 for none. */
  heartbeatMs: number;
}

const FIELDS: GoFields = {
  expires: { kind: "int", type: "time.Duration" },
  batch: { kind: "int", type: "int" },
  max_bytes: { kind: "int", type: "int" },
  no_wait: { kind: "bool" },
  idle_heartbeat: { kind: "int", type: "time.Duration" },
};

const NS_PER_MS = 1_000_000;
const ONE: PullRequest = Object.freeze({ batch: 1, maxBytes: 0, expiresMs: 0, noWait: false, heartbeatMs: 0 });

/** The request in `data`, or the error nats-server puts after "Bad Request - ". */
export function parsePullRequest(data: Uint8Array): PullRequest | { error: string } {
  const req = trimSpace(data);
  if (req.length === 0) return ONE;
  if (req[0] !== 0x7b) {
    // Anything but a JSON object: a decimal count, else one message.
    const n = goAtoi(decode(req));
    return typeof n === "string" ? ONE : { ...ONE, batch: Math.max(n, 1) };
  }
  const syntax = goJsonSyntaxError(req);
  if (syntax !== null) return { error: syntax };
  const d = decodeGoStruct(JSON.parse(decode(req)), "JSApiConsumerGetNextRequest", FIELDS);
  if (!d.ok) return { error: d.error };
  const v = d.value as {
    expires?: number;
    batch?: number;
    max_bytes?: number;
    no_wait?: boolean;
    idle_heartbeat?: number;
  };
  const expires = v.expires ?? 0;
  const heartbeat = v.idle_heartbeat ?? 0;
  // Heartbeats prove the request is alive until it expires, so at least two must fit.
  if (heartbeat > 0 && heartbeat * 2 > expires) return { error: "heartbeat value too large" };
  return {
    batch: Math.max(v.batch ?? 0, 1),
    maxBytes: Math.max(v.max_bytes ?? 0, 0),
    expiresMs: expires / NS_PER_MS,
    noWait: v.no_wait ?? false,
    heartbeatMs: heartbeat > 0 ? heartbeat / NS_PER_MS : 0,
  };
}

export type PullRequestCheck = { ok: true; request: PullRequest } | { ok: false; status: Uint8Array };

/**
 * A request for the consumer configured as `config`, checked in nats-server's
 * order (processNextMsgRequest): a push consumer takes none, then the request
 * must be readable, then within max_batch, max_expires and max_bytes. On
 * refusal, the status message to send to the request's reply subject.
 */
export function checkPullRequest(data: Uint8Array, config: ConsumerConfig): PullRequestCheck {
  if (config.deliver_subject !== undefined && config.deliver_subject !== "") {
    return { ok: false, status: consumerIsPushBased() };
  }
  const r = parsePullRequest(data);
  if ("error" in r) return { ok: false, status: badRequest(r.error) };
  const maxBatch = config.max_batch ?? 0;
  if (maxBatch > 0 && r.batch > maxBatch) return { ok: false, status: exceededMaxRequestBatch(maxBatch) };
  // A request that never expires is not held to max_expires (nor is it in nats-server).
  const maxExpires = config.max_expires ?? 0;
  if (r.expiresMs > 0 && maxExpires > 0 && r.expiresMs * NS_PER_MS > maxExpires) {
    return { ok: false, status: exceededMaxRequestExpires(maxExpires) };
  }
  const maxBytes = config.max_bytes ?? 0;
  if (r.maxBytes > 0 && maxBytes > 0 && r.maxBytes > maxBytes) {
    return { ok: false, status: exceededMaxRequestMaxBytes(maxBytes) };
  }
  return { ok: true, request: r };
}

// Go's bytes.TrimSpace, for the whitespace a request plausibly carries: ASCII
// space, \t \n \v \f \r, and UTF-8 NEL and no-break space.
function trimSpace(b: Uint8Array): Uint8Array {
  let start = 0;
  let end = b.length;
  for (;;) {
    if (start < end && isAsciiSpace(b[start]!)) start++;
    else if (end - start >= 2 && b[start] === 0xc2 && (b[start + 1] === 0x85 || b[start + 1] === 0xa0)) start += 2;
    else break;
  }
  for (;;) {
    if (end > start && isAsciiSpace(b[end - 1]!)) end--;
    else if (end - start >= 2 && b[end - 2] === 0xc2 && (b[end - 1] === 0x85 || b[end - 1] === 0xa0)) end -= 2;
    else break;
  }
  return b.subarray(start, end);
}

function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
