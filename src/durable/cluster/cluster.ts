// The host's side of the cluster of shards: telling owners what this host's
// clients are interested in, learning (and caching) what other hosts are
// interested in, and sending messages host to host in one hop.
//
// A message's remote part goes, per publishing connection, in publish order:
// if the subject's key is not cached, the connection's later messages wait
// behind the watch for it, so what one client publishes leaves in order. Each
// destination host gets one record per message, carrying the queue groups this
// host assigned to it; everything for one host in one turn is one call.

import { decode } from "../../protocol/bytes.js";
import { ROUTE_RECEIPT, RouteBatch, readRouteBatch } from "../../protocol/route.js";
import { clusterSubject, ownerOf, publishKey } from "../../protocol/shardkey.js";
import type { AccountSpace } from "../host/account.js";
import type { Client, LocalSub } from "../host/client.js";
import type { ClusterLink } from "../host/host.js";
import type { Meta } from "../meta.js";
import { Channel } from "./channel.js";
import type { InterestPush } from "./interest-messages.js";
import { InterestCache, type KeyInterest, type RemoteSub } from "./interest.js";
import { LastSubject } from "./last-subject.js";
import type { Peers } from "./peers.js";
import { Registrar } from "./registrar.js";
import { retry } from "./retry.js";
import type { ClusterSettings } from "./settings.js";

/**
 * Calls made for a watch before the messages waiting for it go to local members
 * only (drain). Unlike a channel's batches, a watch is tried again after any failure.
 */
const WATCH_ATTEMPTS = 5;

/** Reply subjects remembered with the host their request came from (the newest kept). */
const REPLY_HINTS = 10_000;

const NO_QUEUES: readonly string[] = [];
const NO_MEMBERS: readonly LocalSub[] = [];
const NO_HOSTS: readonly { host: number; weight: number }[] = [];

/** What the cluster needs from the host it serves. */
export interface LocalDelivery {
  /** Local queue groups of an account matching `subject`, members able to take a message from `from`. */
  localGroups(space: AccountSpace<LocalSub>, subject: string, from: Client | null): ReadonlyMap<string, readonly LocalSub[]>;
  /** One member of a group takes the message (random start, skipping those that cannot); false when none could. */
  deliverToOne(group: readonly LocalSub[], from: Client | null, subject: Uint8Array, reply: Uint8Array | null, headerSize: number, message: Uint8Array): boolean;
  /** Delivers a message routed here: local plain subscribers of its account and one member of each named group. */
  deliverRouted(account: string, subject: Uint8Array, reply: Uint8Array | null, headerSize: number, message: Uint8Array, queues: readonly string[]): number;
  noResponders(from: Client, reply: Uint8Array): void;
  flush(): void;
}

/** A message waiting for its key's interest. Owns copies of its bytes. */
interface Waiting {
  readonly subject: string;
  /** `<account>.<subject>`. */
  readonly qualified: string;
  readonly subjectBytes: Uint8Array;
  readonly reply: Uint8Array | null;
  readonly headerSize: number;
  readonly message: Uint8Array;
  readonly delivered: number;
  /**
   * The local queue members as they were when it was published: a member that
   * unsubscribes right after (in the same frame, say) still had its chance, as
   * in nats-server, which makes the choice at once.
   */
  readonly local: ReadonlyMap<string, readonly LocalSub[]>;
}

interface RouteOut {
  readonly route: RouteBatch;
  readonly receipts: number[];
}

interface Receipt {
  readonly client: Client;
  readonly reply: Uint8Array;
  outstanding: number;
  delivered: boolean;
}

export class Cluster implements ClusterLink {
  private readonly cache: InterestCache;
  private readonly last: LastSubject;
  private readonly watches = new Map<string, Promise<KeyInterest | undefined>>();
  private readonly backlog = new Map<Client, Waiting[]>();
  private readonly routes = new Map<number, Channel<RouteOut>>();
  private readonly registrar: Registrar;
  private readonly receipts = new Map<number, Receipt>();
  private nextReceipt = 1;
  /**
   * Reply subjects of requests delivered here, and the host each came from. A
   * reply is always sent to that host too: the requester's subscription to its
   * inbox may not have reached the inbox's owner yet (clients send SUB and PUB
   * back to back), but its host had it before it sent the request on. This keeps
   * request/reply as dependable as in a nats-server cluster, whose routes carry
   * the interest ahead of the message.
   */
  private readonly replyHints = new Map<string, number>();

  // Figures for monitoring and the benchmark's cost report.
  routedMessages = 0;
  routeCalls = 0;
  watchCalls = 0;
  droppedMessages = 0;

  constructor(
    private readonly s: ClusterSettings,
    private readonly peers: Peers,
    private readonly local: LocalDelivery,
    meta: Meta,
  ) {
    this.registrar = new Registrar(s, peers, meta, () => local.flush());
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

  recover(): void {
    this.registrar.recover();
  }

  // ---- pushes from owners ---------------------------------------------------------------------

  interestPushed(pushes: readonly InterestPush[]): void {
    for (const p of pushes) this.cache.apply(p);
  }

  // ---- publishing ----------------------------------------------------------------------------

  /**
   * The remote part of a publish, and the choice among queue groups (local members
   * included). `delivered` counts the local plain deliveries already made.
   */
  route(from: Client, subject: string, subjectBytes: Uint8Array, reply: Uint8Array | null, headerSize: number, message: Uint8Array, delivered: number): void {
    const queued = this.backlog.size > 0 ? this.backlog.get(from) : undefined;
    const last = this.last.of(from.space, subject);
    const qualified = last.qualified;
    const ki = queued === undefined ? this.cache.get(last.key) : undefined;
    if (ki !== undefined) {
      this.dispatch(from, ki, subject, qualified, subjectBytes, reply, headerSize, message, delivered);
      return;
    }
    // Wait behind the watch (or behind this connection's earlier waiting messages).
    const w: Waiting = {
      subject,
      qualified,
      subjectBytes: subjectBytes.slice(),
      reply: reply === null ? null : reply.slice(),
      headerSize,
      message: message.slice(),
      delivered,
      local: this.local.localGroups(from.space, subject, from),
    };
    // The connection's PONGs wait for it too: a PING sent after a PUB is answered
    // after the PUB was routed, as a nats-server does.
    from.awaitAck();
    if (queued !== undefined) {
      queued.push(w);
      return;
    }
    this.backlog.set(from, [w]);
    void this.drain(from);
  }

  /** Sends a connection's waiting messages in order, watching keys as needed. */
  private async drain(from: Client): Promise<void> {
    const queue = this.backlog.get(from)!;
    while (queue.length > 0) {
      const w = queue[0];
      const key = this.last.of(from.space, w.subject).key;
      const ki = this.cache.get(key) ?? (await this.watch(key));
      queue.shift();
      if (ki === undefined) {
        // The owner could not be reached: only local members can take it.
        this.droppedMessages++;
        this.dispatchLocalOnly(from, w);
      } else {
        this.dispatch(from, ki, w.subject, w.qualified, w.subjectBytes, w.reply, w.headerSize, w.message, w.delivered, w.local);
      }
      from.ackArrived();
    }
    this.backlog.delete(from);
    this.flushRoutes();
    this.local.flush();
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

  private dispatch(
    from: Client,
    ki: KeyInterest,
    subject: string,
    qualified: string,
    subjectBytes: Uint8Array,
    reply: Uint8Array | null,
    headerSize: number,
    message: Uint8Array,
    delivered: number,
    local: ReadonlyMap<string, readonly LocalSub[]> = this.local.localGroups(from.space, subject, from),
  ): void {
    const self = this.s.self;
    const remote = ki.trie.match(qualified);
    // Destination hosts: usually one or two, so an array beats a set.
    const hosts: number[] = [];
    for (const r of remote.plain) if (r.entry.host !== self && !hosts.includes(r.entry.host)) hosts.push(r.entry.host);
    const requester = this.replyHints.size > 0 ? this.replyHints.get(qualified) : undefined;
    if (requester !== undefined && requester !== self && !hosts.includes(requester)) hosts.push(requester);
    let assigned: Map<number, string[]> | null = null;
    if (local.size > 0 || remote.groups.length > 0) {
      // Used up before dispatch returns (the records are written below), so one map serves every message.
      assigned = this.assigned;
      assigned.clear();
      delivered += this.chooseQueues(local, remote.groups, assigned, subjectBytes, reply, headerSize, message);
      for (const h of assigned.keys()) if (!hosts.includes(h)) hosts.push(h);
    }
    const wantsReceipt = reply !== null && reply.length > 0 && from.opts.noResponders;
    if (hosts.length === 0) {
      if (delivered === 0 && wantsReceipt) this.local.noResponders(from, reply!);
      return;
    }
    let receipt = 0;
    if (wantsReceipt && delivered === 0) {
      receipt = this.nextReceipt++;
      this.receipts.set(receipt, { client: from, reply: reply!.slice(), outstanding: hosts.length, delivered: false });
    }
    for (const host of hosts) {
      const out = this.routeChannel(host).next;
      out.route.add(receipt, from.space.nameBytes, subjectBytes, reply, headerSize, message, assigned?.get(host) ?? NO_QUEUES, receipt !== 0);
      if (receipt !== 0) out.receipts.push(receipt);
      this.routedMessages++;
    }
  }

  /**
   * One pick per queue group named locally or remotely, weighted by members: a
   * local member takes the message at once; a remote pick is noted in `assigned`
   * (host -> group names). Returns the local deliveries made.
   */
  private chooseQueues(
    local: ReadonlyMap<string, readonly LocalSub[]>,
    remoteGroups: readonly (readonly RemoteSub[])[],
    assigned: Map<number, string[]>,
    subjectBytes: Uint8Array,
    reply: Uint8Array | null,
    headerSize: number,
    message: Uint8Array,
  ): number {
    const remote = this.remoteByGroup(remoteGroups);
    let delivered = 0;
    for (const [name, members] of local) delivered += this.pick(name, members, remote.get(name) ?? NO_HOSTS, assigned, subjectBytes, reply, headerSize, message);
    for (const [name, hosts] of remote) {
      if (!local.has(name)) delivered += this.pick(name, NO_MEMBERS, hosts, assigned, subjectBytes, reply, headerSize, message);
    }
    return delivered;
  }

  /** One member of group `name`, chosen with probability proportional to members. */
  private pick(
    name: string,
    members: readonly LocalSub[],
    hosts: readonly { host: number; weight: number }[],
    assigned: Map<number, string[]>,
    subjectBytes: Uint8Array,
    reply: Uint8Array | null,
    headerSize: number,
    message: Uint8Array,
  ): number {
    let total = members.length;
    for (const h of hosts) total += h.weight;
    if (total === 0) return 0;
    let pick = Math.random() * total;
    if (pick < members.length) {
      // A local member, picked the way the single-shard path picks.
      return this.local.deliverToOne(members, null, subjectBytes, reply, headerSize, message) ? 1 : 0;
    }
    pick -= members.length;
    for (const h of hosts) {
      if (pick < h.weight) {
        const list = assigned.get(h.host);
        if (list === undefined) assigned.set(h.host, [name]);
        else list.push(name);
        return 0;
      }
      pick -= h.weight;
    }
    return 0;
  }

  /**
   * Remote queue members by group name (other hosts only), derived once per match
   * result: the interest trie returns the same result object until its interest changes.
   */
  private remoteByGroup(groups: readonly (readonly RemoteSub[])[]): ReadonlyMap<string, readonly { host: number; weight: number }[]> {
    let byName = this.groupMemo.get(groups);
    if (byName !== undefined) return byName;
    const map = new Map<string, { host: number; weight: number }[]>();
    for (const g of groups) {
      for (const r of g) {
        if (r.entry.host === this.s.self) continue;
        let list = map.get(r.entry.queue);
        if (list === undefined) map.set(r.entry.queue, (list = []));
        list.push({ host: r.entry.host, weight: r.entry.weight });
      }
    }
    this.groupMemo.set(groups, (byName = map));
    return byName;
  }

  private readonly assigned = new Map<number, string[]>();

  private readonly groupMemo = new WeakMap<object, ReadonlyMap<string, readonly { host: number; weight: number }[]>>();

  private dispatchLocalOnly(from: Client, w: Waiting): void {
    let delivered = w.delivered;
    for (const members of w.local.values()) {
      if (this.local.deliverToOne(members, from, w.subjectBytes, w.reply, w.headerSize, w.message)) delivered++;
    }
    if (delivered === 0 && w.reply !== null && w.reply.length > 0 && from.opts.noResponders) this.local.noResponders(from, w.reply);
  }

  private routeChannel(host: number): Channel<RouteOut> {
    let ch = this.routes.get(host);
    if (ch !== undefined) return ch;
    ch = new Channel<RouteOut>({
      empty: () => ({ route: new RouteBatch(), receipts: [] }),
      isEmpty: (b) => b.route.count === 0,
      send: async (b) => {
        this.routeCalls++;
        const undelivered = await this.peers.deliver(host, b.route.take());
        this.settle(b.receipts, new Set(undelivered));
      },
      dropped: (b, e) => {
        this.peers.gaveUp("deliverBatch", host, e, `${b.route.count} messages dropped`);
        this.droppedMessages += b.route.count;
        this.settle(b.receipts, new Set(b.receipts));
      },
    });
    this.routes.set(host, ch);
    return ch;
  }

  /** One host answered for the receipts it was sent: a requester hears 503 when nobody took it. */
  private settle(ids: readonly number[], undelivered: ReadonlySet<number>): void {
    if (ids.length === 0) return;
    for (const id of ids) {
      const r = this.receipts.get(id);
      if (r === undefined) continue;
      if (!undelivered.has(id)) r.delivered = true;
      if (--r.outstanding > 0) continue;
      this.receipts.delete(id);
      if (!r.delivered && !r.client.isClosed) this.local.noResponders(r.client, r.reply);
    }
    this.local.flush();
  }

  /** Sends what this turn routed: one call per destination host. */
  flushRoutes(): void {
    for (const ch of this.routes.values()) ch.kick();
    this.registrar.flush();
  }

  // ---- messages from other hosts ----------------------------------------------------------------

  /** Delivers a batch routed here from `from`; returns the receipt ids of records nobody here took. */
  received(from: number, batch: Uint8Array): number[] {
    const undelivered: number[] = [];
    readRouteBatch(batch, (m) => {
      const n = this.local.deliverRouted(m.account, m.subject, m.reply, m.headerSize, m.message, m.queues);
      if (n > 0) {
        if (m.reply !== null && from !== this.s.self) this.hint(clusterSubject(m.account, decode(m.reply)), from);
        return;
      }
      if (m.flags & ROUTE_RECEIPT) undelivered.push(m.id);
      this.registrar.stale(publishKey(clusterSubject(m.account, decode(m.subject)), this.s.keyDepth));
    });
    this.local.flush();
    return undelivered;
  }

  /** `reply` is qualified with its account, as dispatch looks it up. */
  private hint(reply: string, host: number): void {
    this.replyHints.delete(reply);
    this.replyHints.set(reply, host);
    if (this.replyHints.size > REPLY_HINTS) this.replyHints.delete(this.replyHints.keys().next().value!);
  }

  stats() {
    return {
      cachedKeys: this.cache.size,
      routedMessages: this.routedMessages,
      routeCalls: this.routeCalls,
      watchCalls: this.watchCalls,
      registerCalls: this.registrar.registerCalls,
      droppedMessages: this.droppedMessages,
    };
  }
}
