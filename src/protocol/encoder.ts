// Builds what the server sends to a client, straight into one growing byte buffer
// per connection. Everything written to a connection during one inbound event
// becomes one WebSocket frame, so the buffer is the unit of coalescing.

const CRLF = 0x0d0a;
const enc = new TextEncoder();

const PING = enc.encode("PING\r\n");
const PONG = enc.encode("PONG\r\n");
const OK = enc.encode("+OK\r\n");
const HMSG_ = enc.encode("HMSG ");
const NO_RESPONDERS = enc.encode(" 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");

/** Buffers up to this size are reused between frames; larger ones are dropped once sent. */
const KEEP = 64 * 1024;
/** Room left over the last frame's size when a frame of large messages is allocated at once. */
const SLACK = 1024;
const EMPTY = new Uint8Array(0);

export class Outbox {
  // Allocated on first write and sized by what the last frame needed: an idle
  // connection holds no buffer at all.
  private buf = EMPTY;
  private len = 0;
  private lastFrame = 256;

  /** Bytes waiting to be sent. */
  get size(): number {
    return this.len;
  }

  /**
   * Takes the pending bytes and empties the box. The result is never written to
   * again, so the transport may keep it: workerd's send() shares the buffer rather
   * than copying it. A mostly full buffer is handed over whole; a mostly empty one
   * is copied out, so a small frame never pins a large buffer.
   */
  take(): Uint8Array {
    const len = this.len;
    this.len = 0;
    this.lastFrame = len;
    if (len * 2 >= this.buf.length) {
      const out = this.buf.subarray(0, len);
      this.buf = EMPTY;
      return out;
    }
    const out = this.buf.slice(0, len);
    if (this.buf.length > KEEP) this.buf = EMPTY;
    return out;
  }

  /** Room for `n` more bytes. Kept this small so that it inlines into every write. */
  private reserve(n: number): void {
    if (this.len + n > this.buf.length) this.grow(this.len + n);
  }

  private grow(need: number): void {
    let cap: number;
    if (this.len === 0 && need > KEEP) {
      // Large messages: a frame like the last one (and a PING) in one allocation. Doubling
      // from KEEP would allocate and zero 128 then 256 KiB, and copy, for a frame of two
      // 64 KiB messages; fresh buffers that large cost more than copying the messages.
      cap = Math.max(need, this.lastFrame + SLACK);
    } else {
      cap = Math.max(this.buf.length * 2, Math.min(this.lastFrame * 2, KEEP), 256);
      while (cap < need) cap *= 2;
    }
    const grown = new Uint8Array(cap);
    if (this.len > 0) grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** ASCII-only text (numbers, verbs, JSON we produce escaped to ASCII). */
  ascii(s: string): void {
    this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i);
  }

  int(n: number): void {
    if (n < 10) {
      this.reserve(1);
      this.buf[this.len++] = 48 + n;
      return;
    }
    this.ascii(String(n));
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  private crlf(): void {
    this.reserve(2);
    this.buf[this.len++] = CRLF >> 8;
    this.buf[this.len++] = CRLF & 0xff;
  }

  ping(): void {
    this.bytes(PING);
  }

  pong(): void {
    this.bytes(PONG);
  }

  ok(): void {
    this.bytes(OK);
  }

  err(text: string): void {
    this.ascii(`-ERR '${text}'\r\n`);
  }

  /** `INFO <json>\r\n`; the JSON comes escaped to ASCII from server-info.ts' `infoJson`. */
  info(json: string): void {
    this.ascii("INFO ");
    this.ascii(json);
    this.crlf();
  }

  /**
   * `MSG <subject> <sid> [reply] <size>` or, with headers, `HMSG … <hdr> <total>`, then the bytes.
   * `sid` is the subscription id as bytes; `headerSize` is -1 for a message without headers.
   * The hottest function of the broker: one reserve, short fields copied by hand
   * (cheaper than TypedArray.set for a few bytes), no strings.
   */
  msg(subject: Uint8Array, sid: Uint8Array, reply: Uint8Array | null, headerSize: number, message: Uint8Array): void {
    const rl = reply === null ? 0 : reply.length;
    this.reserve(subject.length + sid.length + rl + message.length + 48);
    const b = this.buf;
    let i = this.len;
    if (headerSize >= 0) b[i++] = 0x48; // H
    b[i++] = 0x4d; // M
    b[i++] = 0x53; // S
    b[i++] = 0x47; // G
    b[i++] = 32;
    i = put(b, i, subject);
    b[i++] = 32;
    i = put(b, i, sid);
    b[i++] = 32;
    // An empty reply (not an absent one) is an empty field, as nats-server writes what its
    // streams and consumers send: `MSG <subject> <sid>  <size>`.
    if (reply !== null) {
      i = put(b, i, reply);
      b[i++] = 32;
    }
    this.len = putBody(b, i, headerSize, message);
  }

  /**
   * A message to a leafnode: `LMSG <subject> [reply] <size>`, or `HMSG <subject> [reply]
   * <hdr> <total>` with headers; with queue groups the reply follows an indicator,
   * `+ <reply>` or `|`, and the groups follow it (nats-server's leafnode msgHeader).
   */
  leafMsg(subject: Uint8Array, reply: Uint8Array | null, queues: readonly Uint8Array[], nqueues: number, headerSize: number, message: Uint8Array): void {
    let room = subject.length + (reply === null ? 0 : reply.length) + message.length + 48;
    for (let q = 0; q < nqueues; q++) room += queues[q].length + 1;
    this.reserve(room);
    const b = this.buf;
    let i = this.len;
    b[i++] = headerSize >= 0 ? 0x48 /* H */ : 0x4c /* L */;
    b[i++] = 0x4d; // M
    b[i++] = 0x53; // S
    b[i++] = 0x47; // G
    b[i++] = 32;
    i = put(b, i, subject);
    b[i++] = 32;
    if (nqueues > 0) {
      if (reply !== null && reply.length > 0) {
        b[i++] = 0x2b; // +
        b[i++] = 32;
        i = put(b, i, reply);
      } else {
        b[i++] = 0x7c; // |
      }
      b[i++] = 32;
      for (let q = 0; q < nqueues; q++) {
        i = put(b, i, queues[q]);
        b[i++] = 32;
      }
    } else if (reply !== null && reply.length > 0) {
      i = put(b, i, reply);
      b[i++] = 32;
    }
    this.len = putBody(b, i, headerSize, message);
  }

  /** `LS+ <subject>`, or `LS+ <subject> <queue> <weight>` for a queue group's members. */
  leafSub(subject: string, queue: string, weight: number): void {
    // Subjects may hold any UTF-8 but whitespace: encoded, not written as ASCII.
    this.bytes(enc.encode(queue === "" ? `LS+ ${subject}\r\n` : `LS+ ${subject} ${queue} ${weight}\r\n`));
  }

  /** `LS- <subject> [queue]`. */
  leafUnsub(subject: string, queue: string): void {
    this.bytes(enc.encode(queue === "" ? `LS- ${subject}\r\n` : `LS- ${subject} ${queue}\r\n`));
  }

  /** The no-responders status nats-server sends: `HMSG <reply> <sid> 16 16` carrying `NATS/1.0 503`. */
  noResponders(reply: Uint8Array, sid: Uint8Array): void {
    this.bytes(HMSG_);
    this.bytes(reply);
    this.byte(32);
    this.bytes(sid);
    this.bytes(NO_RESPONDERS);
  }
}

/** `[<hdr> ]<size>\r\n<message>\r\n`, the end of MSG and LMSG alike; returns the index after it. */
function putBody(b: Uint8Array, i: number, headerSize: number, message: Uint8Array): number {
  if (headerSize >= 0) {
    i = putInt(b, i, headerSize);
    b[i++] = 32;
  }
  i = putInt(b, i, message.length);
  b[i++] = 13;
  b[i++] = 10;
  i = put(b, i, message);
  b[i++] = 13;
  b[i++] = 10;
  return i;
}

/** Copies `src` into `b` at `i`; returns the index after it. */
function put(b: Uint8Array, i: number, src: Uint8Array): number {
  const n = src.length;
  if (n > 32) {
    b.set(src, i);
    return i + n;
  }
  for (let k = 0; k < n; k++) b[i + k] = src[k];
  return i + n;
}

/** Writes a non-negative integer in decimal at `i`; returns the index after it. */
function putInt(b: Uint8Array, i: number, n: number): number {
  if (n < 10) {
    b[i] = 48 + n;
    return i + 1;
  }
  let digits = 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
  for (let k = i + digits - 1; k >= i; k--) {
    b[k] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return i + digits;
}

/** JSON with every non-ASCII character escaped, so it can be written byte for byte. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
