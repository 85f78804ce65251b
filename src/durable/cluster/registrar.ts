// The host's interest, as its owners must know it, in cluster subjects
// (`<account>.<subject>`). Like nats-server's route
// interest (RS+/RS-), an owner hears of a (subject, queue) pair only when this
// host's interest in it starts or stops, or a queue group's member count
// changes; a client's PONG waits until the owners acknowledged every change its
// SUB/UNSUB caused (Client.awaitAck / ackArrived).

import { ownerOf, subscriptionKey } from "../../protocol/shardkey.js";
import type { Client, LocalSub } from "../host/client.js";
import { MetaFlag, type Meta } from "../meta.js";
import { Channel } from "./channel.js";
import { LEAF_MEMBERS, type InterestChange } from "./interest-messages.js";
import type { Peers } from "./peers.js";
import type { ClusterSettings } from "./settings.js";

interface Registration {
  readonly changes: Map<string, InterestChange>;
  readonly waiting: Set<Client>;
}

const regId = (subject: string, queue: string) => `${queue}\u0000${subject}`;

/** How often a host may ask one owner to resync after finding a stale entry. */
const RESYNC_INTERVAL_MS = 5_000;

export class Registrar {
  private readonly registrations = new Map<number, Channel<Registration>>();
  /** Local subscription counts per (queue, subject). */
  private readonly counts = new Map<string, { subject: string; queue: string; count: number }>();
  /** Registrations accepted but not yet acknowledged, by id: who must wait for them. */
  private readonly unacked = new Map<string, Registration>();
  /** When each owner was last asked to resync this host's interest. */
  private readonly lastResync = new Map<number, number>();
  /**
   * Set while registrations may have been sent that no owner acknowledged yet:
   * if the object stops meanwhile, the next instance resyncs (recover).
   */
  private readonly registering: MetaFlag;
  registerCalls = 0;

  constructor(
    private readonly s: ClusterSettings,
    private readonly peers: Peers,
    meta: Meta,
    /** Asks the host to write out the PONGs acknowledgements released. */
    private readonly flushHost: () => void,
  ) {
    this.registering = new MetaFlag(meta, "registering");
  }

  /** Sends what accumulated: one call per owner, unless one is in flight. */
  flush(): void {
    for (const ch of this.registrations.values()) ch.kick();
  }

  /** A local subscription appeared (+1) or went (-1). `client` waits for owners to know. */
  subscriptionChanged(sub: LocalSub, delta: 1 | -1, client: Client | null): void {
    const queue = registeredQueue(sub);
    const subject = sub.client.space.qualify(sub.subject);
    const id = regId(subject, queue);
    let c = this.counts.get(id);
    if (c === undefined) this.counts.set(id, (c = { subject, queue, count: 0 }));
    const before = weightOf(c.queue, c.count);
    // A leafnode's queue subscription stands for as many members as its weight.
    c.count += delta * (sub.weight ?? 1);
    const after = weightOf(c.queue, c.count);
    if (c.count <= 0) this.counts.delete(id);
    if (before !== after) {
      const key = subscriptionKey(subject, this.s.keyDepth);
      const owners = key === null ? range(this.s.shards) : [ownerOf(key, this.s.shards)];
      for (const owner of owners) this.enqueueRegistration(owner, id, { subject, queue, weight: after }, client);
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
    const queue = registeredQueue(sub);
    const subject = sub.client.space.qualify(sub.subject);
    const id = regId(subject, queue);
    const c = this.counts.get(id);
    const n = sub.weight ?? 1;
    if (c === undefined) this.counts.set(id, { subject, queue, count: n });
    else c.count += n;
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
        if (!this.registering.value) this.registering.value = true;
        await this.peers.register(owner, [...r.changes.values()]);
        this.acked(r);
      },
      // Given up: the clients must not wait forever. Their interest is restored by the
      // next resync; until then messages from other shards may miss them.
      dropped: (r, e) => {
        this.peers.gaveUp("registerInterest", owner, e, `${r.changes.size} interest changes not registered until the next resync`);
        this.acked(r);
      },
    });
    this.registrations.set(owner, ch);
    return ch;
  }

  private acked(r: Registration): void {
    for (const [id, reg] of this.unacked) if (reg === r) this.unacked.delete(id);
    for (const client of r.waiting) client.ackArrived();
    if (this.registering.value && [...this.registrations.values()].every((ch) => ch.idle || ch.sending(r))) {
      this.registering.value = false;
    }
    this.flushHost();
  }

  /**
   * After a restart: if registrations were in flight, owners may have missed them; if
   * connections went while the object was away (`lost`), owners still hold their interest.
   */
  recover(lost = false): void {
    if (!this.registering.value && !lost) return;
    this.resyncAll()
      .then(() => {
        this.registering.value = false;
      })
      // Still unsure: the flag stays, and the next start tries again.
      .catch((e: unknown) => this.peers.gaveUp("resyncInterest", null, e, "interest resynced at the next start"));
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
    await Promise.all(range(this.s.shards).map((owner) => this.peers.resync(owner, this.entriesFor(owner))));
  }

  /**
   * A message arrived for which this host has no interest: the owner of its key
   * holds a stale entry (a lost unregistration). Resync that owner, at most once
   * every few seconds.
   */
  stale(key: string): void {
    const owner = ownerOf(key, this.s.shards);
    const now = Date.now();
    if (now - (this.lastResync.get(owner) ?? 0) < RESYNC_INTERVAL_MS) return;
    this.lastResync.set(owner, now);
    this.peers.resync(owner, this.entriesFor(owner)).catch(() => this.lastResync.delete(owner));
  }

}

/** The queue a subscription is registered under: a leafnode's members apart (LEAF_MEMBERS). */
function registeredQueue(sub: LocalSub): string {
  if (sub.queue === null) return "";
  return sub.client.isLeaf ? sub.queue + LEAF_MEMBERS : sub.queue;
}

function weightOf(queue: string, count: number): number {
  if (count <= 0) return 0;
  return queue === "" ? 1 : count;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
