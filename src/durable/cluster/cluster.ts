// The host's side of the cluster of shards: telling owners what this host's
// clients are interested in, learning (and caching) what other hosts are
// interested in, and carrying messages host to host in one hop.
//
// Where a message goes is delivery's choice (host/delivery.ts): it asks here
// for the remote interest in a subject, which is known at once when its key is
// cached and otherwise after one watch of the key's owner, and hands back one
// record per destination host, carrying the queue groups that host must pick a
// member of. Everything for one host in one turn is one frame on the link to it
// (link.ts).

import { decode } from "../../protocol/bytes.js";
import type { Message } from "../../protocol/message.js";
import { ROUTE_RECEIPT, RouteReader, type QueueNames, type RoutedMessage } from "../../protocol/route.js";
import { clusterSubject, ownerOf, publishKey } from "../../protocol/shardkey.js";
import type { AccountSpace } from "../host/account.js";
import type { AccountWatch } from "./account-watch.js";
import type { Client, LocalSub } from "../host/client.js";
import type { RemoteInterest } from "../host/remote-interest.js";
import type { ClusterLink } from "../host/host-roles.js";
import type { Meta } from "../meta.js";
import type { InterestPush } from "./interest-messages.js";
import { InterestCache, type KeyInterest } from "./interest.js";
import { LastSubject } from "./last-subject.js";
import { Links } from "./link.js";
import type { Peers } from "./peers.js";
import { Registrar } from "./registrar.js";
import { retry } from "./retry.js";
import type { ClusterSettings } from "./settings.js";

/**
 * Calls made for a watch before the messages waiting for it go to local members
 * only. Unlike a channel's batches, a watch is tried again after any failure.
 */
const WATCH_ATTEMPTS = 5;

/** Reply subjects remembered with the host their request came from: the newest 10,000 to 20,000. */
const REPLY_HINTS = 10_000;

/** What the cluster needs from the host it serves. */
export interface LocalDelivery {
  /** Delivers a message routed here: local plain subscribers of its account and one member of each named group. */
  deliverRouted(m: RoutedMessage): number;
  /** A host answered for the records of receipts `ids`; `undelivered` are those nobody there took. */
  answered(ids: readonly number[], undelivered: readonly number[]): void;
  flush(): void;
}

export class Cluster implements ClusterLink {
  private readonly cache: InterestCache;
  private readonly last: LastSubject;
  private readonly watches = new Map<string, Promise<KeyInterest | undefined>>();
  private readonly links: Links;
  private readonly registrar: Registrar;
  private readonly reader = new RouteReader();
  /**
   * Reply subjects of requests delivered here, and the host each came from, in
   * two generations (the older is dropped whole when the newer is full). A
   * reply is always sent to that host too: the requester's subscription to its
   * inbox may not have reached the inbox's owner yet (clients send SUB and PUB
   * back to back), but its host had it before it sent the request on. This keeps
   * request/reply as dependable as in a nats-server cluster, whose routes carry
   * the interest ahead of the message.
   */
  private replyHints = new Map<string, number>();
  private olderHints = new Map<string, number>();

  // Figures for monitoring and the benchmark's cost report.
  routedMessages = 0;
  watchCalls = 0;
  droppedMessages = 0;

  constructor(
    private readonly s: ClusterSettings,
    private readonly peers: Peers,
    private readonly local: LocalDelivery,
    meta: Meta,
  ) {
    this.registrar = new Registrar(s, peers, meta, () => local.flush());
    this.links = new Links({
      self: s.self,
      open: (peer) => peers.link(peer),
      received: (peer, records) => this.received(peer, records),
      answered: (receipts, undelivered) => local.answered(receipts, undelivered),
      dropped: (peer, records, receipts, e) => {
        peers.gaveUp("link", peer, e, `${records} messages dropped`);
        this.droppedMessages += records;
        local.answered(receipts, receipts);
      },
      arrivesNow: (peer, handle) => peers.arrivesNow(peer, handle),
    });
    this.last = new LastSubject(s.keyDepth);
    this.cache = new InterestCache(s.shards, s.cacheKeys, (owner, keys) => {
      // Unwatching only saves the owner's pushes: if it fails, they keep coming and are ignored.
      this.peers.unwatch(owner, keys).catch(() => undefined);
    });
  }

  // ---- interest of this host's clients: the registrar's ------------------------------------------

  subscriptionChanged(sub: LocalSub, delta: 1 | -1, client: Client | null): void {
    this.registrar.subscriptionChanged(sub, delta, client);
  }

  restored(sub: LocalSub): void {
    this.registrar.restored(sub);
  }

  /** After a restart; `lost`: connections with interest went while the object was away. */
  recover(lost = false): void {
    this.registrar.recover(lost);
  }

  // ---- pushes from owners ---------------------------------------------------------------------

  /** Set when this shard's leafnodes follow whole accounts (account-watch.ts). */
  accounts: AccountWatch | null = null;

  interestPushed(pushes: readonly InterestPush[]): void {
    for (const p of pushes) this.cache.apply(p);
    this.accounts?.pushed(pushes);
  }

  // ---- remote interest, for delivery --------------------------------------------------------------

  interest(space: AccountSpace<LocalSub>, subject: string): RemoteInterest | Promise<RemoteInterest | undefined> {
    const last = this.last.of(space, subject);
    const ki = this.cache.get(last.key);
    if (ki !== undefined) return ki.remote(last.qualified, this.s);
    const qualified = last.qualified;
    return this.watch(last.key).then((k) => k?.remote(qualified, this.s));
  }

  requester(space: AccountSpace<LocalSub>, subject: string): number {
    if (this.replyHints.size === 0 && this.olderHints.size === 0) return -1;
    const qualified = this.last.of(space, subject).qualified;
    const host = this.replyHints.get(qualified) ?? this.olderHints.get(qualified);
    return host === undefined || host === this.s.self ? -1 : host;
  }

  private watch(key: string): Promise<KeyInterest | undefined> {
    let p = this.watches.get(key);
    if (p !== undefined) return p;
    const owner = ownerOf(key, this.s.shards);
    this.cache.watching(key);
    this.watchCalls++;
    p = retry(() => this.peers.watch(owner, key), { attempts: WATCH_ATTEMPTS })
      .then((snap) => this.cache.install(key, snap))
      .catch((e: unknown) => {
        this.peers.gaveUp("watchKey", owner, e, "messages waiting for the key go to local queue members only");
        this.cache.abandon(key);
        return undefined;
      })
      .finally(() => this.watches.delete(key));
    this.watches.set(key, p);
    return p;
  }

  // ---- messages to other hosts ------------------------------------------------------------------

  route(host: number, space: AccountSpace<LocalSub>, msg: Message, queues: QueueNames, receipt: number): void {
    const out = this.links.batch(host);
    out.route.add(receipt, space.nameBytes, msg, queues, receipt !== 0);
    if (receipt !== 0) out.receipts.push(receipt);
    this.routedMessages++;
  }

  dropped(): void {
    this.droppedMessages++;
  }

  /** Sends what this turn routed and registered: one frame per destination host. */
  flushRoutes(): void {
    this.links.flush();
    this.registrar.flush();
  }

  // ---- links from other shards (shard.ts hands them over) ------------------------------------------

  /** A link socket another shard opened to this one; also each one kept through hibernation. */
  linkAccepted(ws: WebSocket, from: number): void {
    this.links.accepted(ws, from);
  }

  /** A frame arrived on a link socket this shard accepted. */
  linkFrame(ws: WebSocket, frame: Uint8Array): void {
    this.links.frame(ws, frame);
  }

  linkClosed(ws: WebSocket): void {
    this.links.closed(ws);
  }

  /** Closes the links this shard opened, as when they are idle (they open again when needed). */
  closeLinks(): void {
    this.links.closeOpened();
  }

  // ---- messages from other hosts ----------------------------------------------------------------

  /** Delivers a batch routed here from `from`; returns the receipt ids of records nobody here took. */
  received(from: number, batch: Uint8Array): number[] {
    const undelivered: number[] = [];
    const reader = this.reader.read(batch);
    while (reader.next()) {
      const m = reader.record;
      if (this.local.deliverRouted(m) > 0) {
        if (m.reply !== null && from !== this.s.self) this.hint(clusterSubject(m.account, decode(m.reply)), from);
        continue;
      }
      if (m.flags & ROUTE_RECEIPT) undelivered.push(m.id);
      this.registrar.stale(publishKey(clusterSubject(m.account, decode(m.subject)), this.s.keyDepth));
    }
    this.local.flush();
    return undelivered;
  }

  /** `reply` is qualified with its account, as requester() looks it up. */
  private hint(reply: string, host: number): void {
    this.replyHints.set(reply, host);
    if (this.replyHints.size >= REPLY_HINTS) {
      this.olderHints = this.replyHints;
      this.replyHints = new Map();
    }
  }

  stats() {
    return {
      cachedKeys: this.cache.size,
      routedMessages: this.routedMessages,
      // Frames on links: each was a call before links.
      routeCalls: this.links.frames,
      watchCalls: this.watchCalls,
      registerCalls: this.registrar.registerCalls,
      droppedMessages: this.droppedMessages,
    };
  }
}
