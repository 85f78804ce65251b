// An account's catalog of streams (`js_catalog`), kept by one shard per account
// (placement.ts): every stream's name and subjects, so that creating one can refuse
// subjects another already has, and names and lists need not ask every shard; and
// what each reserves of the account's storage (`js_reservations`: its max_bytes), so
// that a stream is refused the storage the account's others reserved, as nats-server
// refuses it. What a stream holds lives on its home shard; the catalog only knows it exists.

export interface CatalogEntry {
  readonly name: string;
  readonly subjects: readonly string[];
  /** ms since the epoch. */
  readonly created: number;
  /** Whether it is kept as memory storage, and its max_bytes (-1: none, reserving nothing). */
  readonly memory: boolean;
  readonly maxBytes: number;
}

type Row = {
  name: string;
  subjects: string;
  created: number;
  memory: number | null;
  bytes: number | null;
};

// A stream cataloged before reservations were kept reserves nothing.
const SELECT = `SELECT c.name, c.subjects, c.created, r.memory, r.bytes FROM js_catalog c
  LEFT JOIN js_reservations r ON r.account = c.account AND r.name = c.name`;

export class Catalog {
  constructor(private readonly sql: SqlStorage) {}

  /** The account's streams, by name. */
  list(account: string): CatalogEntry[] {
    return this.sql.exec<Row>(`${SELECT} WHERE c.account = ? ORDER BY c.name`, account).toArray().map(entry);
  }

  get(account: string, name: string): CatalogEntry | null {
    const r = this.sql.exec<Row>(`${SELECT} WHERE c.account = ? AND c.name = ?`, account, name).toArray()[0];
    return r === undefined ? null : entry(r);
  }

  put(account: string, e: CatalogEntry): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO js_catalog (account, name, subjects, created) VALUES (?, ?, ?, ?)`,
      account, e.name, JSON.stringify(e.subjects), e.created,
    );
    this.sql.exec(
      `INSERT OR REPLACE INTO js_reservations (account, name, memory, bytes) VALUES (?, ?, ?, ?)`,
      account, e.name, e.memory ? 1 : 0, e.maxBytes,
    );
  }

  remove(account: string, name: string): void {
    this.sql.exec(`DELETE FROM js_catalog WHERE account = ? AND name = ?`, account, name);
    this.sql.exec(`DELETE FROM js_reservations WHERE account = ? AND name = ?`, account, name);
  }
}

function entry(r: Row): CatalogEntry {
  return { name: r.name, subjects: JSON.parse(r.subjects) as string[], created: r.created, memory: r.memory === 1, maxBytes: r.bytes ?? -1 };
}
