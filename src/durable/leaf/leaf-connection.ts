// One leafnode connection: a nats-server that dialed /leafnode and speaks the
// leafnode protocol (nats-server's leafnode.go, as the hub of the link). It is
// hosted like a client, and is one: its LS+ are subscriptions in its account,
// weighted by the members a queue group has on its side, and its LMSG are
// publishes, which name the queue groups it wants served here. What it is told
// of the account's interest is leafnodes.ts' part.

import { decode } from "../../protocol/bytes.js";
import { DEFAULT_CONNECT_OPTIONS, type ConnectOptions } from "../../protocol/connect.js";
import { CLOSE, ERR } from "../../protocol/errors.js";
import type { LeafRemote } from "../../protocol/config-leafnodes.js";
import { leafConnectJson, parseHubInfo, parseLeafConnect } from "../../protocol/leaf-connect.js";
import type { LeafParserHandler } from "../../protocol/parser.js";
import { isValidSubject } from "../../protocol/subject.js";
import type { Attachment, LeafPeer } from "../host/attachment.js";
import { Client, toStored, type ClientHost, type LocalSub } from "../host/client.js";
import { clientFields } from "../host/connection-log.js";
import type { Transport } from "../host/transport.js";
import type { LeafInterestRow } from "./leaf-store.js";
import type { Leafnodes } from "./leafnodes.js";

/** A leafnode never gets its own messages back, and is never verbose (nats-server's leaf client). */
const LEAF_OPTS: ConnectOptions = { ...DEFAULT_CONNECT_OPTIONS, verbose: false, pedantic: false, echo: false, headers: true, noResponders: false };

const EMPTY = new Uint8Array(0);

/** A subscription's key among the leaf's: LS- names it exactly so (nats-server's leaf sub keys). */
export function leafKey(subject: string, queue: string): string {
  return queue === "" ? subject : `${subject} ${queue}`;
}

/** A link nats-edge dialed to a hub (remotes.ts): where, and as which remote. */
export interface Solicited {
  readonly url: URL;
  readonly remote: LeafRemote;
  /** Who nats-edge says it is in its CONNECT. */
  readonly self: { serverId: string; name: string; version: string };
  /** The hub accepted the CONNECT (its INFO arrived and nothing refused it). */
  onLinked(): void;
}

export class LeafConnection extends Client implements LeafParserHandler {
  override readonly isLeaf = true;
  /** The server that dialed, once its CONNECT was accepted. */
  peer: LeafPeer | null;
  /** What this leaf was told of its account's interest (LS+ sent, by leafKey): the weight it was told. */
  readonly sent = new Map<string, number>();
  /** Where the upgrade came in, for the INFO that answers CONNECT. */
  via: { host: string; port: number } = { host: "", port: 0 };

  constructor(
    private readonly leafHost: ClientHost,
    private readonly leaves: Leafnodes,
    ws: Transport,
    cid: number,
    ip: string,
    start: number,
    restored?: Attachment,
    /** Set when nats-edge dialed the hub at the other end, as its leaf. */
    readonly solicited: Solicited | null = null,
  ) {
    super(leafHost, ws, cid, ip, start, restored ?? { cid, opts: { ...LEAF_OPTS }, ip, start }, true);
    this.peer = restored?.leaf ?? null;
    // A link nats-edge dialed joins its configured account at once; the hub speaks first (INFO).
    if (solicited !== null) this.become({ account: solicited.remote.account, user: "", permissions: null, expiresAt: null });
  }

  /**
   * The hub's INFO, on a link nats-edge dialed: answered with CONNECT, then with the
   * interest of the account (nats-server's processLeafnodeInfo and sendLeafConnect).
   * Later INFOs (cluster changes) change nothing here; a leaf's INFO to nats-edge is ignored.
   */
  info(json: Uint8Array): void {
    const s = this.solicited;
    if (s === null || this.peer !== null) return;
    const info = parseHubInfo(json);
    if (info === null) return this.close(CLOSE.protocolViolation, null, "malformed INFO from the hub");
    // nats-server's words when a leaf reaches a port that is not a leafnode port.
    if (!info.leafnodePort) return this.close(CLOSE.protocolViolation, null, "attempted to connect to wrong port");
    // A TLS handshake after INFO (STARTTLS, as nats-server's leafnodes do by default) is not
    // done here: such a hub is reached with tls:// and handshake_first, or over wss://.
    if (info.tlsRequired && s.url.protocol !== "tls:" && s.url.protocol !== "wss:") {
      return this.close(CLOSE.protocolViolation, null, "the hub requires TLS: dial it with tls:// (its leafnodes with tls { handshake_first: true }) or wss://");
    }
    // The PING's PONG says the hub took the CONNECT (it answers a refused one with -ERR instead).
    this.outbox.ascii(`CONNECT ${leafConnectJson(s.self, s.remote, s.url, info.nonce)}\r\nPING\r\n`);
    this.awaitingHub = true;
    this.peer = { name: info.name, serverId: info.serverId, version: info.version, cluster: info.cluster, remoteAccount: s.remote.account };
    this.opts = { ...LEAF_OPTS, headers: info.headers, name: info.name, version: info.version };
    this.leaves.bound(this);
  }

  /** The last -ERR the other side sent, without its quotes: why a refused link was refused. */
  peerErrorText = "";

  /** An -ERR from the other side: logged, and only a loop closes the link (nats-server's leafProcessErr). */
  peerError(text: string): void {
    this.peerErrorText = text.replace(/^'(.*)'$/, "$1");
    this.leafHost.log.info(`Leafnode Error ${text}`, clientFields(this));
    if (this.peerErrorText.includes("Loop detected")) this.close(CLOSE.protocolViolation, null, this.peerErrorText);
  }

  /** Set from our CONNECT until the hub answered the PING after it. */
  private awaitingHub = false;

  override pong(): void {
    super.pong();
    if (!this.awaitingHub) return;
    this.awaitingHub = false;
    this.solicited?.onLinked();
  }

  override attachment(): Attachment {
    const a = super.attachment();
    a.leaf = this.peer ?? undefined;
    return a;
  }

  /** The leaf's CONNECT: who it is, checked as nats-server's hub checks it, and the account it is bound to. */
  override connect(json: Uint8Array): void {
    // nats-server's leaf handler takes one CONNECT; a second one changes nothing here, nor
    // one sent to nats-edge on a link it dialed.
    if (this.peer !== null || this.solicited !== null) return;
    const c = parseLeafConnect(json);
    if (c === null) return this.close(CLOSE.protocolViolation, null, "malformed leafnode CONNECT");
    if (c.hub) return this.close(CLOSE.protocolViolation, "nats-edge accepts leafnode connections only as their hub", "the leafnode asked to be the hub");
    const r = this.leaves.authenticate(c.creds, this.nonce);
    if (!r.ok) return this.close(CLOSE.authViolation, ERR.authorizationViolation, r.reason);
    this.peer = { name: c.name, serverId: c.serverId, version: c.version, cluster: c.cluster, remoteAccount: c.remoteAccount };
    this.opts = { ...LEAF_OPTS, headers: c.headers, name: c.name, version: c.version };
    this.become(toStored(r.identity));
    this.leafHost.authenticated(this);
    this.leafHost.saveAttachment(this);
    this.leaves.bound(this);
  }

  leafSub(subjectBytes: Uint8Array, queueBytes: Uint8Array | null, weight: number): void {
    if (this.peer === null) return;
    const subject = decode(subjectBytes);
    const queue = queueBytes === null ? "" : decode(queueBytes);
    if (subject === this.leaves.loopSubject) {
      // Our own loop-detection subject came back: this leaf reaches us by another way too.
      const text = `Loop detected for leafnode account=${JSON.stringify(this.space.name)}. Delaying attempt to reconnect for 30s`;
      return this.close(CLOSE.protocolViolation, text, "leafnode loop");
    }
    if (!isValidSubject(subject) || (queueBytes !== null && !isValidSubject(queue))) {
      this.leafHost.log.info("Invalid Subscription", { ...clientFields(this), subject, queue: queue || undefined });
      return this.errorText("Invalid Subscription");
    }
    const key = leafKey(subject, queue);
    const old = this.subs.get(key);
    if (old !== undefined) {
      // A queue group's new member count on the leaf's side; a plain LS+ again changes nothing.
      if (queue === "" || old.weight === weight) return;
      this.subs.delete(key);
      this.leafHost.unsubscribe(old);
    } else {
      const max = this.leafHost.maxSubscriptions;
      if (max > 0 && this.subs.size >= max) return this.errorText(ERR.maxSubscriptions);
    }
    const sub = this.subscription({ subject, queue, weight });
    this.subs.set(key, sub);
    this.leafHost.subscribe(sub);
    this.leaves.store.set("leaf_subs", this.cid, { subject, queue, weight: sub.weight ?? 1 });
  }

  leafUnsub(subjectBytes: Uint8Array, queueBytes: Uint8Array | null): void {
    if (this.peer === null) return;
    const subject = decode(subjectBytes);
    const queue = queueBytes === null ? "" : decode(queueBytes);
    const sub = this.subs.get(leafKey(subject, queue));
    if (sub === undefined) return;
    this.dropSub(sub);
    this.leaves.store.remove("leaf_subs", this.cid, subject, queue);
  }

  /** The subscription a row of LS+ makes (also when rebuilt after a restart). */
  subscription(row: LeafInterestRow): LocalSub {
    const queue = row.queue === "" ? null : row.queue;
    return {
      subject: row.subject,
      queue,
      client: this,
      sid: leafKey(row.subject, row.queue),
      sidBytes: EMPTY,
      max: 0,
      delivered: 0,
      weight: queue === null ? 1 : row.weight,
      queueBytes: queue === null ? undefined : new TextEncoder().encode(queue),
    };
  }
}
