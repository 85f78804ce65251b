// The host's side of the cluster of shards: telling owners what this host's
// clients are interested in, learning (and caching) what other hosts are
// interested in, and sending messages host to host in one hop.
//
// A message's remote part goes, per publishing connection, in publish order:
// if the subject's key is not cached, the connection's later messages wait
// behind the watch for it, so what one client publishes leaves in order. Each
// destination host gets one record per message, carrying the queue groups this
// host assigned to it; everything for one host in one turn is one call.

import { ROUTE_RECEIPT, RouteBatch, readRouteBatch } from "../protocol/route.js";
import { ownerOf, publishKey, subscriptionKey } from "../protocol/shardkey.js";
import { Channel } from "./channel.js";
import type { Client, LocalSub } from "./client.js";
import type { InterestChange, InterestPush, InterestSnapshot } from "./directory.js";
import { InterestCache, type KeyInterest } from "./interest.js";

/** What the cluster needs from the shard: calls to other shards (or itself). */
export interface ShardCalls {
  watch(owner: number, key: string): Promise<InterestSnapshot>;
  unwatch(owner: number, keys: string[]): Promise<void>;
  register(owner: number, changes: InterestChange[]): Promise<void>;
  resync(owner: number, entries: InterestChange[]): Promise<void>;
  deliver(host: number, batch: Uint8Array): Promise<number[]>;
  /** A call to `shard` failed: the next one should use a fresh stub. */
  broken(shard: number): void;
}

/** A flag the cluster keeps across restarts. */
export interface ClusterMemory {
  /** True while registrations may have been sent that no owner acknowledged yet. */
  registering: boolean;
}

/** What the cluster needs from the host it serves. */
export interface LocalDelivery {
  /** Local queue groups matching `subject`, members able to take a message from `from`. */
  localGroups(subject: string, from: Client | null): Map<string, LocalSub[]>;
  deliverTo(sub: LocalSub, subject: Uint8Array, reply: Uint8Array | null, headerSize: number, message: Uint8Array): boolean;
  /** Delivers a message routed here: local plain subscribers and one member of each named group. */
  deliverRouted(subject: Uint8Array, reply: Uint8Array | null, headerSize: number, message: Uint8Array, queues: readonly string[]): number;
  noResponders(from: Client, reply: Uint8Array): void;
  flush(): void;
}

export interface ClusterSettings {
  readonly self: number;
  readonly shards: number;
  readonly keyDepth: number;
  readonly cacheKeys: number;
}

/** A message waiting for its key's interest. Owns copies of its bytes. */
interface Waiting {
  readonly subject: string;
  readonly subjectBytes: Uint8Array;
  readonly reply: Uint8Array | null;
  readonly headerSize: number;
  readonly message: Uint8Array;
  readonly delivered: number;
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

interface Registration {
  readonly changes: Map<string, InterestChange>;
  readonly waiting: Set<Client>;
}

const regId = (subject: string, queue: string) => `${queue}\u0000${subject}`;

export class Cluster {
  private readonly cache: InterestCache;
  private readonly watches = new Map<string, Promise<KeyInterest | undefined>>();
  private readonly backlog = new Map<Client, Waiting[]>();
  private readonly routes = new Map<number, Channel<RouteOut>>();
  private readonly registrations = new Map<number, Channel<Registration>>();
  /** Local subscription counts per (queue, subject). */
  private readonly counts = new Map<string, { subject: string; queue: string; count: number }>();
  /** Registrations accepted but not yet acknowledged, by id: who must wait for them. */
  private readonly unacked = new Map<string, Registration>();
  private readonly receipts = new Map<number, Receipt>();
  private nextReceipt = 1;
  /** When each owner was last asked to resync this host's interest (stale entries found). */
  private readonly lastResync = new Map<number, number>();

  // Figures for monitoring and the benchmark's cost report.
  routedMessages = 0;
  routeCalls = 0;
  watchCalls = 0;
  registerCalls = 0;
  droppedMessages = 0;

  constructor(
    private readonly s: ClusterSettings,
    private readonly calls: ShardCalls,
    private readonly local: LocalDelivery,
    private readonly memory: ClusterMemory,
  ) {
    this.cache = new InterestCache(s.shards, s.cacheKeys, (owner, keys) => {
      // Unwatching only saves the owner's pushes: if it fails, they keep coming and are ignored.
      this.calls.unwatch(owner, keys).catch(() => this.calls.broken(owner));
    });
  }

  // ---- interest of this host's clients ------------------------------------------------------

  /** A local subscription appeared (+1) or went (-1). `client` waits for owners to know. */
  subscriptionChanged(sub: LocalSub, delta: 1 | -1, client: Client | null): void {
    const queue = sub.queue ?? "";
    const id = regId(sub.subject, queue);
    let c = this.counts.get(id);
    if (c === undefined) this.counts.set(id, (c = { subject: sub.subject, queue, count: 0 }));
    const before = weightOf(c.queue, c.count);
    c.count += delta;
    const after = weightOf(c.queue, c.count);
    if (c.count <= 0) this.counts.delete(id);
    if (before !== after) {
      const key = subscriptionKey(sub.subject, this.s.keyDepth);
      const owners = key === null ? range(this.s.shards) : [ownerOf(key, this.s.shards)];
      for (const owner of owners) this.enqueueRegistration(owner, id, { subject: sub.subject, queue, weight: after }, client);
    } else if (client !== null) {
      // No change to send, but one may be on its way: the client waits for it too.
      const pending = this.unacked.get(id);
      if (pending !== undefined && !pending.waiting.has(client)) {
        pending.waiting.add(client);
        client.awaitAck();
      }
    }
  }

  /** A subscription rebuilt after a restart: counted, not registered again (owners kept it). */
  restored(sub: LocalSub): void {
    const queue = sub.queue ?? "";
    const id = regId(sub.subject, queue);
    const c = this.counts.get(id);
    if (c === undefined) this.counts.set(id, { subject: sub.subject, queue, count: 1 });
    else c.count++;
  }

  private enqueueRegistration(owner: number, id: string, change: InterestChange, client: Client | null): void {
    const ch = this.registrationChannel(owner);
    const reg = ch.next;
    reg.changes.set(id, change);
    this.unacked.set(id, reg);
    if (client !== null && !reg.waiting.has(client)) {
      reg.waiting.add(client);
      client.awaitAck();
    }
  }

  private registrationChannel(owner: number): Channel<Registration> {
    let ch = this.registrations.get(owner);
    if (ch !== undefined) return ch;
    ch = new Channel<Registration>({
      empty: () => ({ changes: new Map(), waiting: new Set() }),
      isEmpty: (r) => r.changes.size === 0,
      send: async (r) => {
        this.registerCalls++;
        // If the object is evicted before the owner answers, the next instance resyncs.
        if (!this.memory.registering) this.memory.registering = true;
        await this.calls.register(owner, [...r.changes.values()]);
        this.acked(r);
      },
      // Given up: the clients must not wait forever. Their interest is restored by the
      // next resync; until then messages from other shards may miss them.
      dropped: (r) => this.acked(r),
      failed: () => this.calls.broken(owner),
    });
    this.registrations.set(owner, ch);
    return ch;
  }

  private acked(r: Registration): void {
    for (const [id, reg] of this.unacked) if (reg === r) this.unacked.delete(id);
    for (const client of r.waiting) client.ackArrived();
    if (this.memory.registering && [...this.registrations.values()].every((ch) => ch.idle || ch.sending(r))) {
      this.memory.registering = false;
    }
    this.local.flush();
  }

  /** After a restart: if registrations were in flight, owners may have missed them. */
  recover(): void {
    if (!this.memory.registering) return;
    this.resyncAll()
      .then(() => {
        this.memory.registering = false;
      })
      // Still unsure: the flag stays, and the next start tries again.
      .catch(() => undefined);
  }

  /** This host's interest as one owner should hold it. */
  private entriesFor(owner: number): InterestChange[] {
    const out: InterestChange[] = [];
    for (const c of this.counts.values()) {
      const key = subscriptionKey(c.subject, this.s.keyDepth);
      if (key === null || ownerOf(key, this.s.shards) === owner) {
        out.push({ subject: c.subject, queue: c.queue, weight: weightOf(c.queue, c.count) });
      }
    }
    return out;
  }

  /** Tells every owner exactly what this host is interested in. */
  async resyncAll(): Promise<void> {
    await Promise.all(range(this.s.shards).map((owner) => this.calls.resync(owner, this.entriesFor(owner))));
  }

  /**
   * A message arrived for which this host has no interest: the owner of its key
   * holds a stale entry (a lost unregistration). Resync that owner, at most once
   * every few seconds.
   */
  private stale(subject: Uint8Array): void {
    const owner = ownerOf(publishKey(new TextDecoder().decode(subject), this.s.keyDepth), this.s.shards);
    const now = Date.now();
    if (now - (this.lastResync.get(owner) ?? 0) < RESYNC_INTERVAL_MS) return;
    this.lastResync.set(owner, now);
    this.calls.resync(owner, this.entriesFor(owner)).catch(() => {
      this.calls.broken(owner);
      this.lastResync.delete(owner);
    });
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
    const queued = this.backlog.get(from);
    const ki = queued === undefined ? this.cache.get(publishKey(subject, this.s.keyDepth)) : undefined;
    if (ki !== undefined) {
      this.dispatch(from, ki, subject, subjectBytes, reply, headerSize, message, delivered);
      return;
    }
    // Wait behind the watch (or behind this connection's earlier waiting messages).
    const w: Waiting = {
      subject,
      subjectBytes: subjectBytes.slice(),
      reply: reply === null ? null : reply.slice(),
      headerSize,
      message: message.slice(),
      delivered,
    };
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
      const key = publishKey(w.subject, this.s.keyDepth);
      const ki = this.cache.get(key) ?? (await this.watch(key));
      queue.shift();
      if (ki === undefined) {
        // The owner could not be reached: only local members can take it.
        this.droppedMessages++;
        this.dispatchLocalOnly(from, w);
      } else {
        this.dispatch(from, ki, w.subject, w.subjectBytes, w.reply, w.headerSize, w.message, w.delivered);
      }
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
    p = watchWithRetry(() => this.calls.watch(owner, key), () => this.calls.broken(owner))
      .then((snap) => this.cache.install(key, snap))
      .catch(() => {
        this.cache.abandon(key);
        return undefined;
      })
      .finally(() => this.watches.delete(key));
    this.watches.set(key, p);
    return p;
  }

  private dispatch(from: Client, ki: KeyInterest, subject: string, subjectBytes: Uint8Array, reply: Uint8Array | null, headerSize: number, message: Uint8Array, delivered: number): void {
    const self = this.s.self;
    const remote = ki.trie.match(subject);
    const plainHosts = new Set<number>();
    for (const r of remote.plain) if (r.entry.host !== self) plainHosts.add(r.entry.host);
    const assigned = new Map<number, string[]>();
    const local = this.local.localGroups(subject, from);
    // Every queue group named locally or remotely gets one pick, weighted by members.
    const names = new Set<string>(local.keys());
    const remoteGroups = new Map<string, { host: number; weight: number }[]>();
    for (const g of remote.groups) {
      for (const r of g) {
        if (r.entry.host === self) continue;
        let list = remoteGroups.get(r.entry.queue);
        if (list === undefined) remoteGroups.set(r.entry.queue, (list = []));
        list.push({ host: r.entry.host, weight: r.entry.weight });
        names.add(r.entry.queue);
      }
    }
    for (const name of names) {
      const members = local.get(name) ?? [];
      const hosts = remoteGroups.get(name) ?? [];
      let total = members.length;
      for (const h of hosts) total += h.weight;
      if (total === 0) continue;
      let pick = Math.random() * total;
      if (pick < members.length) {
        // A local member: try it, then the others, as the single-shard path does.
        const first = pick | 0;
        for (let k = 0; k < members.length; k++) {
          if (this.local.deliverTo(members[(first + k) % members.length], subjectBytes, reply, headerSize, message)) {
            delivered++;
            break;
          }
        }
        continue;
      }
      pick -= members.length;
      for (const h of hosts) {
        if (pick < h.weight) {
          let list = assigned.get(h.host);
          if (list === undefined) assigned.set(h.host, (list = []));
          list.push(name);
          break;
        }
        pick -= h.weight;
      }
    }
    for (const h of assigned.keys()) plainHosts.add(h);
    const wantsReceipt = reply !== null && reply.length > 0 && from.opts.noResponders;
    if (plainHosts.size === 0) {
      if (delivered === 0 && wantsReceipt) this.local.noResponders(from, reply!);
      return;
    }
    let receipt = 0;
    if (wantsReceipt && delivered === 0) {
      receipt = this.nextReceipt++;
      this.receipts.set(receipt, { client: from, reply: reply!.slice(), outstanding: plainHosts.size, delivered: false });
    }
    for (const host of plainHosts) {
      const out = this.routeChannel(host).next;
      out.route.add(receipt, subjectBytes, reply, headerSize, message, assigned.get(host) ?? [], receipt !== 0);
      if (receipt !== 0) out.receipts.push(receipt);
      this.routedMessages++;
    }
  }

  private dispatchLocalOnly(from: Client, w: Waiting): void {
    let delivered = w.delivered;
    for (const members of this.local.localGroups(w.subject, from).values()) {
      const first = (Math.random() * members.length) | 0;
      for (let k = 0; k < members.length; k++) {
        if (this.local.deliverTo(members[(first + k) % members.length], w.subjectBytes, w.reply, w.headerSize, w.message)) {
          delivered++;
          break;
        }
      }
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
        const undelivered = await this.calls.deliver(host, b.route.take());
        this.settle(b.receipts, new Set(undelivered));
      },
      dropped: (b) => {
        this.droppedMessages += b.route.count;
        this.settle(b.receipts, new Set(b.receipts));
      },
      failed: () => this.calls.broken(host),
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
    for (const ch of this.registrations.values()) ch.kick();
  }

  // ---- messages from other hosts ----------------------------------------------------------------

  /** Delivers a batch routed here; returns the receipt ids of records nobody here took. */
  received(batch: Uint8Array): number[] {
    const undelivered: number[] = [];
    readRouteBatch(batch, (m) => {
      const n = this.local.deliverRouted(m.subject, m.reply, m.headerSize, m.message, m.queues);
      if (n > 0) return;
      if (m.flags & ROUTE_RECEIPT) undelivered.push(m.id);
      this.stale(m.subject);
    });
    this.local.flush();
    return undelivered;
  }

  stats() {
    return {
      cachedKeys: this.cache.size,
      routedMessages: this.routedMessages,
      routeCalls: this.routeCalls,
      watchCalls: this.watchCalls,
      registerCalls: this.registerCalls,
      droppedMessages: this.droppedMessages,
    };
  }
}

const RESYNC_INTERVAL_MS = 5_000;

function weightOf(queue: string, count: number): number {
  if (count <= 0) return 0;
  return queue === "" ? 1 : count;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

async function watchWithRetry(call: () => Promise<InterestSnapshot>, failed: () => void): Promise<InterestSnapshot> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      failed();
      if (attempt >= 5) throw e;
      const cap = Math.min(2_000, 25 * 2 ** (attempt - 1));
      await new Promise((r) => setTimeout(r, cap / 2 + Math.random() * (cap / 2)));
    }
  }
}
