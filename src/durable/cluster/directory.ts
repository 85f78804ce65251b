// The owner role of a shard: the authoritative directory of which hosts are
// interested in the subject keys that hash to this shard, and which hosts watch
// those keys. Like nats-server's route interest (RS+/RS-), a host tells the owner
// only when its interest in a (subject, queue) pair starts, stops, or changes
// weight; the owner pushes each change to the key's watchers before it answers,
// so an acknowledged subscription is known wherever it matters.
//
// Subscriptions with a wildcard among their key tokens are registered with every
// owner under the key "" and are part of the interest handed out for every key.
//
// A host with leafnodes watches whole accounts (accountWatchKey): it is handed
// every entry of the account here, and pushed every change of it.

import { subscriptionKey } from "../../protocol/shardkey.js";
import type { DirectoryStore } from "./directory-store.js";
import { accountWatchKeyOf, type InterestChange, type InterestEntry, type InterestPush, type InterestSnapshot } from "./interest-messages.js";

/** How the directory reaches watchers (pushes.ts): resolves once the push arrived, or was given up on. */
export interface WatcherLink {
  push(host: number, push: InterestPush): Promise<void>;
}

const WILDCARD = "";

const id = (subject: string, queue: string, host: number) => `${host}\u0000${queue}\u0000${subject}`;

export class Directory {
  /** key -> entry id -> entry. Key "" holds the wildcard entries. */
  private readonly interest = new Map<string, Map<string, InterestEntry>>();
  /** key -> hosts watching it. */
  private readonly watchers = new Map<string, Set<number>>();
  private seq = 0;

  constructor(
    private readonly self: number,
    private readonly depth: number,
    private readonly store: DirectoryStore,
    private readonly link: WatcherLink,
  ) {
    // Reloaded after eviction: the directory is what every host relies on.
    const kept = store.load();
    for (const { key, entry: e } of kept.entries) this.table(key).set(id(e.subject, e.queue, e.host), e);
    for (const { key, host } of kept.watchers) this.watcherSet(key).add(host);
    this.seq = kept.seq;
  }

  private table(key: string): Map<string, InterestEntry> {
    let t = this.interest.get(key);
    if (t === undefined) this.interest.set(key, (t = new Map()));
    return t;
  }

  private watcherSet(key: string): Set<number> {
    let w = this.watchers.get(key);
    if (w === undefined) this.watchers.set(key, (w = new Set()));
    return w;
  }

  private nextSeq(): number {
    this.seq++;
    this.store.saveSeq(this.seq);
    return this.seq;
  }

  /** The interest for `key` (its own and the wildcard entries); `host` watches it from now on. */
  watch(host: number, key: string): InterestSnapshot {
    const w = this.watcherSet(key);
    if (!w.has(host)) {
      w.add(host);
      this.store.addWatcher(key, host);
    }
    const entries: InterestEntry[] = [];
    if (key.startsWith(" ")) {
      // An account: all of its entries, whatever their key.
      for (const t of this.interest.values()) for (const e of t.values()) if (accountWatchKeyOf(e.subject) === key) entries.push(e);
      return { seq: this.seq, entries };
    }
    for (const e of this.interest.get(key)?.values() ?? []) entries.push(e);
    if (key !== WILDCARD) for (const e of this.interest.get(WILDCARD)?.values() ?? []) entries.push(e);
    return { seq: this.seq, entries };
  }

  unwatch(host: number, keys: readonly string[]): void {
    for (const key of keys) {
      const w = this.watchers.get(key);
      if (w === undefined || !w.delete(host)) continue;
      if (w.size === 0) this.watchers.delete(key);
      this.store.removeWatcher(key, host);
    }
  }

  /**
   * Applies a host's interest changes and pushes them to the watchers that need
   * them; resolves once every push was delivered (or given up on: see pushes.ts).
   */
  async register(host: number, changes: readonly InterestChange[]): Promise<void> {
    const applied: (InterestEntry & { key: string })[] = [];
    for (const c of changes) {
      const key = subscriptionKey(c.subject, this.depth) ?? WILDCARD;
      const t = this.table(key);
      const k = id(c.subject, c.queue, host);
      if (c.weight > 0) {
        if (t.get(k)?.weight === c.weight) continue;
        const e = { subject: c.subject, queue: c.queue, host, weight: c.weight };
        t.set(k, e);
        this.store.saveEntry(key, e);
      } else {
        if (!t.delete(k)) continue;
        if (t.size === 0) this.interest.delete(key);
        this.store.removeEntry(key, c.subject, c.queue, host);
      }
      applied.push({ key, subject: c.subject, queue: c.queue, host, weight: c.weight });
    }
    if (applied.length === 0) return;
    const seq = this.nextSeq();
    // Who needs what: a key's watchers get its changes; every watcher gets the wildcard ones.
    const perHost = new Map<number, (InterestEntry & { key: string })[]>();
    const add = (h: number, change: InterestEntry & { key: string }) => {
      if (h === host) return; // the registering host knows its own interest
      let list = perHost.get(h);
      if (list === undefined) perHost.set(h, (list = []));
      // A host may watch a change's key and its account both: it is told once.
      if (list[list.length - 1] !== change) list.push(change);
    };
    for (const change of applied) {
      if (change.key === WILDCARD) {
        const all = new Set<number>();
        for (const w of this.watchers.values()) for (const h of w) all.add(h);
        for (const h of all) add(h, change);
      } else {
        for (const h of this.watchers.get(change.key) ?? []) add(h, change);
      }
      for (const h of this.watchers.get(accountWatchKeyOf(change.subject)) ?? []) add(h, change);
    }
    await Promise.all([...perHost].map(([h, list]) => this.link.push(h, { owner: this.self, seq, changes: list })));
  }

  /** Replaces everything `host` registered here by `entries` (after a host lost track). */
  async resync(host: number, entries: readonly InterestChange[]): Promise<void> {
    const wanted = new Map(entries.map((e) => [id(e.subject, e.queue, host), e]));
    const changes: InterestChange[] = [...entries];
    for (const t of this.interest.values()) {
      for (const [k, e] of t) if (e.host === host && !wanted.has(k)) changes.push({ subject: e.subject, queue: e.queue, weight: 0 });
    }
    await this.register(host, changes);
  }

  /** Figures for tests and monitoring. */
  stats(): { keys: number; entries: number; watchers: number } {
    let entries = 0;
    for (const t of this.interest.values()) entries += t.size;
    let watchers = 0;
    for (const w of this.watchers.values()) watchers += w.size;
    return { keys: this.interest.size, entries, watchers };
  }
}
