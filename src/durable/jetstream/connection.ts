// JetStream's connection in one account on one shard, as nats-server's internal
// clients: a real connection of the host (host/client.ts), so its subscriptions to
// the streams' subjects are interest like any client's and reach it from every
// shard in the same batched frames, and what it publishes (PubAcks, API replies)
// is routed like any message. What the host writes to it is read back in memory.
//
// Its attachment is kept in `js_connections`, so the host rebuilds it with its
// subscriptions when the object starts again, as it does a socket.

import { encode } from "../../protocol/bytes.js";
import { Message } from "../../protocol/message.js";
import { readServerOps, type ServerOpHandler } from "../../protocol/server-ops.js";
import type { Client } from "../host/client.js";
import type { Host } from "../host/host.js";
import type { Transport } from "../host/transport.js";
import type { Log } from "../log.js";

/** What JetStream does with a message its connection received. */
export type Received = (conn: JsConnection, sid: string, subject: string, reply: string | null, hdr: Uint8Array | null, data: Uint8Array) => void;

/** An empty reply field: what nats-server's streams and consumers send with (MSG line with two spaces). */
const NO_REPLY = new Uint8Array(0);

export class JsConnection implements Transport, ServerOpHandler {
  private connection: Client | null = null;
  private readonly out = new Message();
  private readonly pongWaiters: (() => void)[] = [];

  constructor(
    readonly account: string,
    private readonly sql: SqlStorage,
    private readonly received: Received,
    private readonly log: Log,
    private kept: unknown = null,
  ) {}

  /** A new connection in `account`. */
  static open(host: Host, account: string, sql: SqlStorage, received: Received, log: Log): JsConnection {
    const c = new JsConnection(account, sql, received, log);
    c.connection = host.openInternal(c, account);
    return c;
  }

  /** The connections kept in storage, to be handed to Host.restore with the sockets. */
  static stored(sql: SqlStorage, received: Received, log: Log): JsConnection[] {
    return sql
      .exec<{ account: string; attachment: string }>(`SELECT account, attachment FROM js_connections`)
      .toArray()
      .map((r) => new JsConnection(r.account, sql, received, log, JSON.parse(r.attachment)));
  }

  /** After Host.restore: the connection it rebuilt; false when it could not. */
  restored(host: Host): boolean {
    this.connection = host.client(this) ?? null;
    return this.connection !== null;
  }

  get client(): Client {
    return this.connection!;
  }

  subscribe(subject: string, sid: string): void {
    this.client.sub(encode(subject), null, encode(sid));
  }

  /** Resolves once what it sent so far took effect: its subscriptions are known to every shard (PING/PONG). */
  sync(host: Host): Promise<void> {
    const pong = new Promise<void>((resolve) => this.pongWaiters.push(resolve));
    this.client.ping();
    host.flush();
    return pong;
  }

  unsubscribe(sid: string): void {
    this.client.unsub(encode(sid), 0);
  }

  /**
   * Publishes as the server (the caller flushes the host). `deliver`: the subject its
   * subscribers see, when not `subject` (a consumer's message to its inbox shows the
   * subject it was stored under).
   */
  publish(subject: string, reply: string | null, hdr: Uint8Array | null, data: Uint8Array, deliver: string | null = null): void {
    let bytes = data;
    if (hdr !== null) {
      bytes = new Uint8Array(hdr.length + data.length);
      bytes.set(hdr);
      bytes.set(data, hdr.length);
    }
    const m = this.out.set(encode(subject), reply === null ? null : reply === "" ? NO_REPLY : encode(reply), hdr === null ? -1 : hdr.length, bytes);
    if (deliver !== null) m.deliver = encode(deliver);
    this.client.pub(m);
  }

  // ---- Transport ----------------------------------------------------------------------------

  send(bytes: Uint8Array): void {
    readServerOps(bytes, this);
  }

  close(_code: number, reason: string): void {
    // Nothing the server closes a connection for applies to its own; should it happen, say so.
    this.log.warn("JetStream connection closed", { account: this.account, reason });
  }

  serializeAttachment(attachment: unknown): void {
    this.kept = attachment;
    this.sql.exec(
      `INSERT INTO js_connections (account, attachment) VALUES (?, ?) ON CONFLICT (account) DO UPDATE SET attachment = excluded.attachment`,
      this.account, JSON.stringify(attachment),
    );
  }

  deserializeAttachment(): unknown {
    return this.kept;
  }

  // ---- ServerOpHandler ----------------------------------------------------------------------

  msg(subject: string, sid: string, reply: string | null, headers: Uint8Array | null, payload: Uint8Array): void {
    this.received(this, sid, subject, reply, headers, payload);
  }

  err(text: string): void {
    this.log.warn("JetStream connection got an error", { account: this.account, error: text });
  }

  ping(): void {
    // It reads everything at once: it is never behind.
    this.client.pong();
  }

  pong(): void {
    this.pongWaiters.shift()?.();
  }
}
