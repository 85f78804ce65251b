// One client connection: its parser, its CONNECT options, its subscriptions and
// what waits to be written to it. The host routes messages; the client speaks
// the protocol with its one socket.

import { decode } from "../protocol/bytes.js";
import { Outbox } from "../protocol/encoder.js";
import { ERR, type ProtocolError } from "../protocol/errors.js";
import { Parser, type ParserHandler } from "../protocol/parser.js";
import { isValidSubject } from "../protocol/subject.js";
import type { Subscription } from "../protocol/sublist.js";
import type { Attachment, ConnectOptions } from "./store.js";

/** What a client needs from the host it lives on. */
export interface ClientHost {
  readonly maxSubscriptions: number;
  readonly maxControlLine: number;
  readonly maxPayload: number;
  publish(from: Client, subject: Uint8Array, reply: Uint8Array | null, headerSize: number, message: Uint8Array): void;
  subscribe(sub: LocalSub): void;
  unsubscribe(sub: LocalSub): void;
  /** The sub's auto-unsubscribe maximum changed (UNSUB <sid> <max>). */
  limitSub(sub: LocalSub): void;
  saveAttachment(client: Client): void;
  markDirty(client: Client): void;
  closed(client: Client): void;
}

export interface LocalSub extends Subscription {
  readonly client: Client;
  readonly sid: string;
  /** The sid as it goes on the wire in MSG, encoded once. */
  readonly sidBytes: Uint8Array;
  /** Auto-unsubscribe after this many deliveries; 0 for never. */
  max: number;
  delivered: number;
}

/** WebSocket close codes nats-server uses for its reasons (server/websocket.go). */
export const CLOSE = {
  normal: 1000,
  protocolError: 1002,
  policyViolation: 1008,
  messageTooBig: 1009,
  serverError: 1011,
} as const;

/** nats-server's defaults for CONNECT fields a client leaves out (server/client.go defaultOpts). */
const DEFAULT_OPTS: ConnectOptions = {
  verbose: true,
  pedantic: true,
  echo: true,
  headers: false,
  noResponders: false,
  name: "",
  lang: "",
  version: "",
};

const textDecoder = new TextDecoder();

export class Client implements ParserHandler {
  readonly parser: Parser;
  readonly outbox = new Outbox();
  readonly subs = new Map<string, LocalSub>();
  opts: ConnectOptions;
  connected: boolean;
  /** Set once the connection is gone or going: nothing more is written or routed for it. */
  isClosed = false;
  /** Set while the client waits in the host's flush list. */
  dirty = false;
  inMsgs = 0;
  inBytes = 0;

  constructor(
    private readonly host: ClientHost,
    readonly ws: WebSocket,
    readonly cid: number,
    readonly ip: string,
    readonly start: number,
    restored?: Attachment,
  ) {
    this.opts = restored?.opts ?? { ...DEFAULT_OPTS };
    this.connected = restored?.connected ?? false;
    this.parser = new Parser(this, { maxControlLine: host.maxControlLine, maxPayload: host.maxPayload });
  }

  attachment(): Attachment {
    return { cid: this.cid, connected: this.connected, opts: this.opts, ip: this.ip, start: this.start };
  }

  feed(bytes: Uint8Array): void {
    if (!this.isClosed) this.parser.feed(bytes);
  }

  private write(): Outbox {
    this.host.markDirty(this);
    return this.outbox;
  }

  connect(json: Uint8Array): void {
    let raw: unknown;
    try {
      raw = JSON.parse(textDecoder.decode(json));
    } catch {
      raw = undefined;
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      // nats-server fails the JSON unmarshal and closes without an -ERR.
      return this.close(CLOSE.protocolError, null, "malformed CONNECT");
    }
    const o = raw as Record<string, unknown>;
    const flag = (key: string, fallback: boolean) => (typeof o[key] === "boolean" ? (o[key] as boolean) : fallback);
    const text = (key: string) => (typeof o[key] === "string" ? (o[key] as string).slice(0, 256) : "");
    const protocol = o.protocol ?? 0;
    if (protocol !== 0 && protocol !== 1) return this.close(CLOSE.protocolError, ERR.invalidProtocol);
    const opts: ConnectOptions = {
      verbose: flag("verbose", DEFAULT_OPTS.verbose),
      pedantic: flag("pedantic", DEFAULT_OPTS.pedantic),
      echo: flag("echo", DEFAULT_OPTS.echo),
      headers: flag("headers", DEFAULT_OPTS.headers),
      noResponders: flag("no_responders", DEFAULT_OPTS.noResponders),
      name: text("name"),
      lang: text("lang"),
      version: text("version"),
    };
    if (opts.noResponders && !opts.headers) return this.close(CLOSE.protocolError, ERR.noRespondersNeedsHeaders);
    this.opts = opts;
    this.connected = true;
    this.host.saveAttachment(this);
    if (opts.verbose) this.write().ok();
  }

  pub(subject: Uint8Array, reply: Uint8Array | null, headerSize: number, message: Uint8Array): void {
    if (headerSize >= 0 && !this.opts.headers) {
      // nats-server closes a client that sends HPUB without declaring headers, without a word.
      return this.close(CLOSE.protocolError, null, "HPUB without headers support");
    }
    this.inMsgs++;
    this.inBytes += message.length;
    if (this.opts.verbose) this.write().ok();
    this.host.publish(this, subject, reply, headerSize, message);
  }

  sub(subjectBytes: Uint8Array, queueBytes: Uint8Array | null, sidBytes: Uint8Array): void {
    const subject = decode(subjectBytes);
    if (!isValidSubject(subject)) return this.errorText(ERR.invalidSubject);
    const sid = decode(sidBytes);
    // A repeated sid is ignored, as nats-server does.
    if (this.subs.has(sid)) return this.ack();
    const max = this.host.maxSubscriptions;
    if (max > 0 && this.subs.size >= max) return this.errorText(ERR.maxSubscriptions);
    const sub: LocalSub = {
      subject,
      queue: queueBytes === null ? null : decode(queueBytes),
      client: this,
      sid,
      sidBytes: sidBytes.slice(),
      max: 0,
      delivered: 0,
    };
    this.subs.set(sid, sub);
    this.host.subscribe(sub);
    this.ack();
  }

  unsub(sidBytes: Uint8Array, max: number): void {
    const sub = this.subs.get(decode(sidBytes));
    if (sub !== undefined) {
      if (max > 0 && sub.delivered < max) {
        sub.max = max;
        this.host.limitSub(sub);
      } else {
        this.dropSub(sub);
      }
    }
    this.ack();
  }

  /** Removes a subscription from this client and the host's routing. */
  dropSub(sub: LocalSub): void {
    if (this.subs.get(sub.sid) !== sub) return;
    this.subs.delete(sub.sid);
    this.host.unsubscribe(sub);
  }

  ping(): void {
    this.write().pong();
  }

  pong(): void {
    // Clients answer our PINGs; the server sends none yet, so there is nothing to track.
  }

  error(err: ProtocolError): void {
    if (err.close) return this.close(closeCodeFor(err), err.text, err.detail);
    if (err.text !== null) this.write().err(err.text);
  }

  /** `-ERR` that keeps the connection open. */
  private errorText(text: string): void {
    this.write().err(text);
  }

  private ack(): void {
    if (this.opts.verbose) this.write().ok();
  }

  /**
   * Closes the connection: what was written before the error goes out, then the
   * `-ERR` (if any), then the close frame. Other connections are not touched.
   */
  close(code: number, text: string | null, reason = text ?? ""): void {
    if (this.isClosed) return;
    if (text !== null) this.outbox.err(text);
    this.flush();
    this.isClosed = true;
    try {
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      // Already closed by the peer: nothing left to tell it.
    }
    this.host.closed(this);
  }

  /** Sends what is waiting as one binary frame. */
  flush(): void {
    this.dirty = false;
    if (this.isClosed || this.outbox.size === 0) return;
    try {
      this.ws.send(this.outbox.take());
    } catch {
      // The socket went away under us; its close event cleans up.
      this.outbox.take();
    }
  }

  /** Bytes written but not yet on the wire: ours plus the runtime's send queue. */
  pending(): number {
    return this.outbox.size + (this.ws.bufferedAmount ?? 0);
  }
}

function closeCodeFor(err: ProtocolError): number {
  if (err.text === ERR.maxPayload) return CLOSE.messageTooBig;
  return CLOSE.protocolError;
}
