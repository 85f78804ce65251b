// What a host must not forget when workerd hibernates or restarts the object:
// each socket's small state rides in its attachment (at most 16 KiB), and its
// subscriptions, which can be many, live in the object's SQLite storage.

import type { Credentials } from "../protocol/auth.js";
import type { PermissionsConfig } from "../protocol/permissions.js";
import type { ConnectOptions } from "../protocol/connect.js";

export type { ConnectOptions } from "../protocol/connect.js";

/** Who a connection authenticated as, as far as it outlives a restart of the object. */
export interface StoredIdentity {
  account: string;
  user: string;
  permissions: PermissionsConfig | null;
  /** ms since the epoch; null when the credentials do not expire. */
  expiresAt: number | null;
  /** The account's JWT is what expires ("Account Authentication Expired"). */
  accountExpires?: boolean;
  /** Set when the permissions are too large for the attachment and live in SQLite instead. */
  permissionsStored?: boolean;
}

/**
 * The socket attachment: kept small (workerd allows 16 KiB), rewritten on open,
 * CONNECT, and when the count of unanswered server PINGs changes.
 */
export interface Attachment {
  cid: number;
  /** Set once the client sent CONNECT. */
  connected: boolean;
  opts: ConnectOptions;
  /** Client address as the Worker saw it, for INFO and monitoring. */
  ip: string;
  /** Milliseconds since the epoch when the connection opened. */
  start: number;
  /** Set once authenticated (or, without authorization, at CONNECT). */
  identity?: StoredIdentity | null;
  /** The nonce sent in INFO. */
  nonce?: string | null;
  /** Credentials read from cookies at the upgrade. */
  cookies?: Credentials | null;
  /** Server PINGs not answered yet. */
  pings?: number;
}

export interface StoredSub {
  cid: number;
  sid: string;
  subject: string;
  queue: string | null;
  max: number;
  delivered: number;
}

const CID_BLOCK = 1024;

export class Store {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS subs (
      cid INTEGER NOT NULL, sid TEXT NOT NULL, subject TEXT NOT NULL, queue TEXT,
      max INTEGER NOT NULL, delivered INTEGER NOT NULL, PRIMARY KEY (cid, sid)) WITHOUT ROWID`);
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
    // Small records written as one row each, so saving one costs one row write.
    sql.exec(`CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, json TEXT NOT NULL)`);
    // An op a client has sent only part of, in the chunks it arrived in (append-only,
    // so a message arriving in many pieces costs linear, not quadratic, writes).
    sql.exec(`CREATE TABLE IF NOT EXISTS partial (
      cid INTEGER NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (cid, seq)) WITHOUT ROWID`);
    // Permissions too large for a socket attachment (long JWT permission lists).
    sql.exec(`CREATE TABLE IF NOT EXISTS permissions (cid INTEGER PRIMARY KEY, json TEXT NOT NULL)`);
  }

  savePermissions(cid: number, permissions: PermissionsConfig): void {
    this.sql.exec(`INSERT OR REPLACE INTO permissions (cid, json) VALUES (?, ?)`, cid, JSON.stringify(permissions));
  }

  /** The permissions kept for a connection; undefined when there are none. */
  permissions(cid: number): PermissionsConfig | undefined {
    const row = this.sql.exec<{ json: string }>(`SELECT json FROM permissions WHERE cid = ?`, cid).toArray()[0];
    return row === undefined ? undefined : (JSON.parse(row.json) as PermissionsConfig);
  }

  // Connection ids are reserved in blocks: one storage write per CID_BLOCK connections
  // instead of one per connection. A write holds back the event's output until it is
  // durable (the output gate), which would delay every connection's INFO.
  private cidNext = 0;
  private cidEnd = 0;

  /** A connection id never handed out before by this object, also across restarts. */
  nextCid(): number {
    if (this.cidNext === this.cidEnd) {
      // Start after the last block reserved by any earlier instance; its unused ids are skipped.
      const reserved = this.cidEnd === 0 ? this.meta("cid") : this.cidEnd;
      this.cidNext = reserved;
      this.cidEnd = reserved + CID_BLOCK;
      this.setMeta("cid", this.cidEnd);
    }
    return ++this.cidNext;
  }

  /** A small named number kept across restarts (0 when never set). */
  meta(name: string): number {
    return this.sql.exec<{ value: number }>(`SELECT value FROM meta WHERE key = ?`, name).toArray()[0]?.value ?? 0;
  }

  setMeta(name: string, value: number): void {
    this.sql.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, name, value);
  }

  /** A small record kept across restarts; undefined when never written. */
  record<T>(name: string): T | undefined {
    const row = this.sql.exec<{ json: string }>(`SELECT json FROM records WHERE key = ?`, name).toArray()[0];
    return row === undefined ? undefined : (JSON.parse(row.json) as T);
  }

  setRecord(name: string, value: unknown): void {
    this.sql.exec(`INSERT INTO records (key, json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET json = excluded.json`, name, JSON.stringify(value));
  }

  addSub(s: StoredSub): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO subs (cid, sid, subject, queue, max, delivered) VALUES (?, ?, ?, ?, ?, ?)`,
      s.cid, s.sid, s.subject, s.queue, s.max, s.delivered,
    );
  }

  updateSub(cid: number, sid: string, max: number, delivered: number): void {
    this.sql.exec(`UPDATE subs SET max = ?, delivered = ? WHERE cid = ? AND sid = ?`, max, delivered, cid, sid);
  }

  removeSub(cid: number, sid: string): void {
    this.sql.exec(`DELETE FROM subs WHERE cid = ? AND sid = ?`, cid, sid);
  }

  removeConnection(cid: number): void {
    this.sql.exec(`DELETE FROM subs WHERE cid = ?`, cid);
    this.sql.exec(`DELETE FROM permissions WHERE cid = ?`, cid);
    this.clearPartial(cid);
  }

  appendPartial(cid: number, seq: number, bytes: Uint8Array): void {
    this.sql.exec(`INSERT OR REPLACE INTO partial (cid, seq, bytes) VALUES (?, ?, ?)`, cid, seq, bytes);
  }

  clearPartial(cid: number): void {
    this.sql.exec(`DELETE FROM partial WHERE cid = ?`, cid);
  }

  /** The stored pieces of half-received ops, in arrival order per connection. */
  allPartials(): { cid: number; seq: number; bytes: Uint8Array }[] {
    return this.sql
      .exec<{ cid: number; seq: number; bytes: ArrayBuffer }>(`SELECT cid, seq, bytes FROM partial ORDER BY cid, seq`)
      .toArray()
      .map((r) => ({ cid: r.cid, seq: r.seq, bytes: new Uint8Array(r.bytes) }));
  }

  /** Every stored subscription, for rebuilding the hosts' state after a wake. */
  allSubs(): StoredSub[] {
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

  /** Drops subscriptions of connections that no longer exist (closed while the object was away). */
  retainConnections(live: ReadonlySet<number>): void {
    const cids = this.sql
      .exec<{ cid: number }>(`SELECT DISTINCT cid FROM subs UNION SELECT DISTINCT cid FROM partial`)
      .toArray();
    for (const { cid } of cids) if (!live.has(cid)) this.removeConnection(cid);
  }
}
