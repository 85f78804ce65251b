// A connection and its subscriptions as monitoring describes them (nats-server's
// ConnInfo and SubDetail before they are formatted), taken from a host's live
// connection: for /connz and /subsz, and for the record kept when it closes.

import type { Client, LocalSub } from "../host/client.js";
import type { ConnRecord, SubRecord } from "./report.js";

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

export function subRecords(subs: Iterable<LocalSub>, most: number): SubRecord[] {
  const out: SubRecord[] = [];
  for (const sub of subs) {
    if (out.length >= most) break;
    out.push(subRecord(sub));
  }
  return out;
}

export function subRecord(sub: LocalSub): SubRecord {
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

