// The messages one shard forwards to another, as one frame per batch on the link
// between them (durable/cluster/link.ts), and the frames that acknowledge them.
//
// Like nats-server's RMSG, each record carries the account, the subject, the
// reply, the message, and the queue groups the sender assigned to the receiver; the
// receiver delivers to its own plain subscribers and to one local member of
// each named group, and never forwards further. Records are length-prefixed
// binary: nothing to tokenize, and views into the batch need no copying.
//
//   data frame: u8 1 · u32 from · u32 instance · u32 seq · ack · records
//   ack frame:  u8 2 · u32 from · ack · u32 count · count × u32 id (receipts nobody took)
//   ack:        u32 instance · u32 seq: the receiver's data frames up to seq, from
//               that instance of it, arrived (seq 0: none acknowledged)
//   record:     u32 id · u8 flags · u32 len, account · u32 len, subject · [u32 len, deliver subject] ·
//               u32 len, reply · u32 header size · u32 len, message · u32 count, then per queue: u32 len, name
//
// `from` is the sending shard's number and `instance` a number its object drew
// when it started: a receiver tells by them a frame sent again from a new one.

import { Message } from "./message.js";

const EMPTY: Uint8Array = new Uint8Array(0);
const decoder = new TextDecoder();

/** Frame kinds. */
export const FRAME_DATA = 1;
export const FRAME_ACK = 2;
/** Bytes before the records of a data frame. */
export const DATA_HEADER = 21;

/** An acknowledgement: data frames up to `seq` sent by instance `instance` arrived. */
export interface Ack {
  instance: number;
  seq: number;
}

/** What a data frame says before its records. */
export interface DataHeader {
  from: number;
  instance: number;
  seq: number;
  /** Acknowledges what the receiver of this frame sent its sender; seq 0 when nothing. */
  readonly ack: Ack;
}

/** Record flags. */
export const ROUTE_HEADERS = 1; // the message starts with a header block of `headerSize` bytes
export const ROUTE_RECEIPT = 2; // the sender wants to know whether anyone received it
export const ROUTE_DELIVER = 4; // a deliver subject follows the subject (Message.deliver)
export const ROUTE_EMPTY_REPLY = 8; // the reply is empty, not absent (see Outbox.msg)

/** The queue groups a record names: the first `count` of `names` (so an array can be reused). */
export interface QueueNames {
  readonly names: readonly Uint8Array[];
  readonly count: number;
}

export const NO_QUEUE_NAMES: QueueNames = { names: [], count: 0 };

/** A record as the receiving shard reads it: the message, and what the route adds to it. */
export class RoutedMessage extends Message {
  /** The sender's number for this record, echoed in receipts. */
  id = 0;
  flags = 0;
  /** The account the message was published in; it is delivered only within it. */
  account = "";
  /** Queue groups whose member the receiver must pick: the first `queueCount` (the array is reused). */
  readonly queues: string[] = [];
  queueCount = 0;

  /** Whether the record names queue group `name`. */
  names(name: string): boolean {
    for (let i = 0; i < this.queueCount; i++) if (this.queues[i] === name) return true;
    return false;
  }
}

/**
 * Builds a data frame: add records, send frame(), and clear() once the frame is
 * done with. The buffer is kept from batch to batch, so a busy link allocates nothing.
 */
export class RouteBatch {
  private buf: Uint8Array = new Uint8Array(4096);
  private len = DATA_HEADER;
  /** Records in the batch. */
  count = 0;

  /** Bytes of the records. */
  get size(): number {
    return this.len - DATA_HEADER;
  }

  private reserve(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = Math.max(this.buf.length * 2, 4096);
    while (cap < need) cap *= 2;
    const grown = new Uint8Array(cap);
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  private u32(n: number): void {
    putU32(this.buf, this.len, n);
    this.len += 4;
  }

  private chunk(bytes: Uint8Array): void {
    const n = bytes.length;
    this.u32(n);
    const b = this.buf;
    let i = this.len;
    // Subjects, replies and names are short: a loop beats set()'s fixed cost for them.
    if (n <= 32) for (let k = 0; k < n; k++) b[i++] = bytes[k];
    else {
      b.set(bytes, i);
      i += n;
    }
    this.len = i;
  }

  add(id: number, account: Uint8Array, msg: Message, queues: QueueNames, receipt: boolean): void {
    const reply = msg.reply ?? EMPTY;
    const names = queues.names;
    const queueCount = queues.count;
    const deliver = msg.deliver;
    let n = 4 + 1 + 4 + account.length + 4 + msg.subject.length + 4 + reply.length + 4 + 4 + msg.data.length + 4;
    if (deliver !== null) n += 4 + deliver.length;
    for (let i = 0; i < queueCount; i++) n += 4 + names[i].length;
    this.reserve(n);
    this.u32(id);
    this.buf[this.len++] =
      (msg.headerSize >= 0 ? ROUTE_HEADERS : 0) |
      (receipt ? ROUTE_RECEIPT : 0) |
      (deliver !== null ? ROUTE_DELIVER : 0) |
      (msg.reply !== null && msg.reply.length === 0 ? ROUTE_EMPTY_REPLY : 0);
    this.chunk(account);
    this.chunk(msg.subject);
    if (deliver !== null) this.chunk(deliver);
    this.chunk(reply);
    this.u32(msg.headerSize >= 0 ? msg.headerSize : 0);
    this.chunk(msg.data);
    this.u32(queueCount);
    for (let i = 0; i < queueCount; i++) this.chunk(names[i]);
    this.count++;
  }

  /** The data frame of the records added since the last clear(), a view of the builder's buffer. */
  frame(from: number, instance: number, seq: number, ack: Ack): Uint8Array {
    const b = this.buf;
    b[0] = FRAME_DATA;
    putU32(b, 1, from);
    putU32(b, 5, instance);
    putU32(b, 9, seq);
    putU32(b, 13, ack.instance);
    putU32(b, 17, ack.seq);
    return b.subarray(0, this.len);
  }

  /** The records alone. */
  records(): Uint8Array {
    return this.buf.subarray(DATA_HEADER, this.len);
  }

  /** Starts an empty batch in the same buffer: what frame() returned must no longer be needed. */
  clear(): void {
    this.len = DATA_HEADER;
    this.count = 0;
  }
}

/** Reads a data frame's header into `into`; false when `frame` is not a whole one. */
export function readDataHeader(frame: Uint8Array, into: DataHeader): boolean {
  if (frame.length < DATA_HEADER || frame[0] !== FRAME_DATA) return false;
  into.from = getU32(frame, 1);
  into.instance = getU32(frame, 5);
  into.seq = getU32(frame, 9);
  into.ack.instance = getU32(frame, 13);
  into.ack.seq = getU32(frame, 17);
  return true;
}

/** An ack frame from shard `from`: `undelivered` are the receipts of the frames acknowledged that nobody took. */
export function ackFrame(from: number, ack: Ack, undelivered: readonly number[]): Uint8Array {
  const b = new Uint8Array(17 + 4 * undelivered.length);
  b[0] = FRAME_ACK;
  putU32(b, 1, from);
  putU32(b, 5, ack.instance);
  putU32(b, 9, ack.seq);
  putU32(b, 13, undelivered.length);
  for (let i = 0; i < undelivered.length; i++) putU32(b, 17 + 4 * i, undelivered[i]);
  return b;
}

/** An ack frame read back; null when `frame` is not a whole one. */
export function readAck(frame: Uint8Array): { from: number; ack: Ack; undelivered: number[] } | null {
  if (frame.length < 17 || frame[0] !== FRAME_ACK) return null;
  const n = getU32(frame, 13);
  if (frame.length !== 17 + 4 * n) return null;
  const undelivered: number[] = [];
  for (let i = 0; i < n; i++) undelivered.push(getU32(frame, 17 + 4 * i));
  return { from: getU32(frame, 1), ack: { instance: getU32(frame, 5), seq: getU32(frame, 9) }, undelivered };
}

function putU32(b: Uint8Array, i: number, n: number): void {
  b[i] = n >>> 24;
  b[i + 1] = (n >>> 16) & 0xff;
  b[i + 2] = (n >>> 8) & 0xff;
  b[i + 3] = n & 0xff;
}

function getU32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

// Account and queue names repeat on every record: each is decoded once.
const NAME_CACHE = 1024;
const names = new Map<string, string>();

/**
 * Reads the records of a batch one after another into one RoutedMessage, whose
 * views point into the batch. Throws RangeError on a batch cut short or malformed.
 */
export class RouteReader {
  readonly record = new RoutedMessage();
  private batch: Uint8Array = EMPTY;
  private i = 0;
  // The last account and queue name read, as bytes and decoded: batches repeat them.
  private accountBytes = EMPTY;
  private queueBytes = EMPTY;
  private queueName = "";

  /** Starts on the records of a new batch (a data frame's, after its header). */
  read(batch: Uint8Array): this {
    this.batch = batch;
    this.i = 0;
    return this;
  }

  /** Reads the next record into `record`; false at the end of the batch. */
  next(): boolean {
    const b = this.batch;
    if (this.i >= b.length) return false;
    const m = this.record;
    m.id = this.u32();
    if (this.i >= b.length) throw new RangeError("route batch cut short");
    const flags = b[this.i++];
    m.flags = flags;
    let n = this.u32();
    this.need(n);
    if (!same(b, this.i, n, this.accountBytes)) {
      this.accountBytes = b.slice(this.i, this.i + n);
      m.account = nameOf(this.accountBytes);
    }
    this.i += n;
    m.subject = this.chunk();
    m.deliver = flags & ROUTE_DELIVER ? this.chunk() : null;
    n = this.u32();
    this.need(n);
    m.reply = n > 0 ? new Uint8Array(b.buffer, b.byteOffset + this.i, n) : flags & ROUTE_EMPTY_REPLY ? EMPTY : null;
    this.i += n;
    const headerSize = this.u32();
    m.headerSize = flags & ROUTE_HEADERS ? headerSize : -1;
    m.data = this.chunk();
    const queues = m.queues;
    const count = this.u32();
    m.queueCount = 0;
    for (let q = 0; q < count; q++) {
      n = this.u32();
      this.need(n);
      if (!same(b, this.i, n, this.queueBytes)) {
        this.queueBytes = b.slice(this.i, this.i + n);
        this.queueName = nameOf(this.queueBytes);
      }
      queues[m.queueCount++] = this.queueName;
      this.i += n;
    }
    return true;
  }

  private u32(): number {
    const i = this.i;
    if (i + 4 > this.batch.length) throw new RangeError("route batch cut short");
    this.i = i + 4;
    return getU32(this.batch, i);
  }

  private need(n: number): void {
    if (this.i + n > this.batch.length) throw new RangeError("route batch cut short");
  }

  private chunk(): Uint8Array {
    const n = this.u32();
    this.need(n);
    // A view made this way costs half of what subarray() does, which looks up a constructor.
    const b = this.batch;
    const v = new Uint8Array(b.buffer, b.byteOffset + this.i, n);
    this.i += n;
    return v;
  }
}

/** Whether `n` bytes of `b` at `at` are `last` (which is never empty when it matters). */
function same(b: Uint8Array, at: number, n: number, last: Uint8Array): boolean {
  if (n !== last.length || n === 0) return false;
  for (let k = 0; k < n; k++) if (b[at + k] !== last[k]) return false;
  return true;
}

function nameOf(bytes: Uint8Array): string {
  // Keyed by the bytes read as Latin-1 (one char per byte, cheap for short names).
  let key = "";
  for (let k = 0; k < bytes.length; k++) key += String.fromCharCode(bytes[k]);
  let name = names.get(key);
  if (name === undefined) {
    if (names.size >= NAME_CACHE) names.clear();
    names.set(key, (name = decoder.decode(bytes)));
  }
  return name;
}
