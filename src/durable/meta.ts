// Small named numbers a shard keeps across restarts (the `meta` table; the
// names and whose each is are in schema.ts).

import type { MetaName } from "./schema.js";

export class Meta {
  constructor(private readonly sql: SqlStorage) {}

  /** 0 when never set. */
  get(name: MetaName): number {
    return this.sql.exec<{ value: number }>(`SELECT value FROM meta WHERE key = ?`, name).toArray()[0]?.value ?? 0;
  }

  set(name: MetaName, value: number): void {
    this.sql.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, name, value);
  }
}

/** A flag held in memory and written through to `meta`, only when it changes. */
export class MetaFlag {
  private current: boolean;

  constructor(
    private readonly meta: Meta,
    private readonly name: MetaName,
  ) {
    this.current = meta.get(name) === 1;
  }

  get value(): boolean {
    return this.current;
  }

  set value(v: boolean) {
    if (v === this.current) return;
    this.current = v;
    this.meta.set(this.name, v ? 1 : 0);
  }
}
