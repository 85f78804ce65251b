// The subjects a consumer's client answers on, and what its answers mean.
// Each delivered message carries a reply subject that says which delivery of
// which message it was, `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ts>.<pending>`;
// the client publishes its verdict there (server/consumer.go processAck, 2.10).
// A push consumer's flow control requests carry `$JS.FC.<stream>.<consumer>.<id>`.
// Acks arrive once per message consumed: they are read in place, without
// splitting or decoding the common cases.

import { decode, encode } from "../bytes.js";
import { decodeGoStruct, type GoFields } from "./go-decode.js";
import { parseGoDuration } from "./go-duration.js";
import { goJsonSyntaxError } from "./go-json-syntax.js";
import { type PullRequest, parsePullRequest } from "./pull-request.js";
import { randomToken } from "./random-token.js";

/**
 * The reply subject of a delivery: the `delivered`-th delivery of stream
 * message `streamSeq`, the consumer's `consumerSeq`-th, stored at `tsMs`
 * (Unix ms, written as nanoseconds), with `pending` messages left after it.
 */
export function ackSubject(
  stream: string,
  consumer: string,
  delivered: number,
  streamSeq: number,
  consumerSeq: number,
  tsMs: number,
  pending: number,
): string {
  return `$JS.ACK.${stream}.${consumer}.${delivered}.${streamSeq}.${consumerSeq}.${nanos(tsMs)}.${pending}`;
}

// ms * 1e6 passes 2^53 for any date after 1970-04: built as text so no
// digit is lost. A fraction of a millisecond gives the last six digits, to the
// microsecond: a double holding today's time in ms has no finer digits to give.
function nanos(ms: number): string {
  let whole = Math.floor(ms);
  let micros = Math.round((ms - whole) * 1000);
  if (micros >= 1000) {
    micros -= 1000;
    whole += 1;
  }
  const sub = micros * 1000;
  return whole === 0 ? String(sub) : `${whole}${String(sub).padStart(6, "0")}`;
}

/** What an ack subject says: which consumer, which delivery. */
export interface AckSubject {
  stream: string;
  consumer: string;
  /** How many times the message had been delivered, this time included. */
  delivered: number;
  streamSeq: number;
  consumerSeq: number;
}

/**
 * The delivery an ack is for, or null when `subject` is not an ack subject.
 * Besides nats-server's nine tokens, the longer form clients also read (ADR-15:
 * `$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<5 numbers>[.<token>…]`)
 * is taken. nats-server 2.10 itself neither sends nor reads that form.
 */
export function parseAckSubject(subject: string): AckSubject | null {
  if (!subject.startsWith("$JS.ACK.")) return null;
  // Token boundaries, found once: dots[k] is the index of the dot before token k+1.
  const dots: number[] = [];
  for (let i = 0; i < subject.length; i++) if (subject.charCodeAt(i) === 0x2e) dots.push(i);
  const tokens = dots.length + 1;
  const first = tokens === 9 ? 2 : tokens >= 11 ? 4 : -1;
  if (first < 0) return null;
  const token = (k: number) => subject.slice(dots[k - 1]! + 1, k < dots.length ? dots[k] : subject.length);
  const stream = token(first);
  const consumer = token(first + 1);
  const delivered = decimal(token(first + 2));
  const streamSeq = decimal(token(first + 3));
  const consumerSeq = decimal(token(first + 4));
  if (stream === "" || consumer === "" || delivered < 0 || streamSeq < 0 || consumerSeq < 0) return null;
  return { stream, consumer, delivered, streamSeq, consumerSeq };
}

// nats-server's parseAckReplyNum: digits only, else -1.
function decimal(s: string): number {
  if (s === "") return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

export type AckKind =
  /** Done with the message (also an empty body and the old "+OK"). */
  | { kind: "ack" }
  /** Deliver it again, after `delayMs` (0: at once). */
  | { kind: "nak"; delayMs: number }
  /** Still working on it: restart its ack wait. */
  | { kind: "progress" }
  /** Never deliver it again. */
  | { kind: "term"; reason: string }
  /**
   * Ack, and deliver more to the ack's reply subject. With `error` the request
   * was unreadable: answer it with badRequest(error).
   */
  | { kind: "next"; request: PullRequest }
  | { kind: "next"; request: null; error: string }
  /** Anything else: nats-server does nothing with it, but still answers an ack that asked for a reply. */
  | { kind: "unknown" };

const ACK = bytes("+ACK");
const OK = bytes("+OK");
const NAK = bytes("-NAK");
const PROGRESS = bytes("+WPI");
const NEXT = bytes("+NXT");
const TERM = bytes("+TERM");

const ACKED: AckKind = Object.freeze({ kind: "ack" });
const PLAIN_NAK: AckKind = Object.freeze({ kind: "nak", delayMs: 0 });
const IN_PROGRESS: AckKind = Object.freeze({ kind: "progress" });
const UNKNOWN: AckKind = Object.freeze({ kind: "unknown" });

/** What an ack's payload (headers excluded) asks, in processAck's order. */
export function parseAck(data: Uint8Array): AckKind {
  if (data.length === 0 || equals(data, ACK) || equals(data, OK)) return ACKED;
  if (startsWith(data, NEXT)) {
    const r = parsePullRequest(data.subarray(NEXT.length));
    return "error" in r ? { kind: "next", request: null, error: r.error } : { kind: "next", request: r };
  }
  if (startsWith(data, NAK)) return nak(data.subarray(NAK.length));
  if (equals(data, PROGRESS)) return IN_PROGRESS;
  if (startsWith(data, TERM)) return { kind: "term", reason: decode(data.subarray(TERM.length)).trim() };
  return UNKNOWN;
}

const NAK_OPTIONS: GoFields = { delay: { kind: "int", type: "time.Duration" } };

// `-NAK {"delay": ns}` or `-NAK 5s`. A delay nats-server cannot read makes a
// plain NAK (it logs a warning); a negative one redelivers at once.
function nak(arg: Uint8Array): AckKind {
  const text = decode(arg).trim();
  if (text === "") return PLAIN_NAK;
  let ns: number | null = null;
  if (text[0] === "{") {
    if (goJsonSyntaxError(encode(text)) === null) {
      const d = decodeGoStruct(JSON.parse(text), "ConsumerNakOptions", NAK_OPTIONS);
      if (d.ok) ns = (d.value.delay as number | undefined) ?? 0;
    }
  } else {
    ns = parseGoDuration(text);
  }
  if (ns === null) return PLAIN_NAK;
  return { kind: "nak", delayMs: ns > 0 ? ns / 1_000_000 : 0 };
}

function bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function equals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && startsWith(a, b);
}

function startsWith(a: Uint8Array, prefix: Uint8Array): boolean {
  if (a.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (a[i] !== prefix[i]) return false;
  return true;
}

/**
 * A new reply subject for a push consumer's flow control request,
 * `$JS.FC.<stream>.<consumer>.<4 of [0-9A-Za-z]>` as nats-server's fcReply
 * makes it. Only the latest one sent counts: an answer to any other is ignored,
 * so the caller keeps it and compares the subject an answer arrives on.
 */
export function flowControlSubject(stream: string, consumer: string): string {
  return `$JS.FC.${stream}.${consumer}.${randomToken(4)}`;
}
