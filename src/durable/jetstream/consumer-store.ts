// A stream's consumers as they survive eviction: each consumer's row in
// `js_consumers` (configuration, creation time, how far it delivered and how far
// it is acknowledged) and its deliveries awaiting an ack in `js_acks`, one row per
// stream sequence, with its consumer sequence, the deliveries so far and when the
// last one went. Written as they change, in the same implicit transaction as the
// ack or delivery that changed them.

import type { ConsumerConfig } from "../../protocol/jetstream/consumer-config.js";

export interface SeqPair {
  /** The consumer's sequence (deliveries, counting redeliveries once). */
  cseq: number;
  /** The stream's sequence. */
  sseq: number;
}

export interface StoredConsumer {
  readonly name: string;
  readonly config: ConsumerConfig;
  readonly created: number;
  readonly delivered: SeqPair;
  readonly ackFloor: SeqPair;
}

export interface StoredPending {
  readonly sseq: number;
  readonly cseq: number;
  readonly deliveries: number;
  /** ms since the epoch of the last delivery. */
  readonly ts: number;
}

type Row = Record<string, SqlStorageValue>;

/** Rows per INSERT and keys per DELETE: within the 100 bound parameters a statement may have. */
const ROWS = 16;
const KEYS = 98;

export class ConsumerStore {
  constructor(private readonly sql: SqlStorage) {}

  all(stream: number): StoredConsumer[] {
    return this.sql
      .exec<Row>(`SELECT name, config, created, dcseq, dsseq, acseq, asseq FROM js_consumers WHERE stream = ?`, stream)
      .toArray()
      .map((r) => ({
        name: r.name as string,
        config: JSON.parse(r.config as string) as ConsumerConfig,
        created: r.created as number,
        delivered: { cseq: r.dcseq as number, sseq: r.dsseq as number },
        ackFloor: { cseq: r.acseq as number, sseq: r.asseq as number },
      }));
  }

  create(stream: number, c: StoredConsumer): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO js_consumers (stream, name, config, created, dcseq, dsseq, acseq, asseq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      stream, c.name, JSON.stringify(c.config), c.created, c.delivered.cseq, c.delivered.sseq, c.ackFloor.cseq, c.ackFloor.sseq,
    );
  }

  saveConfig(stream: number, name: string, config: ConsumerConfig): void {
    this.sql.exec(`UPDATE js_consumers SET config = ? WHERE stream = ? AND name = ?`, JSON.stringify(config), stream, name);
  }

  saveProgress(stream: number, name: string, delivered: SeqPair, ackFloor: SeqPair): void {
    this.sql.exec(
      `UPDATE js_consumers SET dcseq = ?, dsseq = ?, acseq = ?, asseq = ? WHERE stream = ? AND name = ?`,
      delivered.cseq, delivered.sseq, ackFloor.cseq, ackFloor.sseq, stream, name,
    );
  }

  drop(stream: number, name: string): void {
    this.sql.exec(`DELETE FROM js_acks WHERE stream = ? AND consumer = ?`, stream, name);
    this.sql.exec(`DELETE FROM js_consumers WHERE stream = ? AND name = ?`, stream, name);
  }

  pending(stream: number, name: string): StoredPending[] {
    return this.sql
      .exec<Row>(`SELECT sseq, cseq, deliveries, ts FROM js_acks WHERE stream = ? AND consumer = ? ORDER BY sseq`, stream, name)
      .toArray()
      .map((r) => ({ sseq: r.sseq as number, cseq: r.cseq as number, deliveries: r.deliveries as number, ts: r.ts as number }));
  }

  /** Stores deliveries awaiting an ack, several rows a statement: a statement costs more than a row. */
  trackAll(stream: number, name: string, all: readonly StoredPending[]): void {
    for (let i = 0; i < all.length; i += ROWS) {
      const chunk = all.slice(i, i + ROWS);
      const values: SqlStorageValue[] = [];
      for (const p of chunk) values.push(stream, name, p.sseq, p.cseq, p.deliveries, p.ts);
      this.sql.exec(
        `INSERT OR REPLACE INTO js_acks (stream, consumer, sseq, cseq, deliveries, ts) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}`,
        ...values,
      );
    }
  }

  /** Forgets acknowledged deliveries, several a statement. */
  untrackAll(stream: number, name: string, sseqs: readonly number[]): void {
    for (let i = 0; i < sseqs.length; i += KEYS) {
      const chunk = sseqs.slice(i, i + KEYS);
      this.sql.exec(`DELETE FROM js_acks WHERE stream = ? AND consumer = ? AND sseq IN (${chunk.map(() => "?").join(", ")})`, stream, name, ...chunk);
    }
  }
}
