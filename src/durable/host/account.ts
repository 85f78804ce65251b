// An account's share of a host. Accounts are isolated the way nats-server
// isolates them: each has its own sublist, so a message published in one can
// only match subscriptions of the same account. Between shards, the account is
// the first token of every subject the cluster handles (`<account>.<subject>`),
// so it is part of every shard key and directory entry; routed records carry it
// as a field of their own, as nats-server's RMSG does.

import type { Mappings } from "../../protocol/mappings.js";
import { clusterSubject } from "../../protocol/shardkey.js";
import { SubjectTrie, type Subscription } from "../../protocol/sublist.js";

export { GLOBAL_ACCOUNT } from "../../protocol/account.js";

const encoder = new TextEncoder();

/**
 * `S` is what the account's sublist holds: a host's connections' subscriptions.
 * The account knows nothing else of them, nor of connections, which live in it.
 */
export class AccountSpace<S extends Subscription> {
  readonly sublist = new SubjectTrie<S>();
  /** `<account>.`, put before a subject when the cluster handles it. */
  readonly prefix: string;
  /** The name as routed records carry it. */
  readonly nameBytes: Uint8Array;

  /** The account's subject mappings, applied to what its connections publish; null without. */
  constructor(
    readonly name: string,
    readonly mappings: Mappings | null = null,
  ) {
    this.prefix = clusterSubject(name, "");
    this.nameBytes = encoder.encode(name);
  }

  /** The subject as the cluster knows it. */
  qualify(subject: string): string {
    return this.prefix + subject;
  }
}
