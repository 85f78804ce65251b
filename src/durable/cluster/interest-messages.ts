// What hosts and owners tell each other about interest: a host's changes
// (register, resync), an owner's answer to a watch, and its pushes to watchers.
// Like nats-server's route interest (RS+/RS-), with queue-group weights.

/** One host's interest in a subject (pattern), as the owner records it. */
export interface InterestEntry {
  readonly subject: string;
  /** "" for plain subscriptions. */
  readonly queue: string;
  readonly host: number;
  /** Plain: 1. Queue: the host's member count, so choices are weighted by members. */
  readonly weight: number;
}

/** A change of one host's interest; weight 0 removes it. */
export interface InterestChange {
  readonly subject: string;
  readonly queue: string;
  readonly weight: number;
}

/** What a watcher learns: the changes since `seq`, each for a key or (key "") for every key. */
export interface InterestPush {
  readonly owner: number;
  readonly seq: number;
  readonly changes: readonly (InterestEntry & { readonly key: string })[];
}

export interface InterestSnapshot {
  readonly seq: number;
  readonly entries: readonly InterestEntry[];
}

/**
 * The key a host watches to hear of all of an account's interest, for its
 * leafnodes: a space, which no subject key holds, then the account.
 */
export function accountWatchKey(account: string): string {
  return ` ${account}`;
}

/** The account-watch key a cluster subject (`<account>.<subject>`) belongs to. */
export function accountWatchKeyOf(subject: string): string {
  return ` ${subject.slice(0, subject.indexOf("."))}`;
}

/**
 * A leafnode's queue members are registered apart, under the group's name with this
 * suffix (a space, which no queue name holds): a publisher elsewhere gives a message
 * to them only when the group has no other member, as nats-server prefers the
 * members of its own cluster to a leafnode's.
 */
export const LEAF_MEMBERS = " leaf";
