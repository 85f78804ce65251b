// What the HTTP bridge and service bindings can do, run by a shard on behalf of a
// caller that has no socket: publish, request (first reply wins) and subscribe
// (a stream of messages). Each call is a Session, so it is authenticated,
// permitted, limited and routed exactly as a NATS client of the same user.

import { decodeHeaders } from "../../protocol/headers.js";
import { ERR } from "../../protocol/errors.js";
import type { Host } from "../host/host.js";
import type { Upgrade } from "../host/host-roles.js";
import { Session, type Caller, type SessionMessage } from "./session.js";
import { StreamFormat, messageStream } from "./message-stream.js";

export type { Caller } from "./session.js";

/** The outcome of a call: a value, or an HTTP status with the error a NATS client would have seen. */
export type BridgeResult<T> = { ok: true; value: T } | { ok: false; status: number; error: string };

export interface PublishCall {
  readonly caller: Caller;
  readonly subject: string;
  readonly reply: string | null;
  /** A NATS header block, or null for none. */
  readonly headers: Uint8Array | null;
  readonly payload: Uint8Array;
}

export interface RequestCall extends PublishCall {
  readonly timeoutMs: number;
}

export interface SubscribeCall {
  readonly caller: Caller;
  readonly subject: string;
  readonly queue: string | null;
  /** End the stream after this many messages; 0 for never. */
  readonly max: number;
  readonly format: StreamFormat;
}

export interface Reply {
  readonly subject: string;
  readonly headers: Uint8Array | null;
  readonly payload: Uint8Array;
}

const NO_RESPONDERS = 503;

export class Bridge {
  constructor(
    private readonly host: Host,
    private readonly via: Omit<Upgrade, "cookies" | "ip">,
  ) {}

  private session(caller: Caller): Session {
    return Session.open(this.host, caller, this.via);
  }

  async publish(call: PublishCall): Promise<BridgeResult<null>> {
    const s = this.session(call.caller);
    try {
      s.publish(call.subject, call.reply, call.headers, call.payload);
      const problem = await s.sync();
      return problem === null ? { ok: true, value: null } : failed(problem);
    } finally {
      s.end();
    }
  }

  async request(call: RequestCall): Promise<BridgeResult<Reply>> {
    const s = this.session(call.caller);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const inbox = `_INBOX.${randomToken()}`;
      const reply = new Promise<SessionMessage | string | typeof TIMED_OUT>((resolve) => {
        s.listen({ message: resolve, ended: resolve });
        timer = setTimeout(() => resolve(TIMED_OUT), call.timeoutMs);
      });
      // As the official clients do: the inbox subscription (for one message), then the request.
      s.subscribe(inbox, null, "1", 1);
      s.publish(call.subject, inbox, call.headers, call.payload);
      const synced = await Promise.race([s.sync(), reply.then(() => null)]);
      if (synced !== null) return failed(synced);
      const m = await reply;
      if (m === TIMED_OUT) return { ok: false, status: 504, error: "Timeout: no reply in time" };
      if (typeof m === "string") return failed(s.failure() ?? m);
      if (m.headers !== null && decodeHeaders(m.headers)?.status === NO_RESPONDERS) {
        return { ok: false, status: 503, error: "No Responders: no subscription for the request's subject" };
      }
      return { ok: true, value: { subject: m.subject, headers: m.headers, payload: m.payload } };
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      s.end();
    }
  }

  /** A stream of the subject's messages, from the moment the subscription is live until the reader goes away. */
  async subscribe(call: SubscribeCall): Promise<BridgeResult<ReadableStream<Uint8Array>>> {
    const s = this.session(call.caller);
    s.subscribe(call.subject, call.queue, "1", call.max);
    const problem = await s.sync();
    if (problem !== null) {
      s.end();
      return failed(problem);
    }
    return { ok: true, value: messageStream(s, call.format, call.max) };
  }
}

const TIMED_OUT = Symbol("timed out");

/** The HTTP status that says what the server's error text says. */
export function statusOf(error: string): number {
  if (error === ERR.authorizationViolation || error.includes("Authentication")) return 401;
  if (error.startsWith("Permissions Violation")) return 403;
  if (error === ERR.maxPayload) return 413;
  if (error === ERR.maxConnections) return 503;
  if (error === ERR.maxSubscriptions) return 429;
  if (error === ERR.invalidSubject || error === ERR.invalidPublishSubject) return 400;
  return 500;
}

function failed(error: string): { ok: false; status: number; error: string } {
  return { ok: false, status: statusOf(error), error };
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** 22 random base-62 characters, as long as a nuid. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(22));
  let s = "";
  for (const b of bytes) s += ALPHABET[b % 62];
  return s;
}
