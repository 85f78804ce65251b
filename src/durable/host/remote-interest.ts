// The other hosts, as delivery sees them: what interest they have in a subject
// (hosts with plain subscribers, queue groups with members there and their weights),
// and a way to hand them records. cluster/ implements it; a single shard has none.

import type { Message } from "../../protocol/message.js";
import type { QueueNames } from "../../protocol/route.js";
import type { AccountSpace } from "./account.js";
import type { LocalSub } from "./client.js";

/** Remote interest in one subject: what the other hosts want of a message published to it. */
export interface RemoteInterest {
  /** Hosts with plain subscribers, each once. */
  readonly hosts: readonly number[];
  /** Queue groups with members on other hosts. */
  readonly groups: readonly RemoteGroup[];
}

export interface RemoteGroup {
  readonly name: string;
  /** The name as route records carry it. */
  readonly nameBytes: Uint8Array;
  /** The hosts with members, and how many each has (nats-server's queue weight); those in this host's region first. */
  readonly hosts: readonly number[];
  readonly weights: readonly number[];
  /** The sum of the weights. */
  readonly total: number;
  /** The sum of the weights of the hosts in this host's region (all of them without REGIONS). */
  readonly near: number;
  /** The group's members on leafnodes of those hosts: taken only when the group has no other member. */
  readonly leaf: boolean;
}

/** Nobody elsewhere: the only interest a single shard has. Never changed (not frozen: it keeps the shape of the others). */
export const NO_REMOTE: RemoteInterest = { hosts: [], groups: [] };

/**
 * The other hosts, as delivery sees them (cluster/cluster.ts): the interest they
 * have registered, and a way to hand them records.
 */
export interface Routes {
  /**
   * Remote interest in `subject` of `space`: at once when it is known, else a
   * promise (the owner of its key is being asked), resolving to undefined when
   * the owner could not be reached.
   */
  interest(space: AccountSpace<LocalSub>, subject: string): RemoteInterest | Promise<RemoteInterest | undefined>;
  /** The host a request for this reply subject came from, if it came from another; -1 else. */
  requester(space: AccountSpace<LocalSub>, subject: string): number;
  /** One record for `host`, naming the groups it must pick a member of. */
  route(host: number, space: AccountSpace<LocalSub>, msg: Message, queues: QueueNames, receipt: number): void;
  /** A message went only to local subscribers: the owner of its key could not be reached. */
  dropped(): void;
}
