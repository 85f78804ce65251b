// An account's catalog of streams (`js_catalog`), kept by one shard per account
// (placement.ts): every stream's name and subjects, so that creating one can refuse
// subjects another already has, and names and lists need not ask every shard.
// What a stream holds lives on its home shard; the catalog only knows it exists.

export interface CatalogEntry {
  readonly name: string;
  readonly subjects: readonly string[];
  /** ms since the epoch. */
  readonly created: number;
}

export class Catalog {
  constructor(private readonly sql: SqlStorage) {}

  /** The account's streams, by name. */
  list(account: string): CatalogEntry[] {
    return this.sql
      .exec<{ name: string; subjects: string; created: number }>(
        `SELECT name, subjects, created FROM js_catalog WHERE account = ? ORDER BY name`,
        account,
      )
      .toArray()
      .map((r) => ({ name: r.name, subjects: JSON.parse(r.subjects) as string[], created: r.created }));
  }

  get(account: string, name: string): CatalogEntry | null {
    const r = this.sql
      .exec<{ subjects: string; created: number }>(`SELECT subjects, created FROM js_catalog WHERE account = ? AND name = ?`, account, name)
      .toArray()[0];
    return r === undefined ? null : { name, subjects: JSON.parse(r.subjects) as string[], created: r.created };
  }

  put(account: string, entry: CatalogEntry): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO js_catalog (account, name, subjects, created) VALUES (?, ?, ?, ?)`,
      account, entry.name, JSON.stringify(entry.subjects), entry.created,
    );
  }

  remove(account: string, name: string): void {
    this.sql.exec(`DELETE FROM js_catalog WHERE account = ? AND name = ?`, account, name);
  }
}
