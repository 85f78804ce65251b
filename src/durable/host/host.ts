// The host role of a shard: the connections routed to this object and their
// subscriptions in a sublist per account; what they publish goes where
// delivery.ts sends it. Everything a turn of the event loop writes to one
// connection leaves as one frame when the turn ends (flush).

import { Authenticator, newNonce } from "../../protocol/auth.js";
import type { BrokerConfig } from "../../protocol/config.js";
import { DEFAULT_CONNECT_OPTIONS, type ConnectOptions } from "../../protocol/connect.js";
import { CLOSE, ERR } from "../../protocol/errors.js";
import type { Message } from "../../protocol/message.js";
import type { RoutedMessage } from "../../protocol/route.js";
import { infoJson } from "../../protocol/server-info.js";
import type { Log } from "../log.js";
import type { Meta } from "../meta.js";
import { regionOfShard, type Settings } from "../settings.js";
import { AccountSpace } from "./account.js";
import { Attachments, type Attachment } from "./attachment.js";
import { Client, type ClientHost, type LocalSub } from "./client.js";
import { clientFields, logClosed } from "./connection-log.js";
import { ConnectionIds } from "./connection-ids.js";
import { Delivery, type DeliveryHost, type ServerServices } from "./delivery.js";
import type { Alarm, ClosedLog, ClusterLink, LeafnodeHooks, ServerIdentity, Upgrade } from "./host-roles.js";
import { PartialOps } from "./partial-ops.js";
import { forgetConnection, rebuildConnections, type ConnectionStorage } from "./restore.js";
import { Stalls } from "./stalls.js";
import { StoredSubs } from "./subscriptions.js";
import { Totals } from "./totals.js";
import type { Transport } from "./transport.js";

/**
 * An inbound frame at least this large comes from a client streaming messages: what it
 * caused is written a moment later, with what the next frames cause (flushSoon). Smaller
 * frames (a request, a reply, a PING) are answered at once.
 */
const STREAMING_FRAME = 16 * 1024;

/** The CONNECT options of the server's own connections (openInternal): headers, and never their own messages back. */
const INTERNAL_OPTS: ConnectOptions = { ...DEFAULT_CONNECT_OPTIONS, verbose: false, pedantic: false, headers: true, echo: false, noResponders: false };

export class Host implements ClientHost, DeliveryHost {
  private readonly clients = new Map<Transport, Client>();
  /** The server's own connections (openInternal). */
  private readonly internals = new Map<Transport, Client>();
  /** The cluster side, when there is more than one shard. */
  private cluster: ClusterLink | null = null;
  /** Leafnode connections, set before restore(). */
  leafnodes: LeafnodeHooks | null = null;
  /**
   * Set by restore() when connections with subscriptions closed while the object was
   * away (a reset, a redeploy): owners still hold their interest, and are told again.
   */
  interestLost = false;
  /** Where what this host's clients publish, and what other shards route here, goes. */
  private readonly delivery: Delivery;
  private readonly spaces = new Map<string, AccountSpace<LocalSub>>();
  private readonly dirty: Client[] = [];
  /** Fast producers held behind slow subscribers. */
  private readonly stalls: Stalls;
  /** The connection whose frame is being handled, if any. */
  private receiving: Client | null = null;
  /** A flush is scheduled (flushSoon). */
  private flushPending = false;
  readonly maxSubscriptions: number;
  readonly maxControlLine: number;
  readonly maxPayload: number;
  readonly maxPending: number;
  readonly auth: Authenticator;
  readonly noAuthUser: boolean;
  /** This shard's region (REGIONS), which decides the mappings scoped to a cluster; null without. */
  readonly region: string | null;
  /** This shard's share of max_connections. */
  private readonly maxConnections: number;
  /** When the next keepalive round is due (ms since the epoch); 0 when none is scheduled. */
  private keepaliveAt: number;

  /** Counters as nats-server's varz names them, kept across restarts. */
  readonly totals: Totals;
  private readonly storage: ConnectionStorage;
  private readonly cids: ConnectionIds;

  constructor(
    private readonly settings: Settings,
    sql: SqlStorage,
    private readonly meta: Meta,
    private readonly server: ServerIdentity,
    private readonly alarm: Alarm,
    private readonly closedLog: ClosedLog,
    readonly log: Log,
  ) {
    this.maxSubscriptions = settings.maxSubscriptions;
    this.maxControlLine = settings.maxControlLine;
    this.maxPayload = settings.maxPayload;
    this.maxPending = settings.maxPending;
    this.stalls = new Stalls(settings.maxPending, (c, data) => this.handle(c, data), () => this.flush());
    this.maxConnections = Math.ceil(settings.maxConnections / settings.shards);
    this.region = regionOfShard(settings, server.index);
    this.auth = authenticatorFor(settings.config, settings.allowAnonymous);
    this.noAuthUser = settings.config.noAuthUser !== null;
    this.keepaliveAt = meta.get("keepalive");
    this.totals = new Totals(sql, meta);
    this.storage = { attachments: new Attachments(sql), subs: new StoredSubs(sql), partials: new PartialOps(sql) };
    this.cids = new ConnectionIds(meta);
    this.delivery = new Delivery(this);
  }

  private scheduleKeepalive(at: number): void {
    this.keepaliveAt = at;
    this.meta.set("keepalive", at);
  }

  space(account: string): AccountSpace<LocalSub> {
    let s = this.spaces.get(account);
    if (s === undefined) this.spaces.set(account, (s = new AccountSpace(account, this.settings.config.mappings.get(account) ?? null)));
    return s;
  }

  /** An account's part of this host, if any connection here lives in it. */
  spaceOf(account: string): AccountSpace<LocalSub> | undefined {
    return this.spaces.get(account);
  }

  /** Joins the cluster: from now on publishes also go to other shards' subscribers. */
  attach(cluster: ClusterLink): void {
    this.cluster = cluster;
    this.delivery.routes = cluster;
    for (const client of [...this.clients.values(), ...this.internals.values()]) for (const sub of client.subs.values()) cluster.restored(sub);
  }

  /** Serves subjects of the server's own from now on (JetStream's API). */
  serve(services: ServerServices): void {
    this.delivery.services = services;
  }

  /** Client connections (leafnodes are counted apart, as nats-server counts them). */
  get connections(): number {
    return this.clients.size - this.leafConnections;
  }

  get leafConnections(): number {
    let n = 0;
    for (const c of this.clients.values()) if (c.isLeaf) n++;
    return n;
  }

  get subscriptions(): number {
    let n = 0;
    for (const s of this.spaces.values()) n += s.sublist.size;
    return n;
  }


  /** This shard's number. */
  get index(): number {
    return this.server.index;
  }

  openClients(): IterableIterator<Client> {
    return this.clients.values();
  }

  accountSpaces(): IterableIterator<AccountSpace<LocalSub>> {
    return this.spaces.values();
  }

  /** A connection id no connection of any shard had. */
  private newCid(): number {
    // Interleaved over the shards, so client ids are unique across the cluster.
    return (this.cids.take() - 1) * this.settings.shards + this.server.index + 1;
  }

  /**
   * A connection of the server's own in `account` (JetStream's, as nats-server's
   * internal clients): authenticated as the account itself, without permissions,
   * and no client, so neither counted, listed, limited nor kept alive. Its transport
   * keeps its attachment, so that restore() rebuilds it with its subscriptions.
   */
  openInternal(t: Transport, account: string): Client {
    const cid = this.newCid();
    const start = Date.now();
    const identity = { account, user: "$JS", permissions: null, expiresAt: null };
    const client = new Client(this, t, cid, "", start, { cid, opts: { ...INTERNAL_OPTS }, ip: "", start, identity });
    client.isInternal = true;
    this.internals.set(t, client);
    this.saveAttachment(client);
    return client;
  }

  /**
   * Whether anything subscribes to `subject` of `account`, here or on another shard;
   * a promise while the owner of its key is asked.
   */
  interestIn(account: string, subject: string): boolean | Promise<boolean> {
    const space = this.space(account);
    const local = space.sublist.match(subject);
    if (local.plain.length > 0 || local.groups.length > 0) return true;
    const routes = this.delivery.routes;
    if (routes === null) return false;
    const remote = routes.interest(space, subject);
    if (remote instanceof Promise) return remote.then((r) => r !== undefined && (r.hosts.length > 0 || r.groups.length > 0));
    return remote.hosts.length > 0 || remote.groups.length > 0;
  }

  /** What INFO says of the server to a connection that came in through `via`. */
  address(via: { host: string; port: number }): { id: string; name: string; host: string; port: number } {
    return { id: this.server.id, name: this.server.name, host: via.host, port: via.port };
  }

  /** A new connection, a leafnode's when `leaf`: greet it with INFO and remember it. */
  open(ws: Transport, via: Upgrade, leaf = false): Client {
    const cid = this.newCid();
    const client = leaf && this.leafnodes !== null ? this.leafnodes.make(this, ws, cid, via) : this.newClient(ws, cid, via);
    this.clients.set(ws, client);
    this.totals.totalConnections++;
    this.saveAttachment(client);
    this.markDirty(client);
    this.log.debug("Client connection created", { cid, ip: via.ip || undefined, connections: this.clients.size });
    if (this.clients.size > this.maxConnections) {
      // Closed once the upgrade is answered: a socket closed before its 101 shows the
      // client a failed handshake, not nats-server's -ERR.
      setTimeout(() => {
        client.close(CLOSE.maxConnections, ERR.maxConnections);
        this.flush();
      }, 0);
      return client;
    }
    // Until CONNECT, nats-server's authorization timeout runs; after it, the keepalive.
    // Both need the object to wake on its own: the alarm only ever moves earlier, so
    // this is a storage write only for the first of a burst of connections.
    if (this.keepaliveAt === 0) this.scheduleKeepalive(client.start + this.settings.pingIntervalMs);
    this.alarm.wakeBy(client.identity === null ? client.start + this.settings.config.authTimeoutMs : this.keepaliveAt);
    return client;
  }

  /**
   * A connection the server opened itself (a leafnode link it dialed): the peer
   * speaks first, and the connection is kept alive and closed as any other.
   */
  adopt(t: Transport, make: (cid: number) => Client): Client {
    const client = make(this.newCid());
    this.clients.set(t, client);
    this.totals.totalConnections++;
    if (this.keepaliveAt === 0) this.scheduleKeepalive(client.start + this.settings.pingIntervalMs);
    this.alarm.wakeBy(this.keepaliveAt);
    return client;
  }

  private newClient(ws: Transport, cid: number, via: Upgrade): Client {
    const client = new Client(this, ws, cid, via.ip, Date.now());
    if (this.auth.required) {
      client.setCookies(via.cookies);
      if (this.auth.needsNonce) client.nonce = newNonce();
    }
    client.outbox.info(
      infoJson(this.address(via), {
        clientId: cid,
        maxPayload: this.settings.maxPayload,
        authRequired: this.auth.required,
        nonce: client.nonce,
        clientIp: via.ip,
      }),
    );
    return client;
  }

  /** The subscriptions of this host's connections (the server's own included) in `account`. */
  *subscriptionsOf(account: string): IterableIterator<LocalSub> {
    for (const c of [...this.clients.values(), ...this.internals.values()]) {
      if (c.space.name === account && !c.isClosed) yield* c.subs.values();
    }
  }

  /** Would one more connection exceed this shard's share of max_connections? */
  isFull(): boolean {
    return this.clients.size >= this.maxConnections;
  }

  authenticated(client: Client): void {
    this.log.debug("Client authenticated", clientFields(client));
    const expires = client.identity?.expiresAt;
    if (expires != null) this.alarm.wakeBy(expires);
  }

  /**
   * Runs what is due at `now`: closes connections that did not authenticate in
   * time or whose credentials expired, and sends keepalive PINGs (one round for
   * all connections of the object, so an idle object wakes once per interval,
   * not once per connection). Returns when to run next; null when nothing is left.
   */
  tick(now: number): number | null {
    let next: number | null = null;
    const soon = (at: number) => {
      if (next === null || at < next) next = at;
    };
    // Alarms may run a little early or late: a round due within the next moment runs now.
    const round = this.keepaliveAt !== 0 && now >= this.keepaliveAt - 100;
    const authTimeout = this.settings.config.authTimeoutMs;
    for (const client of [...this.clients.values()]) {
      if (client.isClosed) continue;
      try {
        const id = client.identity;
        if (id === null) {
          // A leafnode has leafnodes.authorization.timeout, when set (nats-server's LeafNode.AuthTimeout).
          const limit = client.isLeaf ? (this.settings.config.leafnodes.authTimeoutMs ?? authTimeout) : authTimeout;
          if (now - client.start >= limit) client.close(CLOSE.authTimeout, ERR.authenticationTimeout);
          else soon(client.start + limit);
          continue;
        }
        if (id.expiresAt !== null) {
          if (now >= id.expiresAt) {
            client.close(CLOSE.authExpired, id.accountExpires ? ERR.accountAuthenticationExpired : ERR.authenticationExpired);
            continue;
          }
          soon(id.expiresAt);
        }
        if (round) client.keepAlive(this.settings.pingMax);
      } catch (e) {
        this.fail(client, e, "alarm");
      }
    }
    if (round) this.scheduleKeepalive(this.clients.size > 0 ? now + this.settings.pingIntervalMs : 0);
    if (this.keepaliveAt !== 0) soon(this.keepaliveAt);
    this.flush();
    return next;
  }

  /**
   * Rebuilds the connections after workerd hibernated or restarted the object
   * (see restore.ts).
   */
  restore(sockets: Transport[], internal: Transport[] = []): void {
    const own = new Set(internal);
    const leaves = this.leafnodes;
    const make = leaves === null ? null : (ws: Transport, a: Attachment) => leaves.restore(this, ws, a);
    const live = new Set<number>();
    const subscribed = this.storage.subs.cids();
    const all = new Set<number>();
    for (const client of rebuildConnections(this, this.storage, [...sockets, ...internal], make)) {
      client.isInternal = own.has(client.ws);
      (client.isInternal ? this.internals : this.clients).set(client.ws, client);
      if (client.isLeaf) live.add(client.cid);
      all.add(client.cid);
    }
    const leafGone = leaves?.restored(live) ?? false;
    this.interestLost = leafGone || subscribed.some((cid) => !all.has(cid));
  }

  client(ws: Transport): Client | undefined {
    return this.clients.get(ws) ?? this.internals.get(ws);
  }

  /**
   * Feeds one inbound WebSocket message to its connection, then writes what it caused.
   * Should handling it throw, that connection alone is closed (fail).
   */
  receive(ws: Transport, data: Uint8Array): void {
    const client = this.clients.get(ws);
    if (client === undefined) return;
    client.lastActivity = Date.now();
    // A producer stalled behind a slow subscriber (stalls.ts): its frame waits its turn.
    if (this.stalls.queued(client, data)) return;
    try {
      this.handle(client, data);
      this.stalls.resume();
    } finally {
      if (data.length < STREAMING_FRAME) this.flush();
      else this.flushSoon();
    }
  }

  /** Feeds a frame to its connection; should that throw, the connection alone is closed. */
  private handle(client: Client, data: Uint8Array): void {
    this.receiving = client;
    try {
      client.feed(data);
    } catch (e) {
      this.fail(client, e, "webSocketMessage");
    } finally {
      this.receiving = null;
    }
  }

  get stallAt(): number {
    return this.stalls.stallAt;
  }

  /** A write left `subscriber` far behind (Stalls.stallAt): the connection whose frame caused it is stalled. */
  behind(subscriber: Client): void {
    if (this.receiving !== null) this.stalls.behind(this.receiving, subscriber);
  }

  /** `client` answered a PING: whoever was stalled behind it may go on. */
  caughtUp(client: Client): void {
    this.stalls.caughtUp(client);
  }

  /**
   * Writes what this turn produced once the runtime has had the chance to hand the
   * object the next frames already waiting: a client streaming large frames fans
   * out into small ones per subscriber (a queue member gets a quarter of each),
   * and those coalesce into fewer, larger frames, as nats-server's writer
   * coalesces what accumulated while it wrote. Any flush before then writes them.
   */
  private flushSoon(): void {
    if (this.flushPending) return;
    this.flushPending = true;
    setTimeout(() => {
      this.flushPending = false;
      this.flush();
    }, 0);
  }

  /**
   * Something thrown while serving `client`, which the server cannot tell from a bug: it
   * is logged, and that connection alone is closed (1011, without an -ERR, so its client
   * reconnects), dropping what it had not been sent, which may end inside an op. So
   * nats-server drops a client it can no longer serve (a write error, say); the others go on.
   */
  fail(client: Client, e: unknown, where: string): void {
    this.log.exception(`unexpected exception in ${where}`, e, clientFields(client));
    if (client.isClosed) return;
    client.outbox.take();
    try {
      client.close(CLOSE.internalError, null);
    } catch (again) {
      // Not even closing works: forget it all the same, so it cannot fail the others again.
      this.log.exception("closing after an exception failed", again, clientFields(client));
      client.isClosed = true;
      this.closed(client);
      try {
        client.ws.close(CLOSE.internalError.code, CLOSE.internalError.reason);
      } catch {
        // Already closed.
      }
    }
  }

  /** The peer closed or the socket failed: forget the connection. */
  gone(ws: Transport): void {
    const client = this.clients.get(ws);
    if (client === undefined) return;
    client.isClosed = true;
    this.closed(client);
    this.flush();
  }

  publish(from: Client, msg: Message): void {
    this.delivery.publish(from, msg);
  }

  /** A message another shard routed here (see Delivery.deliverRouted); returns the deliveries made. */
  deliverRouted(m: RoutedMessage): number {
    return this.delivery.deliverRouted(m);
  }

  /** Another shard answered for records that asked for a receipt (see Delivery.answered). */
  answered(ids: readonly number[], undelivered: readonly number[]): void {
    this.delivery.answered(ids, undelivered);
  }

  subscribe(sub: LocalSub): void {
    if (this.log.debugging) this.log.debug("Subscription created", { ...clientFields(sub.client), subject: sub.subject, queue: sub.queue ?? undefined, sid: sub.sid });
    sub.client.space.sublist.insert(sub);
    // A leafnode's interest is kept by its connection (leaf/leaf-store.ts), with its weights.
    if (!sub.client.isLeaf) this.storage.subs.add({ cid: sub.client.cid, sid: sub.sid, subject: sub.subject, queue: sub.queue, max: sub.max, delivered: sub.delivered });
    this.cluster?.subscriptionChanged(sub, 1, sub.client);
    this.leafnodes?.changed(sub, 1);
  }

  unsubscribe(sub: LocalSub): void {
    if (this.log.debugging) this.log.debug("Subscription removed", { ...clientFields(sub.client), subject: sub.subject, sid: sub.sid, delivered: sub.delivered });
    sub.client.space.sublist.remove(sub);
    if (!sub.client.isLeaf) this.storage.subs.remove(sub.client.cid, sub.sid);
    this.cluster?.subscriptionChanged(sub, -1, sub.client);
    this.leafnodes?.changed(sub, -1);
  }

  limitSub(sub: LocalSub): void {
    this.storage.subs.update(sub.client.cid, sub.sid, sub.max, sub.delivered);
  }

  saveAttachment(client: Client): void {
    this.storage.attachments.save(client.ws, client.attachment());
  }

  savePartial(client: Client, seq: number, bytes: Uint8Array): void {
    this.storage.partials.append(client.cid, seq, bytes);
  }

  clearPartial(client: Client): void {
    this.storage.partials.clear(client.cid);
  }

  markDirty(client: Client): void {
    if (client.dirty) return;
    client.dirty = true;
    this.dirty.push(client);
  }

  /** A connection ended: its subscriptions stop matching at once. */
  closed(client: Client): void {
    this.stalls.closed(client);
    const known = this.clients.get(client.ws) === client;
    if (known) this.clients.delete(client.ws);
    logClosed(this.log, client, { connections: this.clients.size, maxPending: this.maxPending });
    if (!known) return;
    this.closedLog.add(client, Date.now());
    for (const sub of client.subs.values()) {
      client.space.sublist.remove(sub);
      this.cluster?.subscriptionChanged(sub, -1, null);
      this.leafnodes?.changed(sub, -1);
    }
    client.subs.clear();
    forgetConnection(this.storage, client.cid);
    if (client.isLeaf) this.leafnodes?.closed(client);
  }

  /** Writes everything this turn produced: at most one frame per connection. */
  flush(): void {
    const dirty = this.dirty;
    if (dirty.length > 0) {
      const now = Date.now();
      for (let i = 0; i < dirty.length; i++) {
        const c = dirty[i];
        c.lastActivity = now;
        // One connection whose send throws (a session's reader, say) must not keep the others' frames back.
        try {
          c.flush();
        } catch (e) {
          this.fail(c, e, "flush");
        }
      }
      dirty.length = 0;
    }
    this.cluster?.flushRoutes();
    this.totals.changed();
  }
}

// Connections share one authenticator per configuration (it holds decoded keys and JWTs).
let authenticator: { config: BrokerConfig; anonymous: boolean; auth: Authenticator } | null = null;

function authenticatorFor(config: BrokerConfig, anonymous: boolean): Authenticator {
  if (authenticator?.config !== config || authenticator.anonymous !== anonymous) {
    authenticator = { config, anonymous, auth: new Authenticator(config, anonymous) };
  }
  return authenticator.auth;
}
