// The host's subscriptions as they survive hibernation and restarts (the `subs`
// table): written on SUB and UNSUB and, for auto-unsubscribing subscriptions
// only, on each delivery, so a restarted object knows what was delivered.

export interface StoredSub {
  cid: number;
  sid: string;
  subject: string;
  queue: string | null;
  max: number;
  delivered: number;
}

export class StoredSubs {
  constructor(private readonly sql: SqlStorage) {}

  add(s: StoredSub): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO subs (cid, sid, subject, queue, max, delivered) VALUES (?, ?, ?, ?, ?, ?)`,
      s.cid, s.sid, s.subject, s.queue, s.max, s.delivered,
    );
  }

  update(cid: number, sid: string, max: number, delivered: number): void {
    this.sql.exec(`UPDATE subs SET max = ?, delivered = ? WHERE cid = ? AND sid = ?`, max, delivered, cid, sid);
  }

  remove(cid: number, sid: string): void {
    this.sql.exec(`DELETE FROM subs WHERE cid = ? AND sid = ?`, cid, sid);
  }

  /** Every stored subscription, for rebuilding the connections after a wake. */
  all(): StoredSub[] {
    return this.sql.exec<Record<string, SqlStorageValue>>(`SELECT cid, sid, subject, queue, max, delivered FROM subs`)
      .toArray()
      .map((r) => ({
        cid: r.cid as number,
        sid: r.sid as string,
        subject: r.subject as string,
        queue: (r.queue as string | null) ?? null,
        max: r.max as number,
        delivered: r.delivered as number,
      }));
  }

  /** The connections that have subscriptions stored. */
  cids(): number[] {
    return this.sql.exec<{ cid: number }>(`SELECT DISTINCT cid FROM subs`).toArray().map((r) => r.cid);
  }

  /** The connection is gone. */
  forget(cid: number): void {
    this.sql.exec(`DELETE FROM subs WHERE cid = ?`, cid);
  }
}
