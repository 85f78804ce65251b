// A shard's running totals, as nats-server's /varz counts them, kept across
// evictions. workerd evicts an idle object from memory (hibernation) and may
// restart it at any time; counters that started again from zero would go
// backwards, which monitoring tools (Prometheus' rate(), nats-top) read as a
// server restart. So the totals are written to storage as one row, at most once
// a second while they change, and read back when the object starts.

import type { Store } from "../store.js";

export interface Totals {
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  slowConsumers: number;
  /** Connections ever accepted. */
  totalConnections: number;
}

const NAMES = ["inMsgs", "outMsgs", "inBytes", "outBytes", "slowConsumers", "totalConnections"] as const;

/**
 * How long a change may stay unsaved. Saving once a second costs at most one
 * row write per second, and what an eviction without warning (a crash, a
 * deploy) can lose is the last second.
 */
const SAVE_DELAY_MS = 1000;

export class KeptTotals {
  /** When this object first started, ever (ms since the epoch): the shard's varz `start`. */
  readonly start: number;
  private readonly saved: Totals;
  private savedAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** Reads the saved totals into `live`, which the host then counts on. */
  constructor(
    private readonly store: Store,
    private readonly live: Totals,
  ) {
    const kept = store.record<Partial<Totals>>("totals") ?? {};
    const saved = {} as Totals;
    for (const name of NAMES) live[name] = saved[name] = kept[name] ?? 0;
    this.saved = saved;
    let start = store.meta("start");
    if (start === 0) store.setMeta("start", (start = Date.now()));
    this.start = start;
  }

  /**
   * Called after every turn of the event loop (Host.flush): when anything was
   * counted since the last save, the next save is scheduled, a second after the
   * last one at the latest. The save runs from a timer, which also keeps the
   * object awake until the last second before it idles is written.
   */
  changed(): void {
    if (this.timer !== null) return;
    const live = this.live;
    const saved = this.saved;
    // Every total only grows, so an unchanged sum means nothing changed.
    if (live.inMsgs + live.outMsgs + live.slowConsumers + live.totalConnections === saved.inMsgs + saved.outMsgs + saved.slowConsumers + saved.totalConnections) {
      return;
    }
    const wait = Math.max(0, this.savedAt + SAVE_DELAY_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.save();
    }, wait);
  }

  /** Writes the totals, one row. */
  save(): void {
    for (const name of NAMES) this.saved[name] = this.live[name];
    this.store.setRecord("totals", this.saved);
    this.savedAt = Date.now();
  }
}
