// Every table of a shard's SQLite storage, in one place: what a shard keeps
// across hibernation, eviction and restarts. Each stored thing has one module
// that saves and loads it (named beside its table); this file only declares.
// Tables are never changed in place: a live deployment's objects hold them.

/** The small numbers kept in `meta`, and whose they are. */
export type MetaName =
  /** The last connection id reserved (host/connection-ids.ts). */
  | "cid"
  /** When the object's alarm is set for (shard.ts). */
  | "alarm"
  /** When the next keepalive round is due (host/host.ts). */
  | "keepalive"
  /** When the object first started, ever (host/totals.ts). */
  | "start"
  /** 1 while registrations may be unacknowledged by owners (cluster/registrar.ts). */
  | "registering";

const TABLES = [
  // Small named numbers (meta.ts).
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
  // Small records written as one row each, so saving one costs one row write (host/totals.ts).
  `CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, json TEXT NOT NULL)`,
  // Subscriptions of the host's connections; a connection may hold tens of thousands (host/subscriptions.ts).
  `CREATE TABLE IF NOT EXISTS subs (
    cid INTEGER NOT NULL, sid TEXT NOT NULL, subject TEXT NOT NULL, queue TEXT,
    max INTEGER NOT NULL, delivered INTEGER NOT NULL, PRIMARY KEY (cid, sid)) WITHOUT ROWID`,
  // An op a client has sent only part of, in the chunks it arrived in (append-only,
  // so a message arriving in many pieces costs linear, not quadratic, writes) (host/partial-ops.ts).
  `CREATE TABLE IF NOT EXISTS partial (
    cid INTEGER NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (cid, seq)) WITHOUT ROWID`,
  // Permissions too large for a socket attachment: long JWT permission lists (host/attachment.ts).
  `CREATE TABLE IF NOT EXISTS permissions (cid INTEGER PRIMARY KEY, json TEXT NOT NULL)`,
  // Webhook sessions: what a socket's attachment would hold, and where to POST (bridge/webhook-store.ts).
  `CREATE TABLE IF NOT EXISTS webhooks (
    cid INTEGER PRIMARY KEY, url TEXT NOT NULL, max INTEGER NOT NULL, attachment TEXT NOT NULL)`,
  // The owner's directory: interest per key, the hosts watching each key, and its
  // sequence number (cluster/directory-store.ts). Empty while SHARDS is 1.
  `CREATE TABLE IF NOT EXISTS dir_interest (
    key TEXT NOT NULL, subject TEXT NOT NULL, queue TEXT NOT NULL, host INTEGER NOT NULL,
    weight INTEGER NOT NULL, PRIMARY KEY (key, subject, queue, host)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS dir_watchers (
    key TEXT NOT NULL, host INTEGER NOT NULL, PRIMARY KEY (key, host)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS dir_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
];

/** Creates the tables an object does not have yet; run when the object starts. */
export function createSchema(sql: SqlStorage): void {
  for (const table of TABLES) sql.exec(table);
}
