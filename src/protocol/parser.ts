// Incremental parser of the NATS client protocol, in the shape of nats-server's
// server/parser.go: a byte state machine fed whatever the transport delivers.
// An op may span any number of WebSocket messages and one message may hold many
// ops. Arguments and payloads are handed out as views into the input; bytes are
// copied only when an op straddles two feeds, and only after the limits allowed it.

import { ERR, type ProtocolError } from "./errors.js";

/** Receives the parsed ops. Views are valid only during the call: copy what you keep. */
export interface ParserHandler {
  connect(json: Uint8Array): void;
  /** `headerSize` is -1 for PUB; for HPUB `message` holds the header block then the payload. */
  pub(subject: Uint8Array, reply: Uint8Array | null, headerSize: number, message: Uint8Array): void;
  sub(subject: Uint8Array, queue: Uint8Array | null, sid: Uint8Array): void;
  /** `max` is -1 when the UNSUB has no maximum. */
  unsub(sid: Uint8Array, max: number): void;
  ping(): void;
  pong(): void;
  /** The parser stops after a closing error; later feeds are ignored. */
  error(err: ProtocolError): void;
}

export interface ParserLimits {
  /** Longest control line (the arguments after the verb), as nats-server's max_control_line. */
  maxControlLine: number;
  /** Largest message (headers and payload), as nats-server's max_payload. */
  maxPayload: number;
}

export const DEFAULT_LIMITS: ParserLimits = { maxControlLine: 4096, maxPayload: 1024 * 1024 };

const enum S {
  Start,
  P, // PUB, PING and PONG share the first letter; the second decides
  Verb, // matching the rest of a known verb
  VerbEnd, // verb complete: expect whitespace (ops with args) or end of line (PING/PONG)
  PingPongEnd, // after PING/PONG: tolerate '\r' and spaces, then '\n'
  ArgSpace, // whitespace between the verb and its arguments
  Arg, // collecting the control line up to '\n'
  Payload, // collecting `need` bytes of message plus CRLF
  PayloadCR,
  PayloadLF,
  Dead,
}

const enum Op {
  Connect,
  Pub,
  Hpub,
  Sub,
  Unsub,
  Ping,
  Pong,
}

// Lower-case spelling of each verb, indexed by Op.
const VERBS = ["connect", "pub", "hpub", "sub", "unsub", "ping", "pong"];

const CR = 13;
const LF = 10;
const SP = 32;
const TAB = 9;

/** At most this many whitespace-separated arguments are recognised (HPUB has 4). */
const MAX_ARGS = 5;

export class Parser {
  private state = S.Start;
  private op = Op.Ping;
  private verbPos = 0;

  // Control line spanning feeds: copied here (bounded by maxControlLine).
  private argBuf: Uint8Array | null = null;
  private argLen = 0;

  // Message spanning feeds: its own buffer, allocated once the size passed the limit.
  private msgBuf: Uint8Array | null = null;
  private msgLen = 0;
  private need = 0;

  // Pending PUB/HPUB arguments, as copies once the message spans feeds.
  private subject: Uint8Array = EMPTY;
  private reply: Uint8Array | null = null;
  private headerSize = -1;
  private ownsSubject = false;
  // The whole message seen in the current feed, before its CRLF arrived.
  private pendingView: Uint8Array | null = null;

  // Offsets of the arguments of the current control line.
  private readonly argStart = new Int32Array(MAX_ARGS);
  private readonly argEnd = new Int32Array(MAX_ARGS);

  constructor(
    private readonly handler: ParserHandler,
    private readonly limits: ParserLimits = DEFAULT_LIMITS,
  ) {}

  /** True after a closing error. */
  get dead(): boolean {
    return this.state === S.Dead;
  }

  /** True when the parser holds part of an op (what a restart would lose). */
  get midOp(): boolean {
    return this.state !== S.Start && this.state !== S.Dead;
  }

  feed(buf: Uint8Array): void {
    let i = 0;
    const n = buf.length;
    while (i < n) {
      const b = buf[i];
      switch (this.state) {
        case S.Start:
          if (!this.start(b)) { this.fail(ERR.unknownOp, buf, i); return; }
          i++;
          break;
        case S.P: {
          const c = b | 0x20;
          if (c === 0x75 /* u */) this.op = Op.Pub;
          else if (c === 0x69 /* i */) this.op = Op.Ping;
          else if (c === 0x6f /* o */) this.op = Op.Pong;
          else { this.fail(ERR.unknownOp, buf, i); return; }
          this.verbPos = 2;
          this.state = S.Verb;
          i++;
          break;
        }
        case S.Verb: {
          const verb = VERBS[this.op];
          if ((b | 0x20) !== verb.charCodeAt(this.verbPos)) { this.fail(ERR.unknownOp, buf, i); return; }
          if (++this.verbPos === verb.length) this.state = S.VerbEnd;
          i++;
          break;
        }
        case S.VerbEnd:
          if (this.op === Op.Ping || this.op === Op.Pong) {
            if (b !== CR && b !== LF && b !== SP && b !== TAB) { this.fail(ERR.unknownOp, buf, i); return; }
            this.state = S.PingPongEnd;
            break; // re-examine this byte in PingPongEnd
          }
          if (b !== SP && b !== TAB) { this.fail(ERR.unknownOp, buf, i); return; }
          this.state = S.ArgSpace;
          i++;
          break;
        case S.PingPongEnd:
          if (b === LF) {
            this.state = S.Start;
            i++;
            if (this.op === Op.Ping) this.handler.ping();
            else this.handler.pong();
            if (this.dead) return;
          } else if (b === CR || b === SP || b === TAB) {
            i++;
          } else {
            { this.fail(ERR.unknownOp, buf, i); return; }
          }
          break;
        case S.ArgSpace:
          if (b === SP || b === TAB) {
            i++;
            break;
          }
          this.state = S.Arg;
          this.argLen = 0;
          break; // the argument starts at this byte
        case S.Arg:
          i = this.arg(buf, i);
          if (i < 0) return;
          break;
        case S.Payload: {
          const take = Math.min(this.need - this.msgLen, n - i);
          if (this.msgLen === 0 && take === this.need) {
            // The whole message is in this feed: hand out a view, copy nothing.
            this.msgBuf = null;
            this.msgLen = this.need;
            this.pendingView = buf.subarray(i, i + take);
          } else {
            if (this.msgBuf === null) this.msgBuf = new Uint8Array(this.need);
            this.msgBuf.set(buf.subarray(i, i + take), this.msgLen);
            this.msgLen += take;
          }
          i += take;
          if (this.msgLen === this.need) this.state = S.PayloadCR;
          break;
        }
        case S.PayloadCR:
          if (b !== CR) { this.fail(ERR.unknownOp, buf, i); return; }
          this.state = S.PayloadLF;
          i++;
          break;
        case S.PayloadLF: {
          if (b !== LF) { this.fail(ERR.unknownOp, buf, i); return; }
          i++;
          const message = this.pendingView ?? this.msgBuf!.subarray(0, this.need);
          this.pendingView = null;
          this.msgBuf = null;
          this.msgLen = 0;
          this.state = S.Start;
          this.handler.pub(this.subject, this.reply, this.headerSize, message);
          this.subject = EMPTY;
          this.reply = null;
          if (this.dead) return;
          break;
        }
        case S.Dead:
          return;
      }
    }
    // A view into this feed must never outlive it: copy what waits for the next one.
    if (this.state === S.Payload || this.state === S.PayloadCR || this.state === S.PayloadLF) {
      this.detachPending();
    }
  }

  /** Dispatches the first byte of an op; false when no op starts with it. */
  private start(b: number): boolean {
    switch (b | 0x20) {
      case 0x63 /* c */:
        return this.beginVerb(Op.Connect);
      case 0x70 /* p */:
        this.state = S.P;
        return true;
      case 0x68 /* h */:
        return this.beginVerb(Op.Hpub);
      case 0x73 /* s */:
        return this.beginVerb(Op.Sub);
      case 0x75 /* u */:
        return this.beginVerb(Op.Unsub);
      default:
        // Line ends between ops are tolerated, as nats-server does.
        return b === CR || b === LF;
    }
  }

  private beginVerb(op: Op): boolean {
    this.op = op;
    this.verbPos = 1;
    this.state = S.Verb;
    return true;
  }

  /** Collects the control line; returns the next index, or -1 when parsing stopped. */
  private arg(buf: Uint8Array, i: number): number {
    const lf = buf.indexOf(LF, i);
    const max = this.limits.maxControlLine;
    if (lf < 0) {
      const len = this.argLen + (buf.length - i);
      if (len > max) {
        this.fail(ERR.maxControlLine, buf, i);
        return -1;
      }
      if (this.argBuf === null || this.argBuf.length < len) {
        const grown = new Uint8Array(Math.min(max, Math.max(len, 256) * 2));
        if (this.argBuf !== null) grown.set(this.argBuf.subarray(0, this.argLen));
        this.argBuf = grown;
      }
      this.argBuf.set(buf.subarray(i), this.argLen);
      this.argLen = len;
      return buf.length;
    }
    let line: Uint8Array;
    if (this.argLen === 0) {
      line = buf.subarray(i, lf);
    } else {
      const len = this.argLen + (lf - i);
      if (len > max) {
        this.fail(ERR.maxControlLine, buf, i);
        return -1;
      }
      if (this.argBuf!.length < len) {
        const grown = new Uint8Array(len);
        grown.set(this.argBuf!.subarray(0, this.argLen));
        this.argBuf = grown;
      }
      this.argBuf!.set(buf.subarray(i, lf), this.argLen);
      line = this.argBuf!.subarray(0, len);
    }
    this.argLen = 0;
    let end = line.length;
    if (end > 0 && line[end - 1] === CR) end--;
    if (end > max) {
      this.fail(ERR.maxControlLine, line, 0);
      return -1;
    }
    this.state = S.Start;
    if (!this.dispatch(line.subarray(0, end))) return -1;
    return lf + 1;
  }

  /** Splits the control line into argument offsets; returns the count (MAX_ARGS+1 when too many). */
  private split(line: Uint8Array): number {
    let count = 0;
    let i = 0;
    const n = line.length;
    while (i < n) {
      while (i < n && (line[i] === SP || line[i] === TAB)) i++;
      if (i >= n) break;
      if (count === MAX_ARGS) return MAX_ARGS + 1;
      this.argStart[count] = i;
      while (i < n && line[i] !== SP && line[i] !== TAB) i++;
      this.argEnd[count++] = i;
    }
    return count;
  }

  private view(line: Uint8Array, k: number): Uint8Array {
    return line.subarray(this.argStart[k], this.argEnd[k]);
  }

  /** Acts on a complete control line. Returns false when parsing stopped. */
  private dispatch(line: Uint8Array): boolean {
    switch (this.op) {
      case Op.Connect:
        this.handler.connect(line);
        return !this.dead;
      case Op.Pub: {
        const argc = this.split(line);
        if (argc !== 2 && argc !== 3) return this.argError("PUB", line);
        const size = parseSize(line, this.argStart[argc - 1], this.argEnd[argc - 1]);
        if (size < 0) return this.argError("PUB", line);
        if (size > this.limits.maxPayload) return this.fail(ERR.maxPayload, line, 0);
        this.beginPayload(this.view(line, 0), argc === 3 ? this.view(line, 1) : null, -1, size);
        return true;
      }
      case Op.Hpub: {
        const argc = this.split(line);
        if (argc !== 3 && argc !== 4) return this.argError("HPUB", line);
        const hdr = parseSize(line, this.argStart[argc - 2], this.argEnd[argc - 2]);
        const total = parseSize(line, this.argStart[argc - 1], this.argEnd[argc - 1]);
        if (hdr < 0 || total < 0 || hdr > total) return this.argError("HPUB", line);
        if (total > this.limits.maxPayload) return this.fail(ERR.maxPayload, line, 0);
        this.beginPayload(this.view(line, 0), argc === 4 ? this.view(line, 1) : null, hdr, total);
        return true;
      }
      case Op.Sub: {
        const argc = this.split(line);
        if (argc !== 2 && argc !== 3) return this.argError("SUB", line);
        const queue = argc === 3 ? this.view(line, 1) : null;
        this.handler.sub(this.view(line, 0), queue, this.view(line, argc - 1));
        return !this.dead;
      }
      case Op.Unsub: {
        const argc = this.split(line);
        if (argc !== 1 && argc !== 2) return this.argError("UNSUB", line);
        let max = -1;
        if (argc === 2) {
          max = parseSize(line, this.argStart[1], this.argEnd[1]);
          if (max < 0) return this.argError("UNSUB", line);
        }
        this.handler.unsub(this.view(line, 0), max);
        return !this.dead;
      }
      default:
        return true;
    }
  }

  private beginPayload(subject: Uint8Array, reply: Uint8Array | null, headerSize: number, size: number): void {
    this.subject = subject;
    this.reply = reply;
    this.headerSize = headerSize;
    this.need = size;
    this.msgLen = 0;
    this.msgBuf = null;
    this.ownsSubject = false;
    this.pendingView = size === 0 ? EMPTY : null;
    this.state = size === 0 ? S.PayloadCR : S.Payload;
  }

  /** The message waits for the next feed: its arguments must not alias this one. */
  private detachPending(): void {
    if (!this.ownsSubject) {
      this.subject = this.subject.slice();
      this.reply = this.reply === null ? null : this.reply.slice();
      this.ownsSubject = true;
    }
    if (this.pendingView !== null && this.pendingView.length > 0) {
      this.msgBuf = this.pendingView.slice();
      this.pendingView = null;
    }
  }

  /** Malformed arguments: nats-server closes the connection without an -ERR. */
  private argError(verb: string, line: Uint8Array): false {
    this.state = S.Dead;
    this.handler.error({ text: null, close: true, detail: `${verb} argument error: ${snippet(line, 0)}` });
    return false;
  }

  private fail(text: ProtocolError["text"], buf: Uint8Array, at: number): false {
    this.state = S.Dead;
    this.handler.error({ text, close: true, detail: `${text} at state ${this.op}: ${snippet(buf, at)}` });
    return false;
  }
}

const EMPTY = new Uint8Array(0);

/** Parses a non-negative decimal size; -1 when it is not one (or is unreasonably long). */
export function parseSize(buf: Uint8Array, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function snippet(buf: Uint8Array, at: number): string {
  let s = "";
  const end = Math.min(buf.length, at + 32);
  for (let i = at; i < end; i++) {
    const b = buf[i];
    s += b >= 32 && b < 127 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return `'${s}'`;
}
