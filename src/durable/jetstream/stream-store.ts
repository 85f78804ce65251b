// The streams a shard is home to, as they survive eviction: each stream's row in
// `js_streams` (configuration, creation time, and the last sequence and time, which
// must outlive the messages when a purge empties the stream), its messages in
// `js_msgs`, and the message ids of its duplicate window in `js_msg_ids`.
//
// A Durable Object's writes between two awaits are one implicit transaction, and
// its output is held until they are durable, so a message, the limits it moved and
// the PubAck that follows are stored together or not at all.

import type { StreamConfig } from "../../protocol/jetstream/stream-config.js";

export interface StoredStream {
  readonly id: number;
  readonly account: string;
  readonly name: string;
  readonly config: StreamConfig;
  readonly created: number;
  readonly lastSeq: number;
  readonly lastTs: number;
}

export interface StoredMessage {
  readonly seq: number;
  readonly subject: string;
  /** ms since the epoch. */
  readonly ts: number;
  readonly hdr: Uint8Array | null;
  readonly data: Uint8Array;
  readonly size: number;
}

/** What a stream holds, counted once when it is loaded and kept up to date after. */
export interface StoredCounts {
  msgs: number;
  bytes: number;
  firstSeq: number;
  maxSeq: number;
}

type Row = Record<string, SqlStorageValue>;

/** What a removal took: how many messages, their bytes, and the lowest and highest sequence among them. */
export interface Removed {
  readonly n: number;
  readonly bytes: number;
  readonly minSeq: number;
  readonly maxSeq: number;
  /** Which went, when only a few did (at most REMOVED_SEQS); null when more did. */
  readonly seqs: number[] | null;
}

const REMOVED_SEQS = 16;

export class StreamStore {
  constructor(private readonly sql: SqlStorage) {}

  // ---- streams ----------------------------------------------------------------------------

  all(): StoredStream[] {
    return this.sql.exec<Row>(`SELECT id, account, name, config, created, last_seq, last_ts FROM js_streams`).toArray().map(streamRow);
  }

  create(account: string, config: StreamConfig, created: number, firstSeq: number): StoredStream {
    const id = this.sql
      .exec<{ id: number }>(
        `INSERT INTO js_streams (account, name, config, created, last_seq, last_ts) VALUES (?, ?, ?, ?, ?, 0) RETURNING id`,
        account, config.name, JSON.stringify(config), created, firstSeq - 1,
      )
      .one().id;
    return { id, account, name: config.name, config, created, lastSeq: firstSeq - 1, lastTs: 0 };
  }

  saveConfig(id: number, config: StreamConfig): void {
    this.sql.exec(`UPDATE js_streams SET config = ? WHERE id = ?`, JSON.stringify(config), id);
  }

  /** Kept whenever messages may vanish (a purge, a delete, limits): what the stream's last was. */
  saveLast(id: number, lastSeq: number, lastTs: number): void {
    this.sql.exec(`UPDATE js_streams SET last_seq = ?, last_ts = ? WHERE id = ?`, lastSeq, lastTs, id);
  }

  drop(id: number): void {
    this.sql.exec(`DELETE FROM js_acks WHERE stream = ?`, id);
    this.sql.exec(`DELETE FROM js_consumers WHERE stream = ?`, id);
    this.sql.exec(`DELETE FROM js_msgs WHERE stream = ?`, id);
    this.sql.exec(`DELETE FROM js_msg_ids WHERE stream = ?`, id);
    this.sql.exec(`DELETE FROM js_streams WHERE id = ?`, id);
  }

  // ---- messages ---------------------------------------------------------------------------

  counts(id: number): StoredCounts {
    const r = this.sql
      .exec<Row>(`SELECT count(*) AS n, coalesce(sum(size), 0) AS b, min(seq) AS lo, max(seq) AS hi FROM js_msgs WHERE stream = ?`, id)
      .one();
    return { msgs: r.n as number, bytes: r.b as number, firstSeq: (r.lo as number | null) ?? 0, maxSeq: (r.hi as number | null) ?? 0 };
  }

  append(id: number, seq: number, subject: string, ts: number, hdr: Uint8Array | null, data: Uint8Array, size: number): void {
    this.sql.exec(
      `INSERT INTO js_msgs (stream, seq, subject, ts, hdr, data, size) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      id, seq, subject, ts, hdr === null ? null : bytesOf(hdr), bytesOf(data), size,
    );
  }

  get(id: number, seq: number): StoredMessage | null {
    return this.first(`SELECT seq, subject, ts, hdr, data, size FROM js_msgs WHERE stream = ? AND seq = ?`, id, seq);
  }

  /** The first message at or after `seq`. */
  next(id: number, seq: number): StoredMessage | null {
    return this.first(`SELECT seq, subject, ts, hdr, data, size FROM js_msgs WHERE stream = ? AND seq >= ? ORDER BY seq LIMIT 1`, id, seq);
  }

  /** The last message whose subject is exactly `subject`. */
  lastOf(id: number, subject: string): StoredMessage | null {
    return this.first(
      `SELECT seq, subject, ts, hdr, data, size FROM js_msgs WHERE stream = ? AND subject = ? ORDER BY seq DESC LIMIT 1`,
      id, subject,
    );
  }

  /** The first message of exactly `subject` at or after `seq`. */
  nextOf(id: number, subject: string, seq: number): StoredMessage | null {
    return this.first(
      `SELECT seq, subject, ts, hdr, data, size FROM js_msgs WHERE stream = ? AND subject = ? AND seq >= ? ORDER BY seq LIMIT 1`,
      id, subject, seq,
    );
  }

  /** Messages of exactly `subject` from `seq` on, in order, at most `limit`. */
  scanOf(id: number, subject: string, seq: number, limit: number): StoredMessage[] {
    return this.messages(
      `SELECT seq, subject, ts, hdr, data, size FROM js_msgs WHERE stream = ? AND subject = ? AND seq >= ? ORDER BY seq LIMIT ?`,
      id, subject, seq, limit,
    );
  }

  /** The sequence of the n-th newest message of exactly `subject` (n >= 1); 0 when there are fewer. */
  nthNewestOf(id: number, subject: string, n: number): number {
    const r = this.sql
      .exec<Row>(`SELECT seq FROM js_msgs WHERE stream = ? AND subject = ? ORDER BY seq DESC LIMIT 1 OFFSET ?`, id, subject, n - 1)
      .toArray()[0];
    return r === undefined ? 0 : (r.seq as number);
  }

  /** The sequence of the n-th newest message (n >= 1); 0 when there are fewer. */
  nthNewest(id: number, n: number): number {
    const r = this.sql.exec<Row>(`SELECT seq FROM js_msgs WHERE stream = ? ORDER BY seq DESC LIMIT 1 OFFSET ?`, id, n - 1).toArray()[0];
    return r === undefined ? 0 : (r.seq as number);
  }

  /** Messages from `seq` on, in order, at most `limit`: for filtered scans. */
  scan(id: number, seq: number, limit: number): StoredMessage[] {
    return this.messages(`SELECT seq, subject, ts, hdr, data, size FROM js_msgs WHERE stream = ? AND seq >= ? ORDER BY seq LIMIT ?`, id, seq, limit);
  }

  /** Sequence, subject and size of messages from `seq` on, without their bodies. */
  headers(id: number, seq: number, limit: number): { seq: number; subject: string; size: number; ts: number }[] {
    return this.sql
      .exec<Row>(`SELECT seq, subject, size, ts FROM js_msgs WHERE stream = ? AND seq >= ? ORDER BY seq LIMIT ?`, id, seq, limit)
      .toArray()
      .map((r) => ({ seq: r.seq as number, subject: r.subject as string, size: r.size as number, ts: r.ts as number }));
  }

  /** How many messages after `seq`, of exactly `subject` or of any. */
  countAfter(id: number, seq: number, subject: string | null): number {
    const r =
      subject === null
        ? this.sql.exec<Row>(`SELECT count(*) AS n FROM js_msgs WHERE stream = ? AND seq > ?`, id, seq).one()
        : this.sql.exec<Row>(`SELECT count(*) AS n FROM js_msgs WHERE stream = ? AND subject = ? AND seq > ?`, id, subject, seq).one();
    return r.n as number;
  }

  /** Each subject with its count of messages after `seq`. */
  subjectsAfter(id: number, seq: number): { subject: string; n: number }[] {
    return this.sql
      .exec<Row>(`SELECT subject, count(*) AS n FROM js_msgs WHERE stream = ? AND seq > ? GROUP BY subject`, id, seq)
      .toArray()
      .map((r) => ({ subject: r.subject as string, n: r.n as number }));
  }

  /** Each subject with its last sequence. */
  lastPerSubject(id: number): { subject: string; seq: number }[] {
    return this.sql
      .exec<Row>(`SELECT subject, max(seq) AS seq FROM js_msgs WHERE stream = ? GROUP BY subject`, id)
      .toArray()
      .map((r) => ({ subject: r.subject as string, seq: r.seq as number }));
  }

  /** The first sequence stored at or after `ts`; null when none. */
  seqAtTime(id: number, ts: number): number | null {
    const r = this.sql.exec<Row>(`SELECT seq FROM js_msgs WHERE stream = ? AND ts >= ? ORDER BY seq LIMIT 1`, id, ts).toArray()[0];
    return r === undefined ? null : (r.seq as number);
  }

  /** How many messages with exactly this subject, and the oldest of them. */
  subjectCount(id: number, subject: string): { n: number; oldest: number } {
    const r = this.sql.exec<Row>(`SELECT count(*) AS n, min(seq) AS lo FROM js_msgs WHERE stream = ? AND subject = ?`, id, subject).one();
    return { n: r.n as number, oldest: (r.lo as number | null) ?? 0 };
  }

  /** Every subject with its count of messages. */
  subjects(id: number): { subject: string; n: number }[] {
    return this.sql
      .exec<Row>(`SELECT subject, count(*) AS n FROM js_msgs WHERE stream = ? GROUP BY subject`, id)
      .toArray()
      .map((r) => ({ subject: r.subject as string, n: r.n as number }));
  }

  /** Removes one message; its size, or -1 when there was none. */
  remove(id: number, seq: number): number {
    const r = this.sql.exec<Row>(`DELETE FROM js_msgs WHERE stream = ? AND seq = ? RETURNING size`, id, seq).toArray()[0];
    return r === undefined ? -1 : (r.size as number);
  }

  /** Removes the messages below `seq`; how many and their bytes. */
  removeBelow(id: number, seq: number): Removed {
    return this.removed(this.sql.exec<Row>(`DELETE FROM js_msgs WHERE stream = ? AND seq < ? RETURNING size, seq`, id, seq));
  }

  /** Removes the messages of exactly `subject` below `seq` (Infinity: all). */
  removeSubjectBelow(id: number, subject: string, seq: number): Removed {
    return this.removed(
      this.sql.exec<Row>(`DELETE FROM js_msgs WHERE stream = ? AND subject = ? AND seq < ? RETURNING size, seq`, id, subject, seq),
    );
  }

  /** Removes all but the newest `keep` messages of exactly `subject`, in one statement. */
  trimSubject(id: number, subject: string, keep: number): Removed {
    return this.removed(
      this.sql.exec<Row>(
        `DELETE FROM js_msgs WHERE stream = ? AND subject = ? AND seq <
           (SELECT seq FROM js_msgs WHERE stream = ? AND subject = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)
         RETURNING size, seq`,
        id, subject, id, subject, keep - 1,
      ),
    );
  }

  /** Removes the messages older than `ts`; how many and their bytes. */
  removeOlder(id: number, ts: number): Removed {
    return this.removed(this.sql.exec<Row>(`DELETE FROM js_msgs WHERE stream = ? AND ts < ? RETURNING size, seq`, id, ts));
  }

  /** The time of the oldest message; null when none. */
  oldestTs(id: number): number | null {
    const r = this.sql.exec<Row>(`SELECT ts FROM js_msgs WHERE stream = ? ORDER BY seq LIMIT 1`, id).toArray()[0];
    return r === undefined ? null : (r.ts as number);
  }

  // ---- message ids (duplicate window) -----------------------------------------------------

  /** The sequence stored under `msgId` since `since` (ms); 0 when none. */
  seqOfId(id: number, msgId: string, since: number): number {
    const r = this.sql.exec<Row>(`SELECT seq FROM js_msg_ids WHERE stream = ? AND id = ? AND ts >= ?`, id, msgId, since).toArray()[0];
    return r === undefined ? 0 : (r.seq as number);
  }

  rememberId(id: number, msgId: string, seq: number, ts: number): void {
    this.sql.exec(`INSERT OR REPLACE INTO js_msg_ids (stream, id, seq, ts) VALUES (?, ?, ?, ?)`, id, msgId, seq, ts);
  }

  forgetIdsBefore(id: number, ts: number): void {
    this.sql.exec(`DELETE FROM js_msg_ids WHERE stream = ? AND ts < ?`, id, ts);
  }

  private first(query: string, ...args: SqlStorageValue[]): StoredMessage | null {
    return this.messages(query, ...args)[0] ?? null;
  }

  /** The messages a query selects (seq, subject, ts, hdr, data, size, in that order). */
  private messages(query: string, ...args: SqlStorageValue[]): StoredMessage[] {
    const out: StoredMessage[] = [];
    // Rows as arrays: cheaper to make than objects, which counts when a consumer reads ahead.
    for (const r of this.sql.exec(query, ...args).raw()) out.push(messageOf(r));
    return out;
  }

  private removed(cursor: SqlStorageCursor<Row>): Removed {
    let n = 0;
    let bytes = 0;
    let minSeq = Infinity;
    let maxSeq = 0;
    let seqs: number[] | null = [];
    for (const r of cursor) {
      n++;
      bytes += r.size as number;
      const seq = r.seq as number;
      if (seq < minSeq) minSeq = seq;
      if (seq > maxSeq) maxSeq = seq;
      if (seqs !== null) {
        if (seqs.length < REMOVED_SEQS) seqs.push(seq);
        else seqs = null;
      }
    }
    return { n, bytes, minSeq, maxSeq, seqs };
  }
}

function streamRow(r: Row): StoredStream {
  return {
    id: r.id as number,
    account: r.account as string,
    name: r.name as string,
    config: JSON.parse(r.config as string) as StreamConfig,
    created: r.created as number,
    lastSeq: r.last_seq as number,
    lastTs: r.last_ts as number,
  };
}

function messageOf(r: SqlStorageValue[]): StoredMessage {
  const hdr = r[3] as ArrayBuffer | null;
  return {
    seq: r[0] as number,
    subject: r[1] as string,
    ts: r[2] as number,
    hdr: hdr === null ? null : new Uint8Array(hdr),
    data: new Uint8Array(r[4] as ArrayBuffer),
    size: r[5] as number,
  };
}

/** The bytes of a view as SQLite takes them: an ArrayBuffer of exactly those bytes. */
function bytesOf(view: Uint8Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) return view.buffer;
  return view.slice().buffer;
}
