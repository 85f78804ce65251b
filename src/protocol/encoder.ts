// Builds what the server sends to a client, straight into one growing byte buffer
// per connection. Everything written to a connection during one inbound event
// becomes one WebSocket frame, so the buffer is the unit of coalescing.

const CRLF = 0x0d0a;
const enc = new TextEncoder();

const PING = enc.encode("PING\r\n");
const PONG = enc.encode("PONG\r\n");
const OK = enc.encode("+OK\r\n");
const MSG_ = enc.encode("MSG ");
const HMSG_ = enc.encode("HMSG ");
const NO_RESPONDERS = enc.encode(" 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");

/** Buffers up to this size are reused between frames; larger ones are dropped once sent. */
const KEEP = 64 * 1024;
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

  private reserve(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = Math.max(this.buf.length * 2, Math.min(this.lastFrame * 2, KEEP), 256);
    while (cap < need) cap *= 2;
    const grown = new Uint8Array(cap);
    grown.set(this.buf.subarray(0, this.len));
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

  /** `INFO <json>\r\n`; the JSON is escaped to ASCII by the caller's `infoJson`. */
  info(json: string): void {
    this.ascii("INFO ");
    this.ascii(json);
    this.crlf();
  }

  /**
   * `MSG <subject> <sid> [reply] <size>` or, with headers, `HMSG … <hdr> <total>`, then the bytes.
   * `sid` is the subscription id as bytes; `headerSize` is -1 for a message without headers.
   */
  msg(subject: Uint8Array, sid: Uint8Array, reply: Uint8Array | null, headerSize: number, message: Uint8Array): void {
    this.reserve(subject.length + sid.length + (reply?.length ?? 0) + message.length + 48);
    this.bytes(headerSize >= 0 ? HMSG_ : MSG_);
    this.bytes(subject);
    this.byte(32);
    this.bytes(sid);
    this.byte(32);
    if (reply !== null && reply.length > 0) {
      this.bytes(reply);
      this.byte(32);
    }
    if (headerSize >= 0) {
      this.int(headerSize);
      this.byte(32);
    }
    this.int(message.length);
    this.crlf();
    this.bytes(message);
    this.crlf();
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

/** JSON with every non-ASCII character escaped, so it can be written byte for byte. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
