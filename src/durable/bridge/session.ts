// A connection that lives inside the broker: an HTTP request or a service binding
// call speaking NATS to the host in memory. It is a real Client (same
// authentication, permissions, limits, accounts and routing as a WebSocket
// client); only its transport differs: what the client would be sent is read
// back here, op by op, instead of going out on a socket.

import type { Credentials } from "../../protocol/auth.js";
import { encode } from "../../protocol/bytes.js";
import { Message } from "../../protocol/message.js";
import { readServerOps, type ServerOpHandler } from "../../protocol/server-ops.js";
import type { Client } from "../host/client.js";
import type { Transport } from "../host/transport.js";
import type { Host } from "../host/host.js";
import type { Upgrade } from "../host/host-roles.js";

export interface SessionMessage {
  readonly sid: string;
  readonly subject: string;
  readonly reply: string | null;
  /** The header block as the publisher sent it; null without headers. */
  readonly headers: Uint8Array | null;
  readonly payload: Uint8Array;
}

export interface SessionListener {
  message(m: SessionMessage): void;
  /** The messages of one frame were all given: a moment to pass them on together. */
  frameEnd?(): void;
  /** The server closed the connection (expired credentials, slow consumer, …). */
  ended(reason: string): void;
}

/** Who is calling and from where, as monitoring shows it. */
export interface Caller {
  readonly credentials: Credentials;
  /** "http" for the HTTP bridge, "binding" for service bindings (CONNECT's `lang`). */
  readonly lang: string;
  /** CONNECT's `name`: what the call is, e.g. "POST /pub". */
  readonly name: string;
  readonly ip: string;
}

/** Messages a session holds for the listener it does not have yet; past this it stops reading. */
const EARLY = 1000;
const VERSION = "1";

export class Session implements Transport, ServerOpHandler {
  private listener: SessionListener | null = null;
  /**
   * What arrived before anyone listened: a subscription is live from its SUB, but a
   * stream or webhook starts listening only once the PONG said it is live everywhere.
   */
  private early: SessionMessage[] = [];
  private readonly errors: string[] = [];
  private readonly pongWaiters: (() => void)[] = [];
  private endedWith: string | null = null;
  /** Read receipts (server PINGs) held back while the reader cannot take more. */
  private heldReceipts = 0;
  private full = () => this.early.length >= EARLY;
  private connection: Client | null = null;

  /**
   * A session whose attachment `keep` stores can be rebuilt after the object
   * restarted (webhook subscriptions): `kept` is that attachment, read back.
   */
  constructor(
    private readonly host: Host,
    private readonly keep: ((attachment: unknown) => void) | null = null,
    private readonly kept: unknown = null,
  ) {}

  /** Opens the connection and sends CONNECT with the caller's credentials. */
  static open(host: Host, caller: Caller, via: Omit<Upgrade, "cookies" | "ip">, keep: ((attachment: unknown) => void) | null = null): Session {
    const s = new Session(host, keep);
    s.connection = host.open(s, { ...via, ip: caller.ip, cookies: null });
    const connect = {
      ...caller.credentials,
      verbose: false,
      pedantic: false,
      headers: true,
      no_responders: true,
      protocol: 1,
      lang: caller.lang,
      version: VERSION,
      name: caller.name,
    };
    s.client.connect(encode(JSON.stringify(connect)));
    host.flush();
    return s;
  }

  /** The connection the host rebuilt for a restored session (Host.restore). */
  restored(): boolean {
    this.connection = this.host.client(this) ?? null;
    return this.connection !== null;
  }

  get client(): Client {
    return this.connection!;
  }

  /** Receives messages and the end of the connection from now on. */
  listen(listener: SessionListener, full: () => boolean = () => false): void {
    this.listener = listener;
    this.full = full;
    const early = this.early;
    this.early = [];
    for (const m of early) listener.message(m);
    if (early.length > 0) listener.frameEnd?.();
    this.drained();
  }

  // ---- Transport: what the host writes to this connection ---------------------------------------

  send(bytes: Uint8Array): void {
    readServerOps(bytes, this);
    this.listener?.frameEnd?.();
  }

  close(_code: number, reason: string): void {
    if (this.endedWith !== null) return;
    this.endedWith = reason;
    for (const w of this.pongWaiters.splice(0)) w();
    this.listener?.ended(this.failure() ?? reason);
  }

  serializeAttachment(attachment: unknown): void {
    // Most sessions do not outlive the call that made it: nothing to keep.
    this.keep?.(attachment);
  }

  deserializeAttachment(): unknown {
    return this.kept;
  }

  // ---- ServerOpHandler ----------------------------------------------------------------------

  msg(subject: string, sid: string, reply: string | null, headers: Uint8Array | null, payload: Uint8Array): void {
    const m = { sid, subject, reply, headers, payload };
    if (this.listener === null) this.early.push(m);
    else this.listener.message(m);
  }

  err(text: string): void {
    this.errors.push(text);
  }

  ping(): void {
    // A server PING asks whether the reader keeps up; answered only once it does,
    // so a reader that stops reading becomes a slow consumer like any other.
    if (this.full()) this.heldReceipts++;
    else this.client.pong();
  }

  pong(): void {
    this.pongWaiters.shift()?.();
  }

  // ---- What a call does --------------------------------------------------------------------

  /** The first error the server reported, or why it closed the connection; null when all is well. */
  failure(): string | null {
    return this.errors[0] ?? this.endedWith;
  }

  get ended(): boolean {
    return this.endedWith !== null;
  }

  subscribe(subject: string, queue: string | null, sid: string, max = 0): void {
    if (this.ended) return;
    this.client.sub(encode(subject), queue === null ? null : encode(queue), encode(sid));
    if (max > 0) this.client.unsub(encode(sid), max);
    this.host.flush();
  }

  publish(subject: string, reply: string | null, headers: Uint8Array | null, payload: Uint8Array): void {
    if (this.ended) return;
    let message = payload;
    if (headers !== null) {
      message = new Uint8Array(headers.length + payload.length);
      message.set(headers);
      message.set(payload, headers.length);
    }
    // No reply and an empty one are the same to a client: none.
    const r = reply === null || reply === "" ? null : encode(reply);
    this.client.pub(new Message().set(encode(subject), r, headers === null ? -1 : headers.length, message));
    this.host.flush();
  }

  /**
   * Resolves once everything sent so far took effect (PING/PONG, as a client's
   * flush: on several shards, once subscriptions are known to their owners and
   * publishes were routed). Returns the first problem the server reported.
   */
  async sync(): Promise<string | null> {
    if (!this.ended) {
      const pong = new Promise<void>((resolve) => this.pongWaiters.push(resolve));
      this.client.ping();
      this.host.flush();
      await pong;
    }
    return this.failure();
  }

  /** The reader has room again: answer the receipts it held back. */
  drained(): void {
    if (this.ended) return;
    for (; this.heldReceipts > 0; this.heldReceipts--) this.client.pong();
  }

  /** The call is over: the connection and its subscriptions go. */
  end(): void {
    if (this.endedWith === null) this.endedWith = "ended";
    this.host.gone(this);
  }
}
