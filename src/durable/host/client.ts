// One client connection: its parser, its CONNECT options, its subscriptions and
// what waits to be written to it. The host routes messages; the client speaks
// the protocol with its one socket.

import type { Authenticator, Credentials, Identity } from "../../protocol/auth.js";
import { decode, LastDecoded } from "../../protocol/bytes.js";
import { DEFAULT_CONNECT_OPTIONS, parseConnect, withCookies, type ConnectOptions } from "../../protocol/connect.js";
import { Outbox } from "../../protocol/encoder.js";
import type { Message } from "../../protocol/message.js";
import { CLOSE, ERR, subscribeViolation, type Closing, type ProtocolError } from "../../protocol/errors.js";
import { Parser, type LeafParserHandler, type ParserHandler } from "../../protocol/parser.js";
import { PendingTracker } from "../../protocol/pending.js";
import { isValidSubject } from "../../protocol/subject.js";
import { Permissions, ResponseTracker, type PermissionsConfig } from "../../protocol/permissions.js";
import type { Subscription } from "../../protocol/sublist.js";
import type { Log } from "../log.js";
import { GLOBAL_ACCOUNT, type AccountSpace } from "./account.js";
import type { Attachment, StoredIdentity } from "./attachment.js";
import { clientFields, tracedHandler, traceSent } from "./connection-log.js";
import type { Transport } from "./transport.js";

/** What a client needs from the host it lives on. */
export interface ClientHost {
  readonly maxSubscriptions: number;
  readonly maxControlLine: number;
  readonly maxPayload: number;
  readonly maxPending: number;
  readonly auth: Authenticator;
  /** A `no_auth_user` is configured: clients may act before CONNECT, as that user. */
  readonly noAuthUser: boolean;
  readonly log: Log;
  /** The part of the host that belongs to an account. */
  space(account: string): AccountSpace<LocalSub>;
  publish(from: Client, msg: Message): void;
  subscribe(sub: LocalSub): void;
  unsubscribe(sub: LocalSub): void;
  /** The sub's auto-unsubscribe maximum changed (UNSUB <sid> <max>). */
  limitSub(sub: LocalSub): void;
  saveAttachment(client: Client): void;
  /** Keeps a piece of a half-received op, so it survives hibernation; seq 1 starts a new op. */
  savePartial(client: Client, seq: number, bytes: Uint8Array): void;
  clearPartial(client: Client): void;
  markDirty(client: Client): void;
  closed(client: Client): void;
  /** The client answered a PING: producers stalled behind it may go on (stalls.ts). */
  caughtUp(client: Client): void;
  /** The client authenticated at CONNECT. */
  authenticated(client: Client): void;
}

export interface LocalSub extends Subscription {
  readonly client: Client;
  readonly sid: string;
  /** The sid as it goes on the wire in MSG, encoded once. */
  readonly sidBytes: Uint8Array;
  /** Auto-unsubscribe after this many deliveries; 0 for never. */
  max: number;
  delivered: number;
  /** A leafnode's queue subscription: how many members it stands for (LS+'s weight). Else 1. */
  weight?: number;
  /** A leafnode's queue subscription: its group as LMSG names it, encoded once. */
  queueBytes?: Uint8Array;
}

export class Client implements ParserHandler {
  readonly parser: Parser;
  /** A leafnode connection (leaf/leaf-connection.ts): it is written LMSG, once per message. */
  readonly isLeaf: boolean = false;
  /** One of the server's own connections (Host.openInternal): what it publishes is never mapped. */
  isInternal = false;
  readonly outbox = new Outbox();
  private readonly reads: PendingTracker;
  readonly subs = new Map<string, LocalSub>();
  /** The subject this connection last published to, decoded. */
  readonly pubSubject = new LastDecoded();
  opts: ConnectOptions;
  /** Set once the connection is gone or going: nothing more is written or routed for it. */
  isClosed = false;
  /** Why the server closed the connection, for logs and monitoring. */
  closeDetail = "";
  /** nats-server's name for why the server closed it (its ClosedState), for /connz. */
  closeReason = "";
  /** Set while the client waits in the host's flush list. */
  dirty = false;
  // Per connection, as nats-server's connz reports them; in memory only, so they
  // start again from zero when workerd evicts the object.
  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;
  /** When it last sent or was sent something, ms since the epoch. */
  lastActivity: number;

  /** Who the client is; null until it authenticated. */
  identity: StoredIdentity | null = null;
  /** The account the connection lives in (the global one until it authenticated). */
  space: AccountSpace<LocalSub>;
  /** Publish/subscribe limits of its user; null when it has none. */
  perms: Permissions | null = null;
  /** Reply subjects it may publish to under `allow_responses`. */
  responses: ResponseTracker | null = null;
  /** The nonce INFO carried, for the client to sign. */
  nonce: string | null;
  /** Credentials from cookies at the upgrade, used where CONNECT leaves them out. */
  private cookies: Credentials | null;
  /** Server PINGs sent and not answered yet. */
  pingsOut: number;
  /** A keepalive PING is to end the next frame. */
  private pingDue = false;

  constructor(
    private readonly host: ClientHost,
    readonly ws: Transport,
    readonly cid: number,
    readonly ip: string,
    readonly start: number,
    restored?: Attachment,
    /** A leafnode connection, which implements the leaf verbs (leaf/leaf-connection.ts). */
    leaf = false,
  ) {
    this.opts = restored?.opts ?? { ...DEFAULT_CONNECT_OPTIONS };
    this.nonce = restored?.nonce ?? null;
    this.cookies = restored?.cookies ?? null;
    this.pingsOut = restored?.pings ?? 0;
    this.lastActivity = start;
    this.parser = new Parser(host.log.tracing ? tracedHandler(this, host.log) : this, { maxControlLine: host.maxControlLine, maxPayload: host.maxPayload }, leaf ? (this as unknown as LeafParserHandler) : null);
    // Ask for proof of reading often enough to notice a stuck reader well before the limit.
    this.reads = new PendingTracker(Math.max(16 * 1024, Math.floor(host.maxPending / 8)));
    this.space = host.space(restored?.identity?.account ?? GLOBAL_ACCOUNT);
    if (restored?.identity) this.become(restored.identity);
    // A leafnode always says who it is first, as nats-server insists.
    else if (leaf) this.parser.connectFirst = true;
    else if (!host.auth.required) this.become(ANONYMOUS);
    else if (!host.noAuthUser) this.parser.connectFirst = true;
  }

  attachment(): Attachment {
    return {
      cid: this.cid,
      opts: this.opts,
      ip: this.ip,
      start: this.start,
      identity: this.identity,
      // Kept for the connection's life: a later CONNECT is checked again, against them.
      nonce: this.nonce,
      cookies: this.cookies,
      pings: this.pingsOut,
    };
  }

  /** Credentials found in cookies at the upgrade (the `websocket` block's cookie names). */
  setCookies(creds: Credentials | null): void {
    this.cookies = creds;
  }

  /** Takes on an identity: its account, its permissions. */
  protected become(identity: StoredIdentity): void {
    const moving = this.identity !== null && this.identity.account !== identity.account && this.subs.size > 0;
    // A CONNECT that logs in as a user of another account takes the connection,
    // subscriptions included, into that account, as nats-server does.
    if (moving) for (const sub of this.subs.values()) this.host.unsubscribe(sub);
    this.identity = identity;
    this.parser.connectFirst = false;
    this.space = this.host.space(identity.account);
    if (moving) for (const sub of this.subs.values()) this.host.subscribe(sub);
    this.perms = identity.permissions === null ? null : compiled(identity.permissions);
    this.responses = this.perms?.responses ? new ResponseTracker(this.perms.responses) : null;
  }

  /**
   * Whether the client may act. Without CONNECT, only a broker with a
   * `no_auth_user` lets a client act (as that user), as nats-server does.
   */
  private authorized(): boolean {
    if (this.identity !== null) return true;
    const guest = this.host.auth.noAuthIdentity();
    if (guest === null) {
      this.close(CLOSE.authViolation, ERR.authorizationViolation, "an op before CONNECT");
      return false;
    }
    this.become(toStored(guest));
    this.host.saveAttachment(this);
    return true;
  }

  /** Pieces of the half-received op kept in storage; 0 when none. */
  partialSeq = 0;

  feed(bytes: Uint8Array): void {
    if (this.isClosed) return;
    this.parser.feed(bytes);
    if (this.isClosed) return;
    // An op may end in a later WebSocket message than it began, and workerd may
    // hibernate the object in between: keep what arrived of it until it completes.
    if (this.parser.midOp) {
      const tail = this.parser.tailOf(bytes);
      if (tail !== null && this.partialSeq > 0) {
        this.host.clearPartial(this);
        this.partialSeq = 0;
      }
      this.host.savePartial(this, ++this.partialSeq, tail ?? bytes);
    } else if (this.partialSeq > 0) {
      this.host.clearPartial(this);
      this.partialSeq = 0;
    }
  }

  private write(): Outbox {
    this.host.markDirty(this);
    return this.outbox;
  }

  connect(json: Uint8Array): void {
    const parsed = parseConnect(json, this.opts);
    // nats-server fails the JSON unmarshal (also on a field of the wrong type) and closes without an -ERR.
    if (parsed === null) return this.close(CLOSE.protocolViolation, null, "malformed CONNECT");
    if (parsed === "protocol") return this.close(CLOSE.badProtocol, ERR.invalidProtocol);
    const { opts, creds, claimsAccount } = parsed;
    if (opts.noResponders && !opts.headers) return this.close(CLOSE.noRespondersNeedsHeaders, ERR.noRespondersNeedsHeaders);
    // Choosing an account in CONNECT was a feature of old servers; nats-server now refuses it.
    if (claimsAccount) return this.close(CLOSE.authViolation, ERR.authorizationViolation, "CONNECT names an account");
    // Every CONNECT is checked, also a second one, as nats-server does; without
    // authorization configured, credentials are not looked at.
    if (this.identity === null || this.host.auth.required) {
      // Cookies stand in for what CONNECT leaves out (nats-server's websocket cookie options).
      const r = this.host.auth.authenticate(withCookies(creds, this.cookies), this.nonce, Date.now());
      if (!r.ok) return this.close(CLOSE.authViolation, ERR.authorizationViolation, r.reason);
      this.become(toStored(r.identity));
      this.host.authenticated(this);
    }
    this.opts = opts;
    this.host.saveAttachment(this);
    this.ack();
  }

  pub(msg: Message): void {
    if (!this.authorized()) return;
    if (msg.headerSize >= 0 && !this.opts.headers) {
      // nats-server closes a client that sends HPUB without declaring headers, without a word.
      return this.close(CLOSE.protocolViolation, null, "HPUB without headers support");
    }
    this.inMsgs++;
    this.inBytes += msg.data.length;
    // An empty header block is no header block: nats-server delivers such an HPUB as MSG.
    if (msg.headerSize === 0) msg.headerSize = -1;
    this.host.publish(this, msg);
  }

  sub(subjectBytes: Uint8Array, queueBytes: Uint8Array | null, sidBytes: Uint8Array): void {
    if (!this.authorized()) return;
    const subject = decode(subjectBytes);
    const queue = queueBytes === null ? null : decode(queueBytes);
    // nats-server checks permissions first, and keeps the connection open.
    const sid = decode(sidBytes);
    if (this.perms !== null && !this.perms.canSubscribe(subject, queue)) {
      this.host.log.info("Subscription Violation", { ...clientFields(this), subject, queue: queue ?? undefined, sid });
      return this.errorText(subscribeViolation(subject, queue));
    }
    if (!isValidSubject(subject)) {
      this.host.log.info("Invalid Subject", { ...clientFields(this), subject, sid });
      return this.errorText(ERR.invalidSubject);
    }
    // A repeated sid is ignored, as nats-server does.
    if (this.subs.has(sid)) return this.ack();
    const max = this.host.maxSubscriptions;
    if (max > 0 && this.subs.size >= max) {
      this.host.log.info(ERR.maxSubscriptions, { ...clientFields(this), subject, sid });
      return this.errorText(ERR.maxSubscriptions);
    }
    const sub: LocalSub = {
      subject,
      queue,
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
    if (!this.authorized()) return;
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

  /**
   * PONG waits until every SUB and UNSUB sent before the PING is known to the
   * owners of its subject, so `flush()` after `subscribe()` means the subscription
   * is live on every shard, and until every PUB sent before it was routed (one
   * may wait for its subject's interest), so the PONG follows what they caused.
   */
  ping(): void {
    if (!this.authorized()) return;
    if (this.acksAwaited > 0) this.pongsHeld++;
    else this.write().pong();
  }

  private acksAwaited = 0;
  private pongsHeld = 0;

  /** Something the next PONG must wait for began: a registration with an owner, or a PUB waiting for interest. */
  awaitAck(): void {
    this.acksAwaited++;
  }

  /** One of those ended; held PONGs go out once none is outstanding. */
  ackArrived(): void {
    if (--this.acksAwaited > 0 || this.isClosed) return;
    const out = this.pongsHeld > 0 ? this.write() : null;
    for (; this.pongsHeld > 0; this.pongsHeld--) out!.pong();
  }

  pong(): void {
    this.reads.pong();
    this.host.caughtUp(this);
    if (this.pingsOut > 0) {
      this.pingsOut = 0;
      this.host.saveAttachment(this);
    }
  }

  /**
   * The keepalive: a server PING at every interval, and a stale connection when
   * `max` of them went unanswered (nats-server's ping_interval and ping_max).
   * False when the connection was closed as stale.
   */
  keepAlive(max: number): boolean {
    if (this.pingsOut >= max) {
      this.close(CLOSE.staleConnection, ERR.staleConnection);
      return false;
    }
    this.pingsOut++;
    this.pingDue = true;
    this.host.markDirty(this);
    this.host.saveAttachment(this);
    return true;
  }

  error(err: ProtocolError): void {
    if (err.close !== null) return this.close(err.close, err.text, err.detail);
    if (err.text !== null) this.errorText(err.text);
  }

  /** `-ERR` that keeps the connection open. */
  errorText(text: string): void {
    this.write().err(text);
  }

  /** `+OK` for a verbose client. */
  ack(): void {
    if (this.opts.verbose) this.write().ok();
  }

  /**
   * Closes the connection: what was written before the error goes out, then the
   * `-ERR` (if any), then the close frame. Other connections are not touched.
   */
  close(how: Closing, text: string | null, detail = ""): void {
    if (this.isClosed) return;
    this.closeDetail = detail || how.reason;
    this.closeReason = how.reason;
    this.parser.stop();
    if (text !== null) this.outbox.err(text);
    this.flush();
    this.isClosed = true;
    try {
      this.ws.close(how.code, how.reason);
    } catch {
      // Already closed by the peer: nothing left to tell it.
    }
    this.host.closed(this);
  }

  /** Sends what is waiting as one binary frame. */
  flush(): void {
    this.dirty = false;
    if (this.isClosed || (this.outbox.size === 0 && !this.pingDue)) return;
    // One PING serves both as keepalive and as read receipt.
    const ping = this.pingDue || this.reads.duePing(this.outbox.size);
    this.pingDue = false;
    if (ping) this.outbox.ping();
    this.reads.sent(this.outbox.size, ping);
    const frame = this.outbox.take();
    if (this.host.log.tracing) traceSent(this.host.log, this, frame);
    try {
      this.ws.send(frame);
    } catch {
      // The socket went away under us; its close event cleans up.
    }
  }

  /** Bytes written to this client that it has not been seen to read (see PendingTracker). */
  pending(): number {
    return this.reads.pending(this.outbox.size);
  }
}

/** Everyone, when the broker has no authorization and admits anonymous clients. */
const ANONYMOUS: StoredIdentity = { account: GLOBAL_ACCOUNT, user: "", permissions: null, expiresAt: null };

export function toStored(identity: Identity): StoredIdentity {
  const stored: StoredIdentity = { account: identity.account, user: identity.user, permissions: identity.permissions, expiresAt: identity.expiresAt };
  if (identity.accountExpires) stored.accountExpires = true;
  return stored;
}

// Connections of one user share its compiled permissions, also across restarts of the object.
const compiledPermissions = new Map<string, Permissions>();

function compiled(config: PermissionsConfig): Permissions {
  const key = JSON.stringify(config);
  let p = compiledPermissions.get(key);
  if (p === undefined) {
    if (compiledPermissions.size >= 1024) compiledPermissions.clear();
    compiledPermissions.set(key, (p = Permissions.compile(config)));
  }
  return p;
}
