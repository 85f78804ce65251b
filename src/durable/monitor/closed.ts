// The connections a host closed most recently, for /connz?state=closed, as
// nats-server keeps them (its max_closed_clients ring, 10,000 by default). Kept
// in memory only: an evicted object forgets them, as a restarted server does.
//
// An object has 128 MB in all, and a record holds the strings its connection
// chose (name, subjects of up to max_control_line each), so the records are
// also bounded by size: the oldest go first when either bound is passed.

import type { Client } from "../host/client.js";
import type { ClosedLog } from "../host/host-roles.js";
import { connRecord } from "./records.js";
import type { ConnRecord } from "./report.js";

/** nats-server's DEFAULT_MAX_CLOSED_CLIENTS, shared out over the shards. */
const MAX_CLOSED_CLIENTS = 10_000;

/**
 * Most subscriptions a closed connection's record keeps. nats-server keeps them
 * all; an object has 128 MB, and 10,000 records of this size stay within a few.
 */
const CLOSED_SUBS_KEPT = 16;

/** What the records of one shard may hold, in characters of their strings plus a fixed cost each. */
const BUDGET = 4 * 1024 * 1024;
/** The fixed part of a record: its numbers and object headers. */
const RECORD_COST = 256;

export class ClosedConnections implements ClosedLog {
  /** Oldest first; `head` is where the live part starts (dropped records are cleared lazily). */
  private records_: ConnRecord[] = [];
  private sizes: number[] = [];
  private head = 0;
  private used = 0;

  private readonly capacity: number;

  /** `shards`: how many shards share nats-server's bound. */
  constructor(shards: number) {
    this.capacity = Math.ceil(MAX_CLOSED_CLIENTS / shards);
  }

  /** Remembers a connection that just closed; the oldest records make room. */
  add(client: Client, now: number): void {
    if (this.capacity <= 0) return;
    const record = connRecord(client, true, CLOSED_SUBS_KEPT);
    record.stop = now;
    // Closed by the peer unless the server said why (nats-server's ClientClosed).
    record.reason = client.closeReason || "Client Closed";
    record.pending = 0;
    const size = sizeOf(record);
    this.records_.push(record);
    this.sizes.push(size);
    this.used += size;
    while (this.records_.length - this.head > this.capacity || (this.used > BUDGET && this.records_.length - this.head > 1)) {
      this.used -= this.sizes[this.head];
      this.head++;
    }
    // Compact once the dropped part is as large as the live part: amortized O(1) per record.
    if (this.head > 0 && this.head * 2 >= this.records_.length) {
      this.records_ = this.records_.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  records(): readonly ConnRecord[] {
    return this.head === 0 ? this.records_ : this.records_.slice(this.head);
  }
}

function sizeOf(r: ConnRecord): number {
  let n = RECORD_COST + r.ip.length + r.reason.length + r.name.length + r.lang.length + r.version.length + r.user.length + r.account.length;
  for (const s of r.subs ?? []) n += 64 + s.subject.length + (s.queue?.length ?? 0) + s.sid.length;
  return n;
}
