// Connection ids that are never reused by an object, also across restarts: a
// counter in `meta`. They are reserved in blocks, one storage write per BLOCK
// connections instead of one per connection: a write holds back the event's
// output until it is durable (the output gate), which would delay every
// connection's INFO.

import type { Meta } from "../meta.js";

const BLOCK = 1024;

export class ConnectionIds {
  private next = 0;
  private end = 0;

  constructor(private readonly meta: Meta) {}

  /** An id this object never handed out before. */
  take(): number {
    if (this.next === this.end) {
      // Start after the last block reserved by any earlier instance; its unused ids are skipped.
      const reserved = this.end === 0 ? this.meta.get("cid") : this.end;
      this.next = reserved;
      this.end = reserved + BLOCK;
      this.meta.set("cid", this.end);
    }
    return ++this.next;
  }
}
