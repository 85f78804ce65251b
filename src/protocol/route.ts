// The messages one shard forwards to another, as one byte batch per call.
//
// Like nats-server's RMSG, each record carries the account, the subject, the
// reply, the message, and the queue groups the sender assigned to the receiver; the
// receiver delivers to its own plain subscribers and to one local member of
// each named group, and never forwards further. Records are length-prefixed
// binary: nothing to tokenize, and views into the batch need no copying.

const EMPTY = new Uint8Array(0);
const NO_NAMES: readonly string[] = [];
const encoder = new TextEncoder();

/** Record flags. */
export const ROUTE_HEADERS = 1; // the message starts with a header block of `headerSize` bytes
export const ROUTE_RECEIPT = 2; // the sender wants to know whether anyone received it

export interface RoutedMessage {
  /** The sender's number for this record, echoed in receipts. */
  readonly id: number;
  readonly flags: number;
  /** The account the message was published in; it is delivered only within it. */
  readonly account: string;
  readonly subject: Uint8Array;
  readonly reply: Uint8Array | null;
  /** -1 when the message has no header block. */
  readonly headerSize: number;
  readonly message: Uint8Array;
  /** Queue groups whose member the receiver must pick. */
  readonly queues: readonly string[];
}

/** Builds a batch. Append records, then take() the bytes for one call. */
export class RouteBatch {
  private buf = EMPTY;
  private len = 0;
  /** Records in the batch. */
  count = 0;

  get size(): number {
    return this.len;
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
    const b = this.buf;
    const i = this.len;
    b[i] = n >>> 24;
    b[i + 1] = (n >>> 16) & 0xff;
    b[i + 2] = (n >>> 8) & 0xff;
    b[i + 3] = n & 0xff;
    this.len = i + 4;
  }

  private chunk(bytes: Uint8Array): void {
    this.u32(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  add(
    id: number,
    account: Uint8Array,
    subject: Uint8Array,
    reply: Uint8Array | null,
    headerSize: number,
    message: Uint8Array,
    queues: readonly string[],
    receipt: boolean,
  ): void {
    let n = 4 + 1 + 4 + account.length + 4 + subject.length + 4 + (reply?.length ?? 0) + 4 + 4 + message.length + 4;
    for (let i = 0; i < queues.length; i++) n += 4 + queueBytes(queues[i]).length;
    this.reserve(n);
    this.u32(id);
    this.buf[this.len++] = (headerSize >= 0 ? ROUTE_HEADERS : 0) | (receipt ? ROUTE_RECEIPT : 0);
    this.chunk(account);
    this.chunk(subject);
    this.chunk(reply ?? EMPTY);
    this.u32(headerSize >= 0 ? headerSize : 0);
    this.chunk(message);
    this.u32(queues.length);
    for (let i = 0; i < queues.length; i++) this.chunk(queueBytes(queues[i]));
    this.count++;
  }

  /** The batch's bytes, for the transport to keep; the builder starts empty again. */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.len);
    this.buf = EMPTY;
    this.len = 0;
    this.count = 0;
    return out;
  }
}

const decoder = new TextDecoder();

// Queue and account names repeat on every record: encode and decode each once.
const QUEUE_CACHE = 1024;
const encodedQueues = new Map<string, Uint8Array>();
const decodedQueues = new Map<string, string>();

function queueBytes(q: string): Uint8Array {
  let b = encodedQueues.get(q);
  if (b === undefined) {
    if (encodedQueues.size >= QUEUE_CACHE) encodedQueues.clear();
    encodedQueues.set(q, (b = encoder.encode(q)));
  }
  return b;
}

/** The last name decoded by each caller: a batch repeats the same account, and often the same group. */
class LastName {
  private bytes: Uint8Array = EMPTY;
  private name = "";

  get(bytes: Uint8Array): string {
    const last = this.bytes;
    if (bytes.length === last.length) {
      let i = 0;
      while (i < last.length && bytes[i] === last[i]) i++;
      if (i === last.length && last.length > 0) return this.name;
    }
    this.name = cachedName(bytes);
    this.bytes = bytes.slice();
    return this.name;
  }
}

const lastAccount = new LastName();
const lastQueue = new LastName();

function cachedName(bytes: Uint8Array): string {
  // Keyed by the bytes read as Latin-1 (one char per byte, cheap for short names).
  let key = "";
  for (let i = 0; i < bytes.length; i++) key += String.fromCharCode(bytes[i]);
  let q = decodedQueues.get(key);
  if (q === undefined) {
    if (decodedQueues.size >= QUEUE_CACHE) decodedQueues.clear();
    decodedQueues.set(key, (q = decoder.decode(bytes)));
  }
  return q;
}

/**
 * Calls `visit` for each record of a batch. Views point into `batch`. Throws
 * RangeError on a batch that is cut short or malformed.
 */
export function readRouteBatch(batch: Uint8Array, visit: (m: RoutedMessage) => void): void {
  let i = 0;
  const n = batch.length;
  const u32 = (): number => {
    if (i + 4 > n) throw new RangeError("route batch cut short");
    const v = ((batch[i] << 24) | (batch[i + 1] << 16) | (batch[i + 2] << 8) | batch[i + 3]) >>> 0;
    i += 4;
    return v;
  };
  const chunk = (): Uint8Array => {
    const len = u32();
    if (i + len > n) throw new RangeError("route batch cut short");
    const v = batch.subarray(i, i + len);
    i += len;
    return v;
  };
  while (i < n) {
    const id = u32();
    if (i >= n) throw new RangeError("route batch cut short");
    const flags = batch[i++];
    const account = lastAccount.get(chunk());
    const subject = chunk();
    const reply = chunk();
    const headerSize = u32();
    const message = chunk();
    const nq = u32();
    let queues = NO_NAMES;
    if (nq > 0) {
      const names: string[] = [];
      for (let q = 0; q < nq; q++) names.push(lastQueue.get(chunk()));
      queues = names;
    }
    visit({
      id,
      flags,
      account,
      subject,
      reply: reply.length > 0 ? reply : null,
      headerSize: flags & ROUTE_HEADERS ? headerSize : -1,
      message,
      queues,
    });
  }
}
