// Hearing of all of an account's interest on other hosts, for this shard's
// leafnodes (leaf/leafnodes.ts): every owner is asked for the account's entries
// (a watch of accountWatchKey) and pushes each change of them from then on, as
// it pushes a key's changes to the hosts that publish to it.
//
// An owner's pushes are numbered: one that arrives while its answer is on its
// way waits for it, and is applied only if it is newer (as interest.ts does for keys).

import { accountWatchKey, accountWatchKeyOf, type InterestEntry, type InterestPush } from "./interest-messages.js";
import type { Peers } from "./peers.js";
import { retry } from "./retry.js";

/** How other hosts' interest in an account reaches a shard's leaves. */
export interface RemoteInterestFeed {
  /** Starts telling `changed` of `account`'s interest on other hosts: everything known first. */
  follow(account: string): void;
  /** No leaf here needs `account` any more. */
  unfollow(account: string): void;
}

/** Where what is learnt goes: another host's weight for a subject of the account (0: none). */
export interface AccountInterestSink {
  remoteChanged(account: string, host: number, subject: string, queue: string, weight: number): void;
  /** Every owner answered: what the leaves were told and what is known may be compared whole. */
  complete(account: string): void;
  /** Writes what the leaves were told. */
  flush(): void;
}

interface Followed {
  readonly key: string;
  /** Per owner, the seq of its answer; absent while it is awaited. */
  readonly seqs: Map<number, number>;
  /** Pushes that came before their owner's answer. */
  readonly early: InterestPush[];
}

export class AccountWatch implements RemoteInterestFeed {
  private readonly followed = new Map<string, Followed>();

  constructor(
    private readonly shards: number,
    private readonly peers: Peers,
    private readonly sink: AccountInterestSink,
  ) {}

  follow(account: string): void {
    if (this.followed.has(account)) return;
    const f: Followed = { key: accountWatchKey(account), seqs: new Map(), early: [] };
    this.followed.set(account, f);
    for (let owner = 0; owner < this.shards; owner++) {
      retry(() => this.peers.watch(owner, f.key), { attempts: 5 })
        .then((snap) => {
          if (this.followed.get(account) !== f) return;
          for (const e of snap.entries) this.apply(account, e);
          f.seqs.set(owner, snap.seq);
          for (const p of f.early.filter((p) => p.owner === owner)) this.pushedTo(account, f, p);
          if (f.seqs.size === this.shards) {
            f.early.length = 0;
            this.sink.complete(account);
          }
          this.sink.flush();
        })
        .catch((e: unknown) => this.peers.gaveUp("watchKey", owner, e, `leafnodes of account ${account} miss interest registered with that shard`));
    }
  }

  unfollow(account: string): void {
    const f = this.followed.get(account);
    if (f === undefined) return;
    this.followed.delete(account);
    for (let owner = 0; owner < this.shards; owner++) this.peers.unwatch(owner, [f.key]).catch(() => undefined);
  }

  /** Owners' pushes: the changes of followed accounts go to the sink. */
  pushed(pushes: readonly InterestPush[]): void {
    if (this.followed.size === 0) return;
    for (const p of pushes) {
      for (const [account, f] of this.followed) {
        if (!f.seqs.has(p.owner)) f.early.push(p);
        else this.pushedTo(account, f, p);
      }
    }
    this.sink.flush();
  }

  private pushedTo(account: string, f: Followed, p: InterestPush): void {
    if (p.seq <= f.seqs.get(p.owner)!) return;
    f.seqs.set(p.owner, p.seq);
    for (const c of p.changes) if (accountWatchKeyOf(c.subject) === f.key) this.apply(account, c);
  }

  private apply(account: string, e: InterestEntry): void {
    if (e.host === this.peers.self) return; // this host's own interest is known here exactly
    // Cluster subjects start with the account: the leaf knows the subject without it.
    this.sink.remoteChanged(account, e.host, e.subject.slice(account.length + 1), e.queue, e.weight);
  }
}
