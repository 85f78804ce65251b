// Ops a client has sent only part of when its WebSocket message ended (ops may
// span messages at any byte), kept in the `partial` table one row per piece as
// it arrived, until the op completes: workerd may hibernate the object between
// the pieces. On wake the pieces are fed again to the connection's fresh parser,
// which puts it back where it was. The official clients write whole ops per
// message, so this costs them nothing.

export class PartialOps {
  constructor(private readonly sql: SqlStorage) {}

  /** Keeps one more piece; seq 1 starts a new op. */
  append(cid: number, seq: number, bytes: Uint8Array): void {
    this.sql.exec(`INSERT OR REPLACE INTO partial (cid, seq, bytes) VALUES (?, ?, ?)`, cid, seq, bytes);
  }

  /** The op completed, or the connection is gone. */
  clear(cid: number): void {
    this.sql.exec(`DELETE FROM partial WHERE cid = ?`, cid);
  }

  /** The stored pieces, in arrival order per connection. */
  all(): { cid: number; seq: number; bytes: Uint8Array }[] {
    return this.sql
      .exec<{ cid: number; seq: number; bytes: ArrayBuffer }>(`SELECT cid, seq, bytes FROM partial ORDER BY cid, seq`)
      .toArray()
      .map((r) => ({ cid: r.cid, seq: r.seq, bytes: new Uint8Array(r.bytes) }));
  }

  /** The connections that have pieces stored. */
  cids(): number[] {
    return this.sql.exec<{ cid: number }>(`SELECT DISTINCT cid FROM partial`).toArray().map((r) => r.cid);
  }
}
