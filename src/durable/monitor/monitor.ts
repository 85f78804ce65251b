// What one shard tells the Worker's monitoring endpoints (src/worker/monitoring.ts):
// its totals, its connections, its subscriptions and its accounts, in the terms
// of nats-server's monitoring (server/monitor.go). Each shard answers for itself,
// already filtered, sorted and cut to what the requested page can use; the Worker
// merges the shards' answers with the same order (report.ts).

import { matchesLiteral } from "../../protocol/subject.js";
import type { Client } from "../host/client.js";
import type { Host } from "../host/host.js";
import { LeafConnection } from "../leaf/leaf-connection.js";
import type { Remotes } from "../leaf/remotes.js";
import type { ClosedConnections } from "./closed.js";
import { connRecord, subRecord, subRecords } from "./records.js";
import { addCounts, compareConns, compareSubs, emptyCounts, type AccountRecord, type ConnRecord, type LeafRecord, type MonitorQuery, type MonitorReport, type ShardStats, type SubRecord } from "./report.js";

export function monitor(host: Host, closed: ClosedConnections, query: MonitorQuery, remotes: Remotes): MonitorReport {
  switch (query.kind) {
    case "varz":
      return { kind: "varz", start: host.totals.start, stats: shardStats(host) };
    case "connz":
      return connz(host, closed, query);
    case "subsz":
      return subsz(host, query);
    case "accountz":
      return { kind: "accountz", accounts: accounts(host) };
    case "leafz":
      return { kind: "leafz", leafs: leafz(host, query), remotes: remotes.status() };
  }
}

function leafz(host: Host, q: Extract<MonitorQuery, { kind: "leafz" }>): LeafRecord[] {
  const out: LeafRecord[] = [];
  for (const c of host.openClients()) {
    if (!(c instanceof LeafConnection) || c.peer === null) continue;
    if (q.account !== "" && c.space.name !== q.account) continue;
    const r: LeafRecord = {
      id: c.cid,
      name: c.peer.name,
      // The side that dialed is the spoke: nats-edge, on the links it dialed.
      is_spoke: c.solicited !== null,
      account: c.space.name,
      ip: c.ip,
      // The Worker sees a leaf's address, not its port; a hub's is in the URL nats-edge dialed.
      port: c.solicited !== null ? Number(c.solicited.url.port || 0) : 0,
      in_msgs: c.inMsgs,
      out_msgs: c.outMsgs,
      in_bytes: c.inBytes,
      out_bytes: c.outBytes,
      subscriptions: c.sent.size,
    };
    if (q.subs) r.subscriptions_list = [...c.sent.keys()].sort();
    out.push(r);
  }
  return out;
}

function shardStats(host: Host): ShardStats {
  return {
    shard: host.index,
    connections: host.connections,
    leafnodes: host.leafConnections,
    total_connections: host.totals.totalConnections,
    subscriptions: host.subscriptions,
    in_msgs: host.totals.inMsgs,
    out_msgs: host.totals.outMsgs,
    in_bytes: host.totals.inBytes,
    out_bytes: host.totals.outBytes,
    slow_consumers: host.totals.slowConsumers,
  };
}

function connz(host: Host, closed: ClosedConnections, q: Extract<MonitorQuery, { kind: "connz" }>): MonitorReport {
  const wanted = (c: { cid: number; user: string; account: string }) =>
    (q.cid === 0 || c.cid === q.cid) && (q.user === "" || c.user === q.user) && (q.account === "" || c.account === q.account);
  const found: ConnRecord[] = [];
  const open: Client[] = [];
  if (q.state !== "closed") {
    for (const client of host.openClients()) {
      // Leafnodes are listed by /leafz, as nats-server lists them.
      if (client.isLeaf) continue;
      if (wanted({ cid: client.cid, user: client.identity?.user ?? "", account: client.space.name })) open.push(client);
    }
    for (const client of open) found.push(connRecord(client, false));
  }
  if (q.state !== "open") for (const c of closed.records()) if (wanted(c)) found.push(c);
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
  const leafnodes = new Map<string, number>();
  for (const client of host.openClients()) {
    const m = client.isLeaf ? leafnodes : connections;
    m.set(client.space.name, (m.get(client.space.name) ?? 0) + 1);
  }
  const out: AccountRecord[] = [];
  for (const space of host.accountSpaces()) {
    const n = connections.get(space.name) ?? 0;
    const l = leafnodes.get(space.name) ?? 0;
    const counts = space.sublist.counts();
    if (n > 0 || l > 0 || counts.subscriptions > 0) out.push({ name: space.name, connections: n, leafnodes: l, counts });
  }
  return out;
}

