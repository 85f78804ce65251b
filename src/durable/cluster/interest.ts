// A host's cache of remote interest: for each subject key it publishes to, the
// interest its owner handed out (watch) and has pushed since. Bounded: the
// least recently used keys are dropped and unwatched.

import { ownerOf } from "../../protocol/shardkey.js";
import { SubjectTrie, type MatchResult } from "../../protocol/sublist.js";
import type { RemoteGroup, RemoteInterest } from "../host/remote-interest.js";
import { LEAF_MEMBERS, type InterestEntry, type InterestPush, type InterestSnapshot } from "./interest-messages.js";
import type { ClusterSettings } from "./settings.js";

const encoder = new TextEncoder();

/** An entry of remote interest, as the host's per-key trie holds it. */
export interface RemoteSub {
  readonly subject: string;
  readonly queue: string | null;
  readonly entry: InterestEntry;
}

export class KeyInterest {
  readonly trie = new SubjectTrie<RemoteSub>(64);
  private readonly byId = new Map<string, RemoteSub>();
  /**
   * Delivery's view of each match result: derived once per result, as the trie
   * hands out the same result for a subject until its interest changes.
   */
  private readonly derived = new WeakMap<MatchResult<RemoteSub>, RemoteInterest>();

  constructor(
    readonly owner: number,
    public seq: number,
  ) {}

  set(e: InterestEntry): void {
    const k = `${e.host}\u0000${e.queue}\u0000${e.subject}`;
    const old = this.byId.get(k);
    if (old !== undefined) {
      this.trie.remove(old);
      this.byId.delete(k);
    }
    if (e.weight <= 0) return;
    const sub: RemoteSub = { subject: e.subject, queue: e.queue === "" ? null : e.queue, entry: e };
    this.byId.set(k, sub);
    this.trie.insert(sub);
  }

  get size(): number {
    return this.byId.size;
  }

  /** The interest of hosts other than this one (`here.self`) in a subject (`<account>.<subject>`). */
  remote(qualified: string, here: Pick<ClusterSettings, "self" | "nearby">): RemoteInterest {
    const r = this.trie.match(qualified);
    let d = this.derived.get(r);
    if (d === undefined) this.derived.set(r, (d = derive(r, here)));
    return d;
  }
}

/** Queue groups list the hosts of this region first, with `near` their weight (RemoteGroup). */
function derive(r: MatchResult<RemoteSub>, { self, nearby }: Pick<ClusterSettings, "self" | "nearby">): RemoteInterest {
  const hosts: number[] = [];
  for (const p of r.plain) if (p.entry.host !== self && !hosts.includes(p.entry.host)) hosts.push(p.entry.host);
  const groups: RemoteGroup[] = [];
  for (const members of r.groups) {
    const queue = members[0].entry.queue;
    const leaf = queue.endsWith(LEAF_MEMBERS);
    const name = leaf ? queue.slice(0, -LEAF_MEMBERS.length) : queue;
    const g = { name, nameBytes: encoder.encode(name), leaf, hosts: [] as number[], weights: [] as number[], total: 0, near: 0 };
    for (const near of [true, false]) {
      for (const m of members) {
        if (m.entry.host === self || (nearby[m.entry.host] ?? false) !== near) continue;
        g.hosts.push(m.entry.host);
        g.weights.push(m.entry.weight);
        g.total += m.entry.weight;
        if (near) g.near += m.entry.weight;
      }
    }
    if (g.total > 0) groups.push(g);
  }
  return { hosts, groups };
}

export class InterestCache {
  private readonly keys = new Map<string, KeyInterest>();
  /** Pushes that arrived while a key's watch was in flight, applied once it lands. */
  private readonly early = new Map<string, InterestPush[]>();

  constructor(
    private readonly shards: number,
    private readonly capacity: number,
    /** Called with keys dropped from the cache, so their owners stop pushing. */
    private readonly dropped: (owner: number, keys: string[]) => void,
  ) {}

  get size(): number {
    return this.keys.size;
  }

  private newest: string | null = null;

  /** The interest for a key, marking it recently used; undefined when not cached. */
  get(key: string): KeyInterest | undefined {
    const k = this.keys.get(key);
    // Re-inserting moves the key to the young end of the map's order; a run of
    // messages to one key (the common case) does that once.
    if (k !== undefined && key !== this.newest) {
      this.keys.delete(key);
      this.keys.set(key, k);
      this.newest = key;
    }
    return k;
  }

  /** A watch for `key` was sent: pushes for it are held until its answer arrives. */
  watching(key: string): void {
    if (!this.early.has(key)) this.early.set(key, []);
  }

  /** The owner's answer to a watch: the key's interest from now on. */
  install(key: string, snap: InterestSnapshot): KeyInterest {
    const k = new KeyInterest(ownerOf(key, this.shards), snap.seq);
    for (const e of snap.entries) k.set(e);
    for (const push of this.early.get(key) ?? []) this.applyTo(k, key, push);
    this.early.delete(key);
    this.keys.set(key, k);
    this.newest = key;
    this.evict();
    return k;
  }

  /** A watch failed: forget what was held for it. */
  abandon(key: string): void {
    this.early.delete(key);
  }

  /** Applies an owner's push to the keys it concerns. */
  apply(push: InterestPush): void {
    for (const [key, held] of this.early) if (ownerOf(key, this.shards) === push.owner) held.push(push);
    for (const [key, k] of this.keys) if (k.owner === push.owner) this.applyTo(k, key, push);
  }

  private applyTo(k: KeyInterest, key: string, push: InterestPush): void {
    // The snapshot already holds every change up to its seq.
    if (push.seq <= k.seq) return;
    k.seq = push.seq;
    for (const c of push.changes) if (c.key === "" || c.key === key) k.set(c);
  }

  private evict(): void {
    if (this.keys.size <= this.capacity) return;
    const byOwner = new Map<number, string[]>();
    for (const [key, k] of this.keys) {
      if (this.keys.size <= this.capacity) break;
      this.keys.delete(key);
      let list = byOwner.get(k.owner);
      if (list === undefined) byOwner.set(k.owner, (list = []));
      list.push(key);
    }
    for (const [owner, keys] of byOwner) this.dropped(owner, keys);
  }
}
