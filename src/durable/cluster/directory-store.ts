// The owner's directory as it survives eviction (the `dir_interest`,
// `dir_watchers` and `dir_meta` tables): every host relies on it, so each change
// is written before the owner acknowledges it, and all of it is read back when
// the object starts.

import type { InterestEntry } from "./interest-messages.js";

export interface StoredDirectory {
  readonly entries: { readonly key: string; readonly entry: InterestEntry }[];
  readonly watchers: { readonly key: string; readonly host: number }[];
  readonly seq: number;
}

export class DirectoryStore {
  constructor(private readonly sql: SqlStorage) {}

  load(): StoredDirectory {
    const entries = this.sql
      .exec<{ key: string; subject: string; queue: string; host: number; weight: number }>(`SELECT key, subject, queue, host, weight FROM dir_interest`)
      .toArray()
      .map((r) => ({ key: r.key, entry: { subject: r.subject, queue: r.queue, host: r.host, weight: r.weight } }));
    const watchers = this.sql.exec<{ key: string; host: number }>(`SELECT key, host FROM dir_watchers`).toArray();
    const seq = this.sql.exec<{ value: number }>(`SELECT value FROM dir_meta WHERE name = 'seq'`).toArray()[0]?.value ?? 0;
    return { entries, watchers, seq };
  }

  saveEntry(key: string, e: InterestEntry): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO dir_interest (key, subject, queue, host, weight) VALUES (?, ?, ?, ?, ?)`,
      key, e.subject, e.queue, e.host, e.weight,
    );
  }

  removeEntry(key: string, subject: string, queue: string, host: number): void {
    this.sql.exec(`DELETE FROM dir_interest WHERE key = ? AND subject = ? AND queue = ? AND host = ?`, key, subject, queue, host);
  }

  addWatcher(key: string, host: number): void {
    this.sql.exec(`INSERT OR IGNORE INTO dir_watchers (key, host) VALUES (?, ?)`, key, host);
  }

  removeWatcher(key: string, host: number): void {
    this.sql.exec(`DELETE FROM dir_watchers WHERE key = ? AND host = ?`, key, host);
  }

  saveSeq(seq: number): void {
    this.sql.exec(`INSERT INTO dir_meta (name, value) VALUES ('seq', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, seq);
  }
}
