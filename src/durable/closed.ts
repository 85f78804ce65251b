// The connections a host closed most recently, for /connz?state=closed, as
// nats-server keeps them (its max_closed_clients ring, 10,000 by default). Kept
// in memory only: an evicted object forgets them, as a restarted server does.

import type { Client } from "./client.js";
import { CLOSED_SUBS_KEPT, connRecord, type ConnRecord } from "./monitor.js";

/** nats-server's DEFAULT_MAX_CLOSED_CLIENTS, shared out over the shards. */
export const MAX_CLOSED_CLIENTS = 10_000;

export class ClosedConnections {
  private readonly ring: ConnRecord[] = [];
  /** Where the next record goes once the ring is full. */
  private next = 0;

  constructor(private readonly capacity: number) {}

  /** Remembers a connection that just closed; the oldest record makes room. */
  add(client: Client, now: number): void {
    const record = connRecord(client, true, CLOSED_SUBS_KEPT);
    record.stop = now;
    // Closed by the peer unless the server said why (nats-server's ClientClosed).
    record.reason = client.closeReason || "Client Closed";
    record.pending = 0;
    if (this.ring.length < this.capacity) {
      this.ring.push(record);
      return;
    }
    this.ring[this.next] = record;
    this.next = (this.next + 1) % this.capacity;
  }

  records(): readonly ConnRecord[] {
    return this.ring;
  }
}
