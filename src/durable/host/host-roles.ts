// What the host (host.ts) is wired to in its shard, and what it is told of a new
// connection: the server it belongs to, the upgrade a connection came in by, the alarm,
// the cluster, the leafnodes and the log of closed connections. The Shard fills each in.

import type { Credentials } from "../../protocol/auth.js";
import type { Attachment } from "./attachment.js";
import type { Client, LocalSub } from "./client.js";
import type { Routes } from "./remote-interest.js";
import type { Host } from "./host.js";
import type { Transport } from "./transport.js";

export interface ServerIdentity {
  readonly id: string;
  readonly name: string;
  /** This shard's number. */
  readonly index: number;
}

/** How a connection reached us, as the Worker saw the upgrade request. */
export interface Upgrade {
  readonly ip: string;
  readonly host: string;
  readonly port: number;
  /** Credentials from the cookies the `websocket` block names; null when none. */
  readonly cookies: Credentials | null;
}

/** When the host next needs to act on its own (keepalives, expiring credentials). */
export interface Alarm {
  /** Asks to be woken (Host.tick) no later than `at`, ms since the epoch. */
  wakeBy(at: number): void;
}

/**
 * The rest of the cluster, as the host sees it (cluster/cluster.ts), when there
 * is more than one shard: the other hosts' interest and routes to them, for
 * delivery; and what it must hear of the interest of this host's clients.
 */
export interface ClusterLink extends Routes {
  /** A subscription appeared (+1) or went (-1); `client` waits (its next PONG) until owners know. */
  subscriptionChanged(sub: LocalSub, delta: 1 | -1, client: Client | null): void;
  /** A subscription rebuilt after a restart: owners kept it. */
  restored(sub: LocalSub): void;
  /** Sends what this turn routed and registered. */
  flushRoutes(): void;
}

/**
 * Leafnode connections (leaf/leafnodes.ts): they are made and restored there, and
 * hear of every change of interest in their account.
 */
export interface LeafnodeHooks {
  /** A leafnode connection for an upgrade on /leafnode, greeted with its INFO. */
  make(host: Host, ws: Transport, cid: number, via: Upgrade): Client;
  /** A leafnode connection rebuilt after a restart, from its attachment. */
  restore(host: Host, ws: Transport, a: Attachment): Client;
  /** A subscription of this host appeared (+1) or went (-1). */
  changed(sub: LocalSub, delta: 1 | -1): void;
  /** A leafnode connection ended (its subscriptions were dropped just before). */
  closed(client: Client): void;
  /** The host rebuilt its connections: `live` are the leafnode connections' ids. True when some that had interest are gone. */
  restored(live: ReadonlySet<number>): boolean;
}

/**
 * Where the host leaves a record of each connection that ends, while its
 * subscriptions are still there to be listed (monitoring's /connz?state=closed).
 */
export interface ClosedLog {
  add(client: Client, at: number): void;
}
