// The leafnode connections of a shard, and what each is told of its account's
// interest. A hub tells a leaf of every subscription in the leaf's account,
// wherever it is (this shard's clients, other leaves, other shards' hosts), and
// of every change: `LS+ <subject>` when interest in a subject starts, `LS-` when
// it stops, and `LS+ <subject> <queue> <weight>` whenever a queue group's member
// count changes (nats-server's leafnode.go initLeafNodeSmapAndSendSubs and
// updateLeafNodes). A leaf is never told of its own interest.
//
// Per account with a leaf here, a tally holds for each (subject, queue) the
// weight of this shard's subscriptions (leaves' included) and of every other
// host's (from the owners, see cluster/account-watch.ts); what one leaf is told is
// that tally less its own part. The sources of the account's subject mappings count
// as interest of this shard's, for as long as it runs.

import type { AuthResult, Credentials } from "../../protocol/auth.js";
import { newNonce } from "../../protocol/auth.js";
import { ok } from "../../protocol/identity.js";
import { authenticateLeaf } from "../../protocol/leaf-connect.js";
import { leafInfoJson } from "../../protocol/server-info.js";
import { GLOBAL_ACCOUNT } from "../host/account.js";
import type { Attachment } from "../host/attachment.js";
import type { Client, LocalSub } from "../host/client.js";
import type { Host } from "../host/host.js";
import type { LeafnodeHooks, Upgrade } from "../host/host-roles.js";
import type { Transport } from "../host/transport.js";
import type { AccountInterestSink, RemoteInterestFeed } from "../cluster/account-watch.js";
import { LEAF_MEMBERS } from "../cluster/interest-messages.js";
import type { Settings } from "../settings.js";
import { leafKey, LeafConnection } from "./leaf-connection.js";
import { LeafStore } from "./leaf-store.js";

/** Where a nats-server leaf's WebSocket asks to connect (its remote URL's path defaults to it). */
export const LEAFNODE_PATH = "/leafnode";

/** One (subject, queue) of an account: its weight here and on each other host. */
interface Tally {
  readonly subject: string;
  /** "" for plain interest. */
  readonly queue: string;
  /** This shard's subscriptions: plain ones counted once each, queue members by weight. */
  local: number;
  /** Other hosts' weights, by host (and, for a leafnode's members there, by host and LEAF_MEMBERS). */
  readonly remote: Map<string, number>;
  remoteSum: number;
}

class AccountLeaves {
  readonly leaves = new Set<LeafConnection>();
  /** Built when first needed, from the host's subscriptions; kept current from then on. */
  tally: Map<string, Tally> | null = null;
}

export class Leafnodes implements LeafnodeHooks, AccountInterestSink {
  private readonly accounts = new Map<string, AccountLeaves>();
  readonly store: LeafStore;
  /** The subject whose LS+ coming back from a leaf means a loop (nats-server's $LDS.<id>). */
  readonly loopSubject: string;
  /** Other hosts' interest, when there is more than one shard. */
  private remote: RemoteInterestFeed | null = null;

  constructor(
    private readonly settings: Settings,
    sql: SqlStorage,
    serverId: string,
    private readonly host: Host,
  ) {
    this.store = new LeafStore(sql);
    // One per deployment: a leaf that reaches two shards of it is no loop, one that reaches it twice through another hub is.
    this.loopSubject = `$LDS.${serverId.slice(2, 24)}`;
  }

  make(host: Host, ws: Transport, cid: number, via: Upgrade): Client {
    const leaf = new LeafConnection(host, this, ws, cid, via.ip, Date.now());
    leaf.via = { host: via.host, port: via.port };
    leaf.nonce = newNonce();
    leaf.outbox.info(leafInfoJson(host.address(via), this.infoFor(host, leaf, null)));
    return leaf;
  }

  private infoFor(host: Host, leaf: LeafConnection, remoteAccount: string | null) {
    const authRequired = host.auth.required || this.settings.config.leafnodes.users.length > 0;
    return { clientId: leaf.cid, maxPayload: this.settings.maxPayload, authRequired, nonce: leaf.nonce ?? "", remoteAccount };
  }

  restore(host: Host, ws: Transport, a: Attachment): Client {
    const leaf = new LeafConnection(host, this, ws, a.cid, a.ip ?? "", a.start ?? Date.now(), a);
    for (const row of this.store.all("leaf_subs", a.cid)) {
      const sub = leaf.subscription(row);
      leaf.subs.set(sub.sid, sub);
      leaf.space.sublist.insert(sub);
    }
    for (const row of this.store.all("leaf_sent", a.cid)) leaf.sent.set(leafKey(row.subject, row.queue), row.weight);
    if (leaf.peer !== null) this.account(leaf.space.name).leaves.add(leaf);
    return leaf;
  }

  /**
   * After the host rebuilt its connections: forgets what is kept of leaves that are
   * gone. With other shards, the accounts are followed again once the cluster is there
   * (follow(), from the Shard).
   */
  restored(live: ReadonlySet<number>): boolean {
    let gone = false;
    for (const cid of this.store.cids()) {
      if (live.has(cid)) continue;
      this.store.forget(cid);
      gone = true;
    }
    return gone;
  }

  /** Other hosts' interest, from now on; accounts with leaves here are followed at once. */
  followRemote(feed: RemoteInterestFeed): void {
    this.remote = feed;
    for (const name of this.accounts.keys()) feed.follow(name);
  }

  /** Checks a leaf's credentials: `leafnodes.authorization` first, else as a client's. */
  authenticate(creds: Credentials, nonce: string | null): AuthResult {
    const own = authenticateLeaf(this.settings.config.leafnodes, creds, nonce);
    if (own !== null) return own;
    const host = this.host;
    if (!host.auth.required) return ok({ account: GLOBAL_ACCOUNT, user: creds.user ?? "", permissions: null, expiresAt: null });
    return host.auth.authenticate(creds, nonce, Date.now());
  }

  /** A leaf's CONNECT was accepted: it is told its account, then all of the account's interest. */
  bound(leaf: LeafConnection): void {
    const host = this.host;
    const acc = this.account(leaf.space.name);
    const first = acc.leaves.size === 0;
    acc.leaves.add(leaf);
    // The hub says which account the leaf was bound to; on a link nats-edge dialed, it is the leaf.
    if (leaf.solicited === null) leaf.outbox.info(leafInfoJson(host.address(leaf.via), this.infoFor(host, leaf, leaf.space.name)));
    leaf.outbox.leafSub(this.loopSubject, "", 1);
    for (const t of this.tallyOf(leaf.space.name, acc).values()) this.tell(leaf, t);
    host.markDirty(leaf);
    if (first) this.remote?.follow(leaf.space.name);
  }

  changed(sub: LocalSub, delta: 1 | -1): void {
    const acc = this.accounts.get(sub.client.space.name);
    if (acc === undefined || acc.tally === null) return;
    const t = this.entry(acc.tally, sub.subject, sub.queue ?? "");
    t.local += delta * (sub.weight ?? 1);
    this.settle(acc, t);
  }

  /** Another host's weight for (subject, queue) of `account` is now `weight` (0: none). */
  remoteChanged(account: string, host: number, subject: string, queue: string, weight: number): void {
    const acc = this.accounts.get(account);
    if (acc === undefined) return;
    // A leaf is told a group's members wherever they are, a leafnode's included.
    const leaf = queue.endsWith(LEAF_MEMBERS);
    const t = this.entry(this.tallyOf(account, acc), subject, leaf ? queue.slice(0, -LEAF_MEMBERS.length) : queue);
    const from = leaf ? `${host}${LEAF_MEMBERS}` : String(host);
    const before = t.remote.get(from) ?? 0;
    if (weight > 0) t.remote.set(from, weight);
    else t.remote.delete(from);
    t.remoteSum += weight - before;
    this.settle(acc, t);
  }

  /**
   * Every owner said what the account's interest is: each leaf is told whatever it
   * was not told yet, and told that what it was told and is no more has gone (after
   * a restart, interest may have gone while nobody here was listening).
   */
  complete(account: string): void {
    const acc = this.accounts.get(account);
    if (acc === undefined) return;
    const tally = this.tallyOf(account, acc);
    for (const leaf of acc.leaves) {
      for (const key of [...leaf.sent.keys()]) {
        if (tally.has(key)) continue;
        const space = key.indexOf(" ");
        const [subject, queue] = space < 0 ? [key, ""] : [key.slice(0, space), key.slice(space + 1)];
        this.tell(leaf, { subject, queue, local: 0, remote: new Map(), remoteSum: 0 });
      }
      for (const t of tally.values()) this.tell(leaf, t);
    }
  }

  flush(): void {
    this.host.flush();
  }

  /** Every leaf of the account is told of the tally's change; a tally nobody has any more goes. */
  private settle(acc: AccountLeaves, t: Tally): void {
    for (const leaf of acc.leaves) this.tell(leaf, t);
    if (t.local <= 0 && t.remoteSum <= 0) acc.tally!.delete(leafKey(t.subject, t.queue));
  }

  closed(client: Client): void {
    const leaf = client as LeafConnection;
    this.store.forget(leaf.cid);
    const name = leaf.space.name;
    const acc = this.accounts.get(name);
    if (acc === undefined || !acc.leaves.delete(leaf) || acc.leaves.size > 0) return;
    this.accounts.delete(name);
    this.remote?.unfollow(name);
  }

  private account(name: string): AccountLeaves {
    let acc = this.accounts.get(name);
    if (acc === undefined) this.accounts.set(name, (acc = new AccountLeaves()));
    return acc;
  }

  private tallyOf(name: string, acc: AccountLeaves): Map<string, Tally> {
    if (acc.tally !== null) return acc.tally;
    const tally = new Map<string, Tally>();
    acc.tally = tally;
    for (const sub of this.host.subscriptionsOf(name)) this.entry(tally, sub.subject, sub.queue ?? "").local += sub.weight ?? 1;
    // What is published to a mapping's source is mapped here: a leaf must send it (nats-server's forceAddToSmap).
    for (const source of this.settings.config.mappings.get(name)?.sources ?? []) this.entry(tally, source, "").local += 1;
    return tally;
  }

  private entry(tally: Map<string, Tally>, subject: string, queue: string): Tally {
    const key = leafKey(subject, queue);
    let t = tally.get(key);
    if (t === undefined) tally.set(key, (t = { subject, queue, local: 0, remote: new Map(), remoteSum: 0 }));
    return t;
  }

  /** Tells `leaf` what changed of `t` since it was last told; nothing when nothing did. */
  private tell(leaf: LeafConnection, t: Tally): void {
    if (leaf.isClosed || leaf.peer === null) return;
    const key = leafKey(t.subject, t.queue);
    const own = leaf.subs.get(key);
    let weight = t.local - (own === undefined ? 0 : (own.weight ?? 1)) + t.remoteSum;
    if (t.queue === "" && weight > 0) weight = 1;
    if (weight < 0) weight = 0;
    const before = leaf.sent.get(key) ?? 0;
    if (weight === before) return;
    if (weight > 0) {
      leaf.outbox.leafSub(t.subject, t.queue, weight);
      leaf.sent.set(key, weight);
      this.store.set("leaf_sent", leaf.cid, { subject: t.subject, queue: t.queue, weight });
    } else {
      leaf.outbox.leafUnsub(t.subject, t.queue);
      leaf.sent.delete(key);
      this.store.remove("leaf_sent", leaf.cid, t.subject, t.queue);
    }
    this.host.markDirty(leaf);
  }
}
