// The Shard Durable Object: thin glue between workerd (the WebSocket Hibernation
// API, RPC between objects, storage, the alarm) and the roles a shard plays, each
// in its folder: host of its clients' connections (host/), member of the cluster
// of shards and owner of part of the subject space (cluster/), home of the
// connections that have no socket (bridge/), and its part of monitoring
// (monitor/). The roles know nothing of one another beyond what is wired here.
//
// Every handler workerd calls is guarded: an exception is logged with what it was
// serving, and goes no further than that. A connection whose message could not be
// handled is closed (Host.receive); an RPC method rethrows, because its caller's
// retry (or error answer) depends on seeing the failure; workerd retries a failed
// alarm. One failure never takes the object's other connections with it.

import { DurableObject } from "cloudflare:workers";
import type { WebSocketConfig } from "../protocol/config-websocket.js";
import { CLOSE } from "../protocol/errors.js";
import { Bridge, statusOf, type BridgeResult, type PublishCall, type Reply, type RequestCall, type SubscribeCall } from "./bridge/bridge.js";
import { WebhookStore } from "./bridge/webhook-store.js";
import { Webhooks, webhookCid, webhookId, type WebhookCall } from "./bridge/webhooks.js";
import { Cluster } from "./cluster/cluster.js";
import { Directory } from "./cluster/directory.js";
import { DirectoryStore } from "./cluster/directory-store.js";
import type { InterestChange, InterestPush, InterestSnapshot } from "./cluster/interest-messages.js";
import { LINK_PATH, LINK_TAG } from "./cluster/link.js";
import { Peers, type ShardPeer } from "./cluster/peers.js";
import { InterestPushes } from "./cluster/pushes.js";
import { clusterSettings } from "./cluster/settings.js";
import { cookieCredentials } from "./cookies.js";
import { Host } from "./host/host.js";
import type { Upgrade } from "./host/host-roles.js";
import type { HomeAnswer, HomeCall } from "./jetstream/account-api.js";
import { JetStream } from "./jetstream/jetstream.js";
import type { JetStreamReport } from "./jetstream/report.js";
import { Log } from "./log.js";
import { Meta } from "./meta.js";
import { ClosedConnections } from "./monitor/closed.js";
import { monitor } from "./monitor/monitor.js";
import type { MonitorQuery, MonitorReport } from "./monitor/report.js";
import { AccountWatch } from "./cluster/account-watch.js";
import { LEAFNODE_PATH, Leafnodes } from "./leaf/leafnodes.js";
import { Remotes, type RemoteStatus } from "./leaf/remotes.js";
import { serverId, shardIndex } from "./names.js";
import { shardStub } from "./placement.js";
import { Wan } from "./cluster/wan.js";
import { createSchema } from "./schema.js";
import { readSettings, type Settings, type SettingsEnv } from "./settings.js";

export interface ShardEnv extends SettingsEnv {
  SHARD: DurableObjectNamespace<Shard>;
  /** "1" enables the test-only RPC that resets an object. */
  TEST_HOOKS?: string;
}

export interface ShardHealth {
  shard: number;
  connections: number;
  subscriptions: number;
  cluster: ReturnType<Cluster["stats"]> | null;
  directory: ReturnType<Directory["stats"]> | null;
}

export class Shard extends DurableObject<ShardEnv> implements ShardPeer {
  /** Sockets that have sent this object a frame (see releaseUnheard). */
  private readonly heard = new WeakSet<WebSocket>();

  private readonly host: Host;
  private readonly leafnodes: Leafnodes;
  /** The hubs this shard dials as a leaf (leafnodes.remotes). */
  private readonly remotes: Remotes;
  private readonly jetstream: JetStream;
  private readonly bridge: Bridge;
  private readonly webhooks: Webhooks;
  private readonly self: number;
  private readonly settings: Settings;
  private readonly directory: Directory | null = null;
  private readonly cluster: Cluster | null = null;
  private readonly meta: Meta;
  /** For /connz?state=closed. */
  private readonly closed: ClosedConnections;
  /** When the object's alarm is set for (ms since the epoch); 0 when none is. */
  private alarmAt: number;
  private readonly log: Log;
  /** Sockets other shards opened to exchange messages with this one (cluster/link.ts); all others are clients. */
  private readonly links: WeakSet<WebSocket>;

  constructor(ctx: DurableObjectState, env: ShardEnv) {
    super(ctx, env);
    this.settings = readSettings(env);
    this.self = shardIndex(ctx.id.name) ?? 0;
    this.log = new Log(this.settings.logLevel, { shard: this.self });
    const sql = ctx.storage.sql;
    createSchema(sql);
    const meta = new Meta(sql);
    this.meta = meta;
    this.alarmAt = meta.get("alarm");
    this.closed = new ClosedConnections(this.settings.shards);
    this.host = new Host(
      this.settings,
      sql,
      meta,
      {
        id: serverId(env.SHARD),
        // server_name tells the shards apart.
        name: ctx.id.name ?? ctx.id.toString(),
        index: this.self,
      },
      { wakeBy: (at) => this.wakeBy(at) },
      this.closed,
      this.log,
    );
    this.leafnodes = new Leafnodes(this.settings, sql, serverId(env.SHARD), this.host);
    this.host.leafnodes = this.leafnodes;
    this.bridge = new Bridge(this.host, { host: "", port: 0 });
    this.webhooks = new Webhooks(this.host, new WebhookStore(sql), { host: "", port: 0 });
    // The constructor runs again after hibernation: sockets outlived the old instance,
    // and webhook subscriptions are rebuilt the same way.
    const hooks = this.webhooks.stored();
    const links = ctx.getWebSockets(LINK_TAG);
    this.links = new WeakSet(links);
    const stub = (shard: number) => shardStub(env.SHARD, this.settings, shard);
    const wan = new Wan(this.settings, this.self);
    this.jetstream = new JetStream(
      this.host,
      sql,
      {
        config: this.settings.config.jetstream,
        self: this.self,
        shards: this.settings.shards,
        serverName: ctx.id.name ?? ctx.id.toString(),
        maxPayload: this.settings.maxPayload,
      },
      (shard, call) => wan.call(shard, () => stub(shard).jetstreamHome(call) as Promise<HomeAnswer>),
      { wakeBy: (at) => this.wakeBy(at) },
      this.log,
    );
    this.host.restore([...ctx.getWebSockets().filter((ws) => !this.links.has(ws)), ...hooks], this.jetstream.stored());
    this.webhooks.resume();
    this.jetstream.resumed();
    this.host.serve(this.jetstream);
    // Also after hibernation: what came back is in the counts.
    this.log.debug("Shard started", { connections: this.host.connections, webhooks: hooks.length });
    if (this.settings.shards > 1) {
      const cluster = clusterSettings(this.settings, this.self);
      const peers = new Peers(this.self, this, stub, this.log, wan);
      this.directory = new Directory(this.self, cluster.keyDepth, new DirectoryStore(sql), new InterestPushes(peers));
      this.cluster = new Cluster(cluster, peers, this.host, meta);
      this.host.attach(this.cluster);
      const accounts = new AccountWatch(this.settings.shards, peers, this.leafnodes);
      this.cluster.accounts = accounts;
      this.leafnodes.followRemote(accounts);
      for (const ws of links) this.cluster.linkAccepted(ws, (ws.deserializeAttachment() as LinkAttachment).from);
      this.cluster.recover(this.host.interestLost);
    }
    this.remotes = new Remotes(
      this.settings.config.leafnodes.remotes,
      this.self,
      this.settings.shards,
      { serverId: serverId(env.SHARD), name: ctx.id.name ?? ctx.id.toString() },
      this.host,
      this.leafnodes,
      this.log,
    );
    const check = this.remotes.ensure();
    if (check !== null) this.wakeBy(check);
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const url = new URL(request.url);
    if (url.pathname === LINK_PATH) return this.acceptLink(Number(url.searchParams.get("from")));
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    try {
      // A connection over max_connections lives only until its -ERR is out, and is accepted
      // without hibernation: workerd does not end the TCP connection of a hibernatable socket
      // that the server closes before its client sent a frame (docs/protocol.md, "Closes").
      if (this.host.isFull()) server.accept();
      else this.ctx.acceptWebSocket(server);
      this.host.open(server, viaOf(request, this.settings.config.websocket), url.pathname === LEAFNODE_PATH);
      this.host.flush();
    } catch (e) {
      this.log.exception("unexpected exception in fetch", e);
      this.abandon(server);
      return new Response("nats-edge: internal error\n", { status: 500 });
    }
    const extensions = this.settings.config.websocket.compression ? DEFLATE : NO_EXTENSION;
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Extensions": extensions } });
  }

  /** Another shard opens a link, on which messages go both ways (cluster/link.ts). */
  private acceptLink(from: number): Response {
    if (this.cluster === null) return new Response("not a cluster", { status: 404 });
    if (!Number.isInteger(from) || from < 0 || from >= this.settings.shards || from === this.self) {
      return new Response("bad link", { status: 400 });
    }
    const pair = new WebSocketPair();
    const ws = pair[1];
    this.ctx.acceptWebSocket(ws, [LINK_TAG]);
    const attachment: LinkAttachment = { from };
    ws.serializeAttachment(attachment);
    this.links.add(ws);
    this.cluster.linkAccepted(ws, from);
    // Not compressed: its frames are mostly payloads that the clients' own connections decide on.
    return new Response(null, { status: 101, webSocket: pair[0], headers: { "Sec-WebSocket-Extensions": NO_EXTENSION } });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (this.links.has(ws)) {
      try {
        if (typeof message !== "string") this.cluster?.linkFrame(ws, new Uint8Array(message));
      } catch (e) {
        // The frame was acknowledged all the same (Links.frame): sent again, what was
        // delivered before the failure would be delivered twice.
        this.log.exception("unexpected exception in a link frame", e);
        this.flushAfterFailure();
      }
      return;
    }
    this.heard.add(ws);
    try {
      // nats-server accepts text and binary frames alike; both carry protocol bytes.
      const bytes = typeof message === "string" ? new TextEncoder().encode(message) : new Uint8Array(message);
      // A failure inside closes that connection alone (Host.fail); this is the last resort.
      this.host.receive(ws, bytes);
    } catch (e) {
      this.log.exception("unexpected exception in webSocketMessage", e, { cid: this.host.client(ws)?.cid });
      this.abandon(ws);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      if (this.links.delete(ws)) this.cluster?.linkClosed(ws);
      else {
        if (!this.heard.has(ws)) releaseUnheard();
        this.host.gone(ws);
      }
    } catch (e) {
      this.log.exception("unexpected exception in webSocketClose", e);
    } finally {
      try {
        // Reciprocate the close handshake; 1005/1006 are reserved and may not be sent.
        ws.close(code === 1005 || code === 1006 ? 1000 : code, "");
      } catch {
        // Already closed.
      }
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    try {
      if (this.links.delete(ws)) this.cluster?.linkClosed(ws);
      else this.host.gone(ws);
    } catch (e) {
      this.log.exception("unexpected exception in webSocketError", e);
    }
  }

  /** Closes a socket that failed in a way the host could not handle, and forgets it. */
  private abandon(ws: WebSocket): void {
    try {
      ws.close(CLOSE.internalError.code, CLOSE.internalError.reason);
    } catch {
      // Already closed.
    }
    try {
      this.host.gone(ws);
    } catch (e) {
      this.log.exception("unexpected exception forgetting a connection", e);
    }
  }

  /**
   * The object's one alarm serves every connection's timers: authorization
   * timeouts, keepalives and expiring credentials. It is moved only earlier, so a
   * busy object rarely writes it (setting it is a storage write).
   */
  private wakeBy(at: number): void {
    // An alarm due long ago that never ran (it would have cleared alarmAt) is presumed lost.
    if (this.alarmAt !== 0 && this.alarmAt <= at && this.alarmAt > Date.now() - 60_000) return;
    this.alarmAt = at;
    this.meta.set("alarm", at);
    void this.ctx.storage.setAlarm(at);
  }

  override async alarm(): Promise<void> {
    try {
      this.alarmAt = 0;
      this.meta.set("alarm", 0);
      // A connection that fails here is closed alone (Host.tick); what else fails is retried by workerd.
      const now = Date.now();
      const next = earliest(earliest(this.host.tick(now), this.jetstream.tick(now)), this.remotes.ensure(now));
      if (next !== null) this.wakeBy(next);
    } catch (e) {
      this.unexpected("alarm", e);
    }
  }

  /** Logs what an RPC method or the alarm threw, and throws it on: the caller acts on the failure. */
  private unexpected(where: string, e: unknown): never {
    this.log.exception(`unexpected exception in ${where}`, e);
    throw e;
  }

  /** Runs an RPC method's body, logging what it throws (or rejects with) before its caller sees it. */
  private guarded<T>(where: string, run: () => T): T {
    try {
      const r = run();
      return (r instanceof Promise ? r.catch((e: unknown) => this.unexpected(where, e)) : r) as T;
    } catch (e) {
      return this.unexpected(where, e);
    }
  }

  /** For the Worker's /healthz: the object is up and answers. */
  health(): ShardHealth {
    return this.guarded("health", () => ({
      shard: this.self,
      connections: this.host.connections,
      subscriptions: this.host.subscriptions,
      cluster: this.cluster?.stats() ?? null,
      directory: this.directory?.stats() ?? null,
    }));
  }

  /** For the Worker's /jsz: the streams this shard is home to. */
  jetstreamReport(): JetStreamReport {
    return this.guarded("jetstreamReport", () => this.jetstream.report());
  }

  /** For the Worker's monitoring endpoints (/varz, /connz, /subsz, /accountz): this shard's part. */
  monitor(query: MonitorQuery): MonitorReport {
    return this.guarded("monitor", () => monitor(this.host, this.closed, query, this.remotes));
  }

  /** The leafnode links this shard holds, started if they are down (the Worker asks as it serves requests). */
  leafRemotes(): RemoteStatus[] {
    return this.guarded("leafRemotes", () => {
      this.remotes.ensure();
      return this.remotes.status();
    });
  }

  // ---- RPC: the HTTP bridge and service bindings ----------------------------------------------

  bridgePublish(call: PublishCall): Promise<BridgeResult<null>> {
    return this.guarded("bridgePublish", () => this.bridge.publish(call));
  }

  bridgeRequest(call: RequestCall): Promise<BridgeResult<Reply>> {
    return this.guarded("bridgeRequest", () => this.bridge.request(call));
  }

  bridgeSubscribe(call: SubscribeCall): Promise<BridgeResult<ReadableStream<Uint8Array>>> {
    return this.guarded("bridgeSubscribe", () => this.bridge.subscribe(call));
  }

  webhookSubscribe(call: WebhookCall): Promise<BridgeResult<string>> {
    return this.guarded("webhookSubscribe", async (): Promise<BridgeResult<string>> => {
      const r = await this.webhooks.create(call);
      return r.ok ? { ok: true, value: webhookId(r.cid) } : { ok: false, status: statusOf(r.error), error: r.error };
    });
  }

  /** False when this shard has no webhook subscription by that id. */
  webhookUnsubscribe(id: string): boolean {
    return this.guarded("webhookUnsubscribe", () => {
      const cid = webhookCid(id);
      return cid !== null && this.webhooks.remove(cid);
    });
  }

  // ---- RPC: JetStream (an account's catalog asks the home shard of its streams) ---------------

  jetstreamHome(call: HomeCall): Promise<HomeAnswer> {
    return this.guarded("jetstreamHome", () => this.jetstream.homeCall(call));
  }

  // ---- RPC: the owner role (ShardPeer: other shards call these, and this one itself) -----------

  watchKey(from: number, key: string): InterestSnapshot {
    this.log.debug("Watch", { from, key });
    return this.guarded("watchKey", () => this.owner().watch(from, key));
  }

  unwatchKeys(from: number, keys: string[]): void {
    this.log.debug("Unwatch", { from, keys: keys.length });
    this.guarded("unwatchKeys", () => this.owner().unwatch(from, keys));
  }

  registerInterest(from: number, changes: InterestChange[]): Promise<void> {
    if (this.log.debugging) this.log.debug("Interest registered", { from, changes: changes.length, subjects: summary(changes) });
    return this.guarded("registerInterest", () => this.owner().register(from, changes));
  }

  resyncInterest(from: number, entries: InterestChange[]): Promise<void> {
    this.log.debug("Interest resynced", { from, entries: entries.length });
    return this.guarded("resyncInterest", () => this.owner().resync(from, entries));
  }

  // ---- RPC: the host role (ShardPeer) ----------------------------------------------------------

  interestChanged(pushes: InterestPush[]): void {
    this.guarded("interestChanged", () => this.cluster?.interestPushed(pushes));
  }

  /** After a failure in a link frame: what the records delivered before it wrote goes out. */
  private flushAfterFailure(): void {
    try {
      this.host.flush();
    } catch (again) {
      this.log.exception("unexpected exception in a link frame", again);
    }
  }

  /**
   * Test hook: closes the links this shard opened to others, as they close when idle,
   * so the object may hibernate (an open outgoing socket pins it). Only with TEST_HOOKS=1.
   */
  testIdle(): void {
    if (this.env.TEST_HOOKS !== "1") throw new Error("test hooks are disabled");
    this.cluster?.closeLinks();
  }

  /** Test hook: resets the object as an eviction would (only with TEST_HOOKS=1). */
  testAbort(): void {
    if (this.env.TEST_HOOKS !== "1") throw new Error("test hooks are disabled");
    this.ctx.abort("reset by test");
  }

  /**
   * Test hook: the next message connection `cid` sends makes the object throw while
   * handling it, as a bug would (only with TEST_HOOKS=1). False when no such connection is here.
   */
  testBreak(cid: number): boolean {
    if (this.env.TEST_HOOKS !== "1") throw new Error("test hooks are disabled");
    for (const client of this.host.openClients()) {
      if (client.cid !== cid) continue;
      client.feed = () => {
        throw new Error(`connection ${cid} broken by a test`);
      };
      return true;
    }
    return false;
  }

  private owner(): Directory {
    if (this.directory === null) throw new Error(`shard ${this.self} owns nothing: SHARDS is 1`);
    return this.directory;
  }
}

/**
 * workerd (1.20261102) does not end the TCP connection of a hibernatable WebSocket that the
 * object closed before its client sent a frame (an authorization timeout, say): the client's
 * close reply arrives, but the connection stays open until the object is evicted or the
 * object's end of the socket is garbage collected. Where the runtime exposes `gc` (locally,
 * `npm start` runs workerd with --expose-gc), one collection shortly after such a close, once
 * the handler has let go of the socket, ends those connections; several closes share one.
 * Elsewhere it does nothing. docs/protocol.md, "Closes", has the reproduction.
 */
function releaseUnheard(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined || collecting) return;
  collecting = true;
  setTimeout(() => {
    collecting = false;
    collect();
  }, 20);
}
let collecting = false;

// What the 101 answers to a client's permessage-deflate offer. workerd settles the extension
// where the socket meets the client, from the header of the 101 it is handed; where that is
// absent (or empty, which counts as absent), each Worker on the way (ours, and locally
// Miniflare's entry worker and the assets router) fills in the offer its own request carried,
// so dropping the offer from the request forwarded here would change nothing. A value that
// names no permessage-deflate agrees on nothing and is not passed on: declined, as nats-server
// declines without `websocket { compression: true }`. With it, nats-server's own answer:
// deflate without context takeover either way. A client that offers nothing gets nothing.
const DEFLATE = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
const NO_EXTENSION = "x-nats-edge-no-compression";

/** What a link socket keeps through hibernation: the shard at its other end. */
interface LinkAttachment {
  readonly from: number;
}

/** The first few subjects of a registration, for a debug line. */
function summary(changes: readonly InterestChange[]): string {
  const shown = changes.slice(0, 5).map((c) => `${c.subject}${c.queue === "" ? "" : ` ${c.queue}`} (${c.weight})`);
  return changes.length > 5 ? `${shown.join(", ")}, …` : shown.join(", ");
}

function viaOf(request: Request, ws: WebSocketConfig): Upgrade {
  const url = new URL(request.url);
  return {
    ip: request.headers.get("cf-connecting-ip") ?? "",
    host: url.hostname,
    port: Number(url.port || (url.protocol === "https:" || url.protocol === "wss:" ? 443 : 80)),
    cookies: cookieCredentials(request.headers.get("Cookie"), ws),
  };
}

/** The earlier of two times, either of which may be null (none). */
function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
