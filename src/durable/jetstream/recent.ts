// The newest messages of a stream, kept in memory as they are stored, as nats-server's
// file store keeps its last block cached: consumers that follow the stream, and a
// consumer catching up on what was just written, read them without a query.
//
// What is kept is a run of consecutive sequences ending at the stream's last; a
// message removed from the stream is removed here too (a hole), so a sequence inside
// the run is answered from memory alone: present, or gone.

import type { StoredMessage } from "./stream-store.js";

/**
 * At most this many sequences in the run, holes included: the bytes cap alone would let a
 * run grow without end when the newest messages keep replacing older ones (a key-value
 * bucket's puts), since a hole costs no bytes.
 */
const MAX_RUN = 1 << 16;

export class RecentMessages {
  private msgs: (StoredMessage | null)[] = [];
  private head = 0;
  /** The sequence of msgs[head]. */
  private first = 0;
  private bytes = 0;

  /** The sequence kept first; 0 when nothing is kept. */
  get firstSeq(): number {
    return this.head < this.msgs.length ? this.first : 0;
  }

  /** `m` was stored after the last kept (else what was kept no longer runs up to it). At most `cap` bytes stay. */
  add(m: StoredMessage, cap: number): void {
    if (this.head < this.msgs.length && m.seq !== this.first + this.msgs.length - this.head) this.clear();
    if (this.head === this.msgs.length) this.first = m.seq;
    this.msgs.push(m);
    this.bytes += m.size;
    while ((this.bytes > cap || this.msgs.length - this.head > MAX_RUN) && this.head < this.msgs.length) this.dropFirst();
    // The array is shifted in one copy once half of it is gone.
    if (this.head > 1024 && this.head * 2 > this.msgs.length) {
      this.msgs = this.msgs.slice(this.head);
      this.head = 0;
    }
  }

  /** Whether `seq` is within what is kept, so that get() answers for it. */
  covers(seq: number): boolean {
    return this.head < this.msgs.length && seq >= this.first && seq < this.first + this.msgs.length - this.head;
  }

  /** The message of `seq` (see covers()); null when it was removed. */
  get(seq: number): StoredMessage | null {
    return this.msgs[this.head + seq - this.first] ?? null;
  }

  /** Up to `limit` kept messages from `seq` on for which `wanted` holds; `seq` must be covered or after the last. */
  from(seq: number, limit: number, wanted: (m: StoredMessage) => boolean): StoredMessage[] {
    const out: StoredMessage[] = [];
    const msgs = this.msgs;
    for (let i = this.head + Math.max(0, seq - this.first); i < msgs.length && out.length < limit; i++) {
      const m = msgs[i];
      if (m !== null && wanted(m)) out.push(m);
    }
    return out;
  }

  /**
   * The sequence of the first message kept at or after `seq`: 0 when none is, from there to the
   * end of the run; -1 when `seq` is not within what is kept, so memory cannot tell.
   */
  firstFrom(seq: number): number {
    if (!this.covers(seq)) return -1;
    const msgs = this.msgs;
    for (let i = this.head + seq - this.first; i < msgs.length; i++) {
      const m = msgs[i];
      if (m !== null) return m.seq;
    }
    return 0;
  }

  /** The message of `seq` was removed from the stream. */
  removed(seq: number): void {
    if (!this.covers(seq)) return;
    const i = this.head + seq - this.first;
    const m = this.msgs[i];
    if (m === null) return;
    this.bytes -= m.size;
    this.msgs[i] = null;
  }

  /** Messages below `seq` were removed from the stream. */
  removedBelow(seq: number): void {
    while (this.head < this.msgs.length && this.first < seq) this.dropFirst();
  }

  clear(): void {
    this.msgs = [];
    this.head = 0;
    this.bytes = 0;
  }

  private dropFirst(): void {
    const m = this.msgs[this.head];
    if (m !== null) this.bytes -= m.size;
    this.msgs[this.head++] = null;
    this.first++;
    if (this.head === this.msgs.length) this.clear();
  }
}
