// A shard's running totals, as nats-server's /varz counts them, kept across
// evictions. workerd evicts an idle object from memory (hibernation) and may
// restart it at any time; counters that started again from zero would go
// backwards, which monitoring tools (Prometheus' rate(), nats-top) read as a
// server restart. So the totals are written to storage as one row (`records`,
// key "totals"), at most once a second while they change, and read back when
// the object starts.

import type { Meta } from "../meta.js";

const NAMES = ["inMsgs", "outMsgs", "inBytes", "outBytes", "slowConsumers", "totalConnections"] as const;

type Counts = Record<(typeof NAMES)[number], number>;

/**
 * How long a change may stay unsaved. Saving once a second costs at most one
 * row write per second, and what an eviction without warning (a crash, a
 * deploy) can lose is the last second.
 */
const SAVE_DELAY_MS = 1000;

/** The host counts on the fields; changed() after each turn keeps the saved row close behind. */
export class Totals implements Counts {
  inMsgs = 0;
  outMsgs = 0;
  inBytes = 0;
  outBytes = 0;
  slowConsumers = 0;
  /** Connections ever accepted. */
  totalConnections = 0;
  /** When this object first started, ever (ms since the epoch): the shard's varz `start`. */
  readonly start: number;
  private readonly saved = {} as Counts;
  private savedAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly sql: SqlStorage,
    meta: Meta,
  ) {
    const row = sql.exec<{ json: string }>(`SELECT json FROM records WHERE key = 'totals'`).toArray()[0];
    const kept = row === undefined ? {} : (JSON.parse(row.json) as Partial<Counts>);
    for (const name of NAMES) this[name] = this.saved[name] = kept[name] ?? 0;
    let start = meta.get("start");
    if (start === 0) meta.set("start", (start = Date.now()));
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
    const saved = this.saved;
    // Every total only grows, so an unchanged sum means nothing changed.
    if (this.inMsgs + this.outMsgs + this.slowConsumers + this.totalConnections === saved.inMsgs + saved.outMsgs + saved.slowConsumers + saved.totalConnections) {
      return;
    }
    const wait = Math.max(0, this.savedAt + SAVE_DELAY_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.save();
    }, wait);
  }

  /** Writes the totals, one row. */
  private save(): void {
    for (const name of NAMES) this.saved[name] = this[name];
    this.sql.exec(
      `INSERT INTO records (key, json) VALUES ('totals', ?) ON CONFLICT (key) DO UPDATE SET json = excluded.json`,
      JSON.stringify(this.saved),
    );
    this.savedAt = Date.now();
  }
}
