// What a shard keeps of its leafnode connections besides their attachments (the
// `leaf_subs` and `leaf_sent` tables): the interest each leaf declared, with its
// queue weights, and the interest it was told of. Both are written as they change,
// so an object that restarts knows them without asking the leaf again.

/** One row of either table: a subject, a queue group ("" for none) and its weight. */
export interface LeafInterestRow {
  readonly subject: string;
  readonly queue: string;
  readonly weight: number;
}

type Table = "leaf_subs" | "leaf_sent";

export class LeafStore {
  constructor(private readonly sql: SqlStorage) {}

  set(table: Table, cid: number, row: LeafInterestRow): void {
    this.sql.exec(`INSERT OR REPLACE INTO ${table} (cid, subject, queue, weight) VALUES (?, ?, ?, ?)`, cid, row.subject, row.queue, row.weight);
  }

  remove(table: Table, cid: number, subject: string, queue: string): void {
    this.sql.exec(`DELETE FROM ${table} WHERE cid = ? AND subject = ? AND queue = ?`, cid, subject, queue);
  }

  all(table: Table, cid: number): LeafInterestRow[] {
    return this.sql.exec<{ subject: string; queue: string; weight: number }>(`SELECT subject, queue, weight FROM ${table} WHERE cid = ?`, cid).toArray();
  }

  /** Connections with anything stored. */
  cids(): number[] {
    return this.sql.exec<{ cid: number }>(`SELECT cid FROM leaf_subs UNION SELECT cid FROM leaf_sent`).toArray().map((r) => r.cid);
  }

  forget(cid: number): void {
    this.sql.exec(`DELETE FROM leaf_subs WHERE cid = ?`, cid);
    this.sql.exec(`DELETE FROM leaf_sent WHERE cid = ?`, cid);
  }
}
