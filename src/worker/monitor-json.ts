// nats-server's monitoring JSON (server/monitor.go: ConnInfo, SubDetail,
// SublistStats), made from the shards' records: its field names, its
// `omitempty` fields left out when empty, its time and duration formats.

import type { ConnRecord, SubRecord } from "../durable/monitor/report.js";
import type { SublistCounts } from "../protocol/sublist.js";

/** RFC 3339, as Go's time.Time marshals (in UTC, to the millisecond here). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** nats-server's myUptime: "1y2d3h4m5s", leading zero units left out. */
export function uptime(ms: number): string {
  const secs = Math.max(0, Math.floor(ms / 1000));
  const mins = Math.floor(secs / 60);
  const hours = Math.floor(mins / 60);
  const days = Math.floor(hours / 24);
  const years = Math.floor(days / 365);
  if (years > 0) return `${years}y${days % 365}d${hours % 24}h${mins % 60}m${secs % 60}s`;
  if (days > 0) return `${days}d${hours % 24}h${mins % 60}m${secs % 60}s`;
  if (hours > 0) return `${hours}h${mins % 60}m${secs % 60}s`;
  if (mins > 0) return `${mins}m${secs % 60}s`;
  return `${secs}s`;
}

/** Go's time.Duration marshals as whole nanoseconds. */
export function durationNs(ms: number): number {
  return ms * 1_000_000;
}

/** SubDetail. Under a connection nats-server leaves the account out (newClientSubDetail). */
export function subDetail(s: SubRecord, withAccount: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (withAccount) out.account = s.account;
  out.subject = s.subject;
  if (s.queue !== null) out.qgroup = s.queue;
  out.sid = s.sid;
  out.msgs = s.msgs;
  if (s.max > 0) out.max = s.max;
  out.cid = s.cid;
  return out;
}

export interface ConnInfoOptions {
  now: number;
  subs: "" | "list" | "detail";
  /** `auth=1`: the user and (outside the global account) the account. */
  auth: boolean;
  globalAccount: string;
}

/** ConnInfo, in nats-server's field order. */
export function connInfo(r: ConnRecord, o: ConnInfoOptions): Record<string, unknown> {
  // A closed connection's uptime and idle time end when it closed.
  const end = r.stop || o.now;
  const out: Record<string, unknown> = { cid: r.cid, kind: "Client" };
  if (r.type !== "") out.type = r.type;
  out.ip = r.ip;
  out.port = 0;
  out.start = rfc3339(r.start);
  out.last_activity = rfc3339(r.last);
  if (r.stop !== 0) {
    out.stop = rfc3339(r.stop);
    out.reason = r.reason;
  }
  out.uptime = uptime(end - r.start);
  out.idle = uptime(end - r.last);
  out.pending_bytes = r.pending;
  out.in_msgs = r.inMsgs;
  out.out_msgs = r.outMsgs;
  out.in_bytes = r.inBytes;
  out.out_bytes = r.outBytes;
  out.subscriptions = r.subscriptions;
  if (r.name !== "") out.name = r.name;
  if (r.lang !== "") out.lang = r.lang;
  if (r.version !== "") out.version = r.version;
  if (o.auth) {
    if (r.user !== "") out.authorized_user = r.user;
    if (r.account !== o.globalAccount) out.account = r.account;
  }
  const subs = r.subs ?? [];
  if (subs.length > 0 && o.subs === "detail") out.subscriptions_list_detail = subs.map((s) => subDetail(s, false));
  else if (subs.length > 0 && o.subs === "list") out.subscriptions_list = subs.map((s) => s.subject);
  return out;
}

/** SublistStats: rates and averages taken over the sums of every shard's sublists. */
export function sublistStats(c: SublistCounts): Record<string, number> {
  return {
    num_subscriptions: c.subscriptions,
    num_cache: c.cached,
    num_inserts: c.inserts,
    num_removes: c.removes,
    num_matches: c.matches,
    cache_hit_rate: c.matches > 0 ? c.cacheHits / c.matches : 0,
    max_fanout: c.maxFanout,
    avg_fanout: c.cached > 0 ? c.totalFanout / c.cached : 0,
  };
}
