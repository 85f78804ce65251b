// The vocabulary between a shard and the Worker's monitoring endpoints
// (src/worker/monitoring.ts): what the Worker asks every shard, what each
// answers, in the terms of nats-server's monitoring (server/monitor.go), and the
// orders and sums both sides use, so that pages cut from several shards fit
// together when the Worker merges them.

import type { SublistCounts } from "../../protocol/sublist.js";
import type { RemoteStatus } from "../leaf/remotes.js";

/** nats-server's connz sort options (server/monitor_sort_opts.go). */
export const CONN_SORTS = [
  "cid", "start", "subs", "pending", "msgs_to", "msgs_from", "bytes_to", "bytes_from",
  "last", "idle", "uptime", "stop", "reason", "rtt",
] as const;
export type ConnSort = (typeof CONN_SORTS)[number];

export type ConnState = "open" | "closed" | "all";

/** One subscription, with nats-server's SubDetail fields. */
export interface SubRecord {
  account: string;
  subject: string;
  queue: string | null;
  sid: string;
  /** Messages delivered to it. */
  msgs: number;
  /** Auto-unsubscribe maximum; 0 for none. */
  max: number;
  cid: number;
}

/** One connection, open or closed: nats-server's ConnInfo before it is formatted. */
export interface ConnRecord {
  cid: number;
  /** "websocket", or "" for a connection that did not come over a WebSocket. */
  type: string;
  ip: string;
  /** ms since the epoch. */
  start: number;
  last: number;
  /** 0 while open. */
  stop: number;
  reason: string;
  pending: number;
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  subscriptions: number;
  name: string;
  lang: string;
  version: string;
  user: string;
  account: string;
  /** Filled only when asked for (and for closed connections, at most closed.ts' CLOSED_SUBS_KEPT). */
  subs: SubRecord[] | null;
}

/** A shard's part of /varz, with the names the dashboard reads. */
export interface ShardStats {
  shard: number;
  /** Leafnode connections (not among `connections`, as in nats-server's varz). */
  leafnodes: number;
  connections: number;
  total_connections: number;
  subscriptions: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  slow_consumers: number;
}

export interface AccountRecord {
  name: string;
  connections: number;
  leafnodes: number;
  counts: SublistCounts;
}

/** One leafnode connection, with nats-server's LeafInfo fields (server/monitor.go). */
export interface LeafRecord {
  id: number;
  name: string;
  /** True on a link nats-edge dialed (it is the leaf there); false for a leaf that dialed nats-edge. */
  is_spoke: boolean;
  account: string;
  ip: string;
  port: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  /** The interest the leaf was told of (nats-server's leaf smap). */
  subscriptions: number;
  subscriptions_list?: string[];
}

export type MonitorQuery =
  | { kind: "varz" }
  | { kind: "leafz"; account: string; subs: boolean }
  | {
      kind: "connz";
      sort: ConnSort;
      state: ConnState;
      /** 0 for any. */
      cid: number;
      /** "" for any. */
      user: string;
      account: string;
      subs: boolean;
      /** How many of the first connections in sort order to return: the page's offset + limit. */
      take: number;
      /** The moment uptimes and idle times are taken at, the same for every shard. */
      now: number;
    }
  | {
      kind: "subsz";
      /** "" for every account. */
      account: string;
      /** A literal subject the listed subscriptions must match; "" for any. */
      test: string;
      list: boolean;
      take: number;
    }
  | { kind: "accountz" };

export type MonitorReport =
  | { kind: "varz"; start: number; stats: ShardStats }
  | { kind: "connz"; total: number; conns: ConnRecord[] }
  | { kind: "subsz"; counts: SublistCounts; total: number; subs: SubRecord[] }
  | { kind: "accountz"; accounts: AccountRecord[] }
  | { kind: "leafz"; leafs: LeafRecord[]; remotes: RemoteStatus[] };

/**
 * nats-server's order for each sort option (server/monitor.go Connz) as a key to
 * sort ascending by: ascending by cid (and start, which follows it), reason and
 * uptime, descending by the rest.
 */
const SORT_KEYS: Record<ConnSort, (c: ConnRecord, now: number) => number | string> = {
  cid: () => 0,
  start: () => 0,
  subs: (c) => -c.subscriptions,
  pending: (c) => -c.pending,
  msgs_to: (c) => -c.outMsgs,
  msgs_from: (c) => -c.inMsgs,
  bytes_to: (c) => -c.outBytes,
  bytes_from: (c) => -c.inBytes,
  last: (c) => -c.last,
  // Most idle first: the oldest activity.
  idle: (c) => c.last,
  uptime: (c, now) => (c.stop || now) - c.start,
  stop: (c) => -c.stop,
  reason: (c) => c.reason,
  // No round-trip time is measured: every connection ties.
  rtt: () => 0,
};

/** Ties go by cid, so pages cut from several shards fit together. */
export function compareConns(sort: ConnSort, now: number): (a: ConnRecord, b: ConnRecord) => number {
  const key = SORT_KEYS[sort];
  return (a, b) => {
    const ka = key(a, now);
    const kb = key(b, now);
    if (ka !== kb) return ka < kb ? -1 : 1;
    return a.cid - b.cid;
  };
}

/** Ascending by cid, then sid, so pages cut from several shards fit together. */
export function compareSubs(a: SubRecord, b: SubRecord): number {
  if (a.cid !== b.cid) return a.cid - b.cid;
  return a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0;
}

export function emptyCounts(): SublistCounts {
  return { subscriptions: 0, cached: 0, inserts: 0, removes: 0, matches: 0, cacheHits: 0, maxFanout: 0, totalFanout: 0 };
}

/** Sums sublists as nats-server's SublistStats.add does: counts add up, the largest fan-out wins. */
export function addCounts(into: SublistCounts, c: SublistCounts): void {
  into.subscriptions += c.subscriptions;
  into.cached += c.cached;
  into.inserts += c.inserts;
  into.removes += c.removes;
  into.matches += c.matches;
  into.cacheHits += c.cacheHits;
  into.totalFanout += c.totalFanout;
  if (c.maxFanout > into.maxFanout) into.maxFanout = c.maxFanout;
}
