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
  // JetStream (jetstream/). The streams this shard is home to: configuration, and the
  // last sequence and time, which outlive the messages when a purge empties the stream
  // (jetstream/stream-store.ts).
  `CREATE TABLE IF NOT EXISTS js_streams (
    id INTEGER PRIMARY KEY, account TEXT NOT NULL, name TEXT NOT NULL, config TEXT NOT NULL,
    created INTEGER NOT NULL, last_seq INTEGER NOT NULL, last_ts INTEGER NOT NULL, UNIQUE (account, name))`,
  // Their messages: the header block and payload byte for byte, the time in ms.
  `CREATE TABLE IF NOT EXISTS js_msgs (
    stream INTEGER NOT NULL, seq INTEGER NOT NULL, subject TEXT NOT NULL, ts INTEGER NOT NULL,
    hdr BLOB, data BLOB NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (stream, seq)) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS js_msgs_subject ON js_msgs (stream, subject, seq)`,
  // Nats-Msg-Id values seen within each stream's duplicate window.
  `CREATE TABLE IF NOT EXISTS js_msg_ids (
    stream INTEGER NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,
    PRIMARY KEY (stream, id)) WITHOUT ROWID`,
  // Each stream's consumers: configuration, and how far each delivered and is acknowledged
  // (jetstream/consumer-store.ts).
  `CREATE TABLE IF NOT EXISTS js_consumers (
    stream INTEGER NOT NULL, name TEXT NOT NULL, config TEXT NOT NULL, created INTEGER NOT NULL,
    dcseq INTEGER NOT NULL, dsseq INTEGER NOT NULL, acseq INTEGER NOT NULL, asseq INTEGER NOT NULL,
    PRIMARY KEY (stream, name)) WITHOUT ROWID`,
  // Their deliveries awaiting an ack: consumer sequence, deliveries so far, when the last went.
  `CREATE TABLE IF NOT EXISTS js_acks (
    stream INTEGER NOT NULL, consumer TEXT NOT NULL, sseq INTEGER NOT NULL, cseq INTEGER NOT NULL,
    deliveries INTEGER NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (stream, consumer, sseq)) WITHOUT ROWID`,
  // The account's catalog of streams, on the shard that keeps it (jetstream/catalog.ts).
  `CREATE TABLE IF NOT EXISTS js_catalog (
    account TEXT NOT NULL, name TEXT NOT NULL, subjects TEXT NOT NULL, created INTEGER NOT NULL,
    PRIMARY KEY (account, name)) WITHOUT ROWID`,
  // What each stream in the catalog reserves of its account's storage: its max_bytes,
  // in memory or in file storage (jetstream/catalog.ts).
  `CREATE TABLE IF NOT EXISTS js_reservations (
    account TEXT NOT NULL, name TEXT NOT NULL, memory INTEGER NOT NULL, bytes INTEGER NOT NULL,
    PRIMARY KEY (account, name)) WITHOUT ROWID`,
  // The connection JetStream keeps in each account on this shard: its attachment
  // (jetstream/connection.ts); its subscriptions are stored as any connection's.
  `CREATE TABLE IF NOT EXISTS js_connections (account TEXT PRIMARY KEY, attachment TEXT NOT NULL)`,
  // Leafnode connections (leaf/leaf-store.ts): the interest each leaf declared (LS+, with
  // its queue weights), and the interest this shard told it of, so that after a restart
  // it is told only what changed. queue is "" for plain interest.
  `CREATE TABLE IF NOT EXISTS leaf_subs (
    cid INTEGER NOT NULL, subject TEXT NOT NULL, queue TEXT NOT NULL, weight INTEGER NOT NULL,
    PRIMARY KEY (cid, subject, queue)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS leaf_sent (
    cid INTEGER NOT NULL, subject TEXT NOT NULL, queue TEXT NOT NULL, weight INTEGER NOT NULL,
    PRIMARY KEY (cid, subject, queue)) WITHOUT ROWID`,
];

/** Creates the tables an object does not have yet; run when the object starts. */
export function createSchema(sql: SqlStorage): void {
  for (const table of TABLES) sql.exec(table);
}
