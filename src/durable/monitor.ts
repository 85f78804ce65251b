// What one shard tells the Worker's monitoring endpoints (src/worker/monitoring.ts):
// its totals, its connections, its subscriptions and its accounts, in the terms
// of nats-server's monitoring (server/monitor.go). Each shard answers for itself,
// already filtered, sorted and cut to what the requested page can use; the Worker
// merges the shards' answers with the same order.

import { matchesLiteral } from "../protocol/subject.js";
import type { SublistCounts } from "../protocol/sublist.js";
import type { Client, LocalSub } from "./client.js";
import type { Host } from "./host.js";

/** nats-server's connz sort options (server/monitor_sort_opts.go). */
export const CONN_SORTS = [
  "cid", "start", "subs", "pending", "msgs_to", "msgs_from", "bytes_to", "bytes_from",
  "last", "idle", "uptime", "stop", "reason", "rtt",
] as const;
export type ConnSort = (typeof CONN_SORTS)[number];

export type ConnState = "open" | "closed" | "all";

/**
 * Most subscriptions a closed connection's record keeps. nats-server keeps them
 * all; an object has 128 MB, and 10,000 records of this size stay within a few.
 */
export const CLOSED_SUBS_KEPT = 16;

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
  /** Filled only when asked for (and for closed connections, at most CLOSED_SUBS_KEPT). */
  subs: SubRecord[] | null;
}

/** A shard's part of /varz, with the names the dashboard reads. */
export interface ShardStats {
  shard: number;
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
  counts: SublistCounts;
}

export type MonitorQuery =
  | { kind: "varz" }
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
  | { kind: "accountz"; accounts: AccountRecord[] };

export function monitor(host: Host, query: MonitorQuery): MonitorReport {
  switch (query.kind) {
    case "varz":
      return { kind: "varz", start: host.totals.start, stats: shardStats(host) };
    case "connz":
      return connz(host, query);
    case "subsz":
      return subsz(host, query);
    case "accountz":
      return { kind: "accountz", accounts: accounts(host) };
  }
}

function shardStats(host: Host): ShardStats {
  return {
    shard: host.index,
    connections: host.connections,
    total_connections: host.totalConnections,
    subscriptions: host.subscriptions,
    in_msgs: host.inMsgs,
    out_msgs: host.outMsgs,
    in_bytes: host.inBytes,
    out_bytes: host.outBytes,
    slow_consumers: host.slowConsumers,
  };
}

/** A connection as /connz shows it; its subscriptions only when asked for. */
export function connRecord(client: Client, withSubs: boolean, subsKept = Infinity): ConnRecord {
  const id = client.identity;
  return {
    cid: client.cid,
    type: typeof WebSocket !== "undefined" && client.ws instanceof WebSocket ? "websocket" : "",
    ip: client.ip,
    start: client.start,
    last: client.lastActivity,
    stop: 0,
    reason: "",
    pending: client.pending(),
    inMsgs: client.inMsgs,
    outMsgs: client.outMsgs,
    inBytes: client.inBytes,
    outBytes: client.outBytes,
    subscriptions: client.subs.size,
    name: client.opts.name,
    lang: client.opts.lang,
    version: client.opts.version,
    user: id?.user ?? "",
    account: client.space.name,
    subs: withSubs ? subRecords(client.subs.values(), subsKept) : null,
  };
}

function subRecords(subs: Iterable<LocalSub>, most: number): SubRecord[] {
  const out: SubRecord[] = [];
  for (const sub of subs) {
    if (out.length >= most) break;
    out.push(subRecord(sub));
  }
  return out;
}

function subRecord(sub: LocalSub): SubRecord {
  return {
    account: sub.client.space.name,
    subject: sub.subject,
    queue: sub.queue,
    sid: sub.sid,
    msgs: sub.delivered,
    max: sub.max,
    cid: sub.client.cid,
  };
}

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

function connz(host: Host, q: Extract<MonitorQuery, { kind: "connz" }>): MonitorReport {
  const wanted = (c: { cid: number; user: string; account: string }) =>
    (q.cid === 0 || c.cid === q.cid) && (q.user === "" || c.user === q.user) && (q.account === "" || c.account === q.account);
  const found: ConnRecord[] = [];
  const open: Client[] = [];
  if (q.state !== "closed") {
    for (const client of host.openClients()) {
      if (wanted({ cid: client.cid, user: client.identity?.user ?? "", account: client.space.name })) open.push(client);
    }
    for (const client of open) found.push(connRecord(client, false));
  }
  if (q.state !== "open") for (const c of host.closedConnections.records()) if (wanted(c)) found.push(c);
  found.sort(compareConns(q.sort, q.now));
  const page = found.slice(0, q.take);
  // Subscriptions are listed for the page only; a closed connection's were kept when it closed.
  const byCid = new Map(open.map((c) => [c.cid, c]));
  for (let i = 0; i < page.length; i++) {
    const r = page[i];
    if (!q.subs) {
      if (r.subs !== null) page[i] = { ...r, subs: null };
    } else if (r.stop === 0) r.subs = subRecords(byCid.get(r.cid)!.subs.values(), Infinity);
  }
  return { kind: "connz", total: found.length, conns: page };
}

/** Ascending by cid, then sid, so pages cut from several shards fit together. */
export function compareSubs(a: SubRecord, b: SubRecord): number {
  if (a.cid !== b.cid) return a.cid - b.cid;
  return a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0;
}

function subsz(host: Host, q: Extract<MonitorQuery, { kind: "subsz" }>): MonitorReport {
  const counts = emptyCounts();
  for (const space of host.accountSpaces()) {
    if (q.account !== "" && space.name !== q.account) continue;
    addCounts(counts, space.sublist.counts());
  }
  const subs: SubRecord[] = [];
  if (q.list) {
    for (const client of host.openClients()) {
      if (q.account !== "" && client.space.name !== q.account) continue;
      for (const sub of client.subs.values()) {
        if (q.test === "" || matchesLiteral(q.test, sub.subject)) subs.push(subRecord(sub));
      }
    }
    subs.sort(compareSubs);
  }
  return { kind: "subsz", counts, total: subs.length, subs: subs.slice(0, q.take) };
}

function accounts(host: Host): AccountRecord[] {
  const connections = new Map<string, number>();
  for (const client of host.openClients()) connections.set(client.space.name, (connections.get(client.space.name) ?? 0) + 1);
  const out: AccountRecord[] = [];
  for (const space of host.accountSpaces()) {
    const n = connections.get(space.name) ?? 0;
    const counts = space.sublist.counts();
    if (n > 0 || counts.subscriptions > 0) out.push({ name: space.name, connections: n, counts });
  }
  return out;
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
