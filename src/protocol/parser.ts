// Incremental parser of the NATS client protocol, in the shape of nats-server's
// server/parser.go: a byte state machine fed whatever the transport delivers.
// An op may span any number of WebSocket messages and one message may hold many
// ops. Arguments and payloads are handed out as views into the input; bytes are
// copied only when an op straddles two feeds, and only after the limits allowed it.
//
// Where nats-server is lenient or strict in surprising ways, this parser follows
// it (checked against nats-server 2.9.10 byte for byte): `PINGX` is a PING, a
// blank line is an unknown op, `CONNECT{}` needs no space, client `INFO` and `+OK`
// are ignored, a client `-ERR` closes the connection.
//
// A leafnode connection speaks the same protocol with the leaf verbs added
// (nats-server's parser with c.kind == LEAF): `LS+`/`LS-` for interest, and
// `LMSG`/`HMSG` for messages, which may name queue groups after a reply indicator.

import { CLOSE, ERR, type Closing, type ProtocolError } from "./errors.js";
import { Message } from "./message.js";

/** Receives the parsed ops. Views are valid only during the call: copy what you keep. */
export interface ParserHandler {
  connect(json: Uint8Array): void;
  /** A PUB or HPUB: the parser's one Message, filled in anew for each (see message.ts). */
  pub(msg: Message): void;
  sub(subject: Uint8Array, queue: Uint8Array | null, sid: Uint8Array): void;
  /** `max` is -1 when the UNSUB has no (valid) maximum. */
  unsub(sid: Uint8Array, max: number): void;
  ping(): void;
  pong(): void;
  /** Called once; the parser ignores everything after a closing error. */
  error(err: ProtocolError): void;
}

/** What a leafnode connection's parser hands on besides the client ops (LMSG/HMSG arrive as pub). */
export interface LeafParserHandler extends ParserHandler {
  /** `LS+ <subject>` (queue null, weight 1) or `LS+ <subject> <queue> <weight>`. */
  leafSub(subject: Uint8Array, queue: Uint8Array | null, weight: number): void;
  /** `LS- <subject> [queue]`. */
  leafUnsub(subject: Uint8Array, queue: Uint8Array | null): void;
  /** The hub's INFO, when nats-edge dialed it (a client's INFO is only checked to be JSON). */
  info(json: Uint8Array): void;
  /** The peer's `-ERR`, which on a leafnode connection does not close it (nats-server's processErr). */
  peerError(text: string): void;
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
  L, // LS+, LS- and LMSG (leafnodes): the second letter decides
  LS, // LS+ or LS-: the third
  Verb, // matching the rest of a known verb
  VerbEnd, // verb complete: what may follow depends on the op
  Skip, // PING, PONG, +OK: everything up to the end of the line is ignored
  ArgSpace, // whitespace between the verb and its arguments
  Arg, // collecting the control line up to '\n'
  Payload, // collecting `need` bytes of message
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
  Info,
  Ok,
  Err,
  LsPlus,
  LsMinus,
  Lmsg,
  Hmsg,
}

// Lower-case spelling of each verb, indexed by Op.
const VERBS = ["connect", "pub", "hpub", "sub", "unsub", "ping", "pong", "info", "+ok", "-err", "ls+", "ls-", "lmsg", "hmsg"];

const CR = 13;
const LF = 10;
const SP = 32;
const TAB = 9;

/** At most this many whitespace-separated arguments are recognised (HPUB has 4). */
const MAX_ARGS = 5;
/** A leaf's LMSG names any number of queue groups; its control line bounds them. */
const MAX_LEAF_ARGS = 1024;

const EMPTY = new Uint8Array(0);

export class Parser {
  private state = S.Start;
  private op = Op.Ping;
  private verbPos = 0;

  // A control line spanning feeds is copied here (bounded by maxControlLine).
  private argBuf: Uint8Array | null = null;
  private argLen = 0;

  // The message of a PUB/HPUB: a view while it lies in one feed, else its own buffer.
  private msgView: Uint8Array | null = null;
  private msgBuf: Uint8Array | null = null;
  private msgLen = 0;
  private need = 0;

  /** What each PUB/HPUB is handed on as (nats-server's pubArg). */
  private readonly pa = new Message();

  // Arguments of the pending PUB/HPUB; copied once the message spans feeds.
  private subject: Uint8Array = EMPTY;
  private reply: Uint8Array | null = null;
  private headerSize = -1;
  private argsOwned = false;

  // Queue groups an LMSG/HMSG named (leafnodes); views until argsOwned.
  private queues: Uint8Array[] | null = null;

  // Offsets of the arguments of the current control line.
  private readonly maxArgs: number;
  private readonly argStart: Int32Array;
  private readonly argEnd: Int32Array;
  /** Set for a leafnode connection: the leaf verbs are known, SUB and UNSUB are not. */
  private readonly leaf: LeafParserHandler | null;

  constructor(
    private readonly handler: ParserHandler,
    private readonly limits: ParserLimits = DEFAULT_LIMITS,
    leaf: LeafParserHandler | null = null,
  ) {
    this.leaf = leaf;
    this.maxArgs = leaf === null ? MAX_ARGS : MAX_LEAF_ARGS;
    this.argStart = new Int32Array(this.maxArgs);
    this.argEnd = new Int32Array(this.maxArgs);
  }

  /**
   * Set while a client must authenticate: like nats-server, any op but CONNECT is
   * an authorization violation, decided on its first byte.
   */
  connectFirst = false;

  /** Where the op still in progress began in the last feed; -1 when it began earlier. */
  private opStart = -1;

  /**
   * Stops parsing for good: the handler closed the connection (a refused CONNECT,
   * say), and nothing after that op in the same input may take effect.
   */
  stop(): void {
    this.state = S.Dead;
  }

  /** True after a closing error. */
  get dead(): boolean {
    return this.state === S.Dead;
  }

  /** True when the last feed ended inside an op. */
  get midOp(): boolean {
    return this.state !== S.Start && this.state !== S.Dead;
  }

  /**
   * The bytes of the op in progress that arrived in the last feed, or, when the op
   * began in an earlier feed, null (all of that feed belongs to it). Feeding a fresh
   * parser the op's bytes puts it back in the same state, which is how a host
   * carries a half-received op across a restart.
   */
  tailOf(buf: Uint8Array): Uint8Array | null {
    return this.opStart < 0 ? null : buf.subarray(this.opStart);
  }

  feed(buf: Uint8Array): void {
    let i = 0;
    const n = buf.length;
    this.opStart = -1;
    while (i < n) {
      const b = buf[i];
      switch (this.state) {
        case S.Start:
          this.opStart = i;
          if (this.connectFirst && (b | 0x20) !== 0x63 /* c */) return this.notConnected(buf, i);
          // `PUB ` whole in this feed, as nearly every op of a publishing client is: four
          // bytes at once, to the state the byte-by-byte path reaches after them.
          if ((b | 0x20) === 0x70 /* p */ && i + 3 < n && (buf[i + 1] | 0x20) === 0x75 /* u */ && (buf[i + 2] | 0x20) === 0x62 /* b */) {
            const sp = buf[i + 3];
            if (sp === SP || sp === TAB) {
              this.op = Op.Pub;
              this.state = S.ArgSpace;
              i += 4;
              break;
            }
          }
          if (!this.start(b)) return this.unknownOp(buf, i);
          i++;
          break;
        case S.P: {
          const c = b | 0x20;
          if (c === 0x75 /* u */) this.op = Op.Pub;
          else if (c === 0x69 /* i */) this.op = Op.Ping;
          else if (c === 0x6f /* o */) this.op = Op.Pong;
          else return this.unknownOp(buf, i);
          this.verbPos = 2;
          this.state = S.Verb;
          i++;
          break;
        }
        case S.L: {
          const c = b | 0x20;
          if (c === 0x73 /* s */) this.state = S.LS;
          else if (c === 0x6d /* m */) {
            this.op = Op.Lmsg;
            this.verbPos = 2;
            this.state = S.Verb;
          } else return this.unknownOp(buf, i);
          i++;
          break;
        }
        case S.LS:
          if (b === 0x2b /* + */) this.op = Op.LsPlus;
          else if (b === 0x2d /* - */) this.op = Op.LsMinus;
          else return this.unknownOp(buf, i);
          this.state = S.VerbEnd;
          i++;
          break;
        case S.Verb: {
          const verb = VERBS[this.op];
          if ((b | 0x20) !== verb.charCodeAt(this.verbPos)) return this.unknownOp(buf, i);
          if (++this.verbPos === verb.length) this.state = S.VerbEnd;
          i++;
          break;
        }
        case S.VerbEnd:
          i = this.verbEnd(buf, i, b);
          if (i < 0) return;
          break;
        case S.Skip: {
          const lf = buf.indexOf(LF, i);
          if (lf < 0) return; // the rest of the line may come in a later feed
          i = lf + 1;
          this.state = S.Start;
          if (this.op === Op.Ping) this.handler.ping();
          else if (this.op === Op.Pong) this.handler.pong();
          if (this.dead) return;
          break;
        }
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
        case S.Payload:
          i = this.payload(buf, i);
          if (this.dead) return;
          break;
        case S.PayloadCR:
          if (b !== CR) return this.unknownOp(buf, i);
          this.state = S.PayloadLF;
          i++;
          break;
        case S.PayloadLF:
          if (b !== LF) return this.unknownOp(buf, i);
          i++;
          this.emit();
          if (this.dead) return;
          break;
        case S.Dead:
          return;
      }
    }
    // A view into this feed must never outlive it: copy what waits for the next one.
    if (this.state === S.Payload || this.state === S.PayloadCR || this.state === S.PayloadLF) this.detach();
  }

  /** A PUB/HPUB is complete: hands it to the handler. */
  private emit(): void {
    const message = this.msgView ?? this.msgBuf!;
    const subject = this.subject;
    const reply = this.reply;
    this.msgView = this.msgBuf = null;
    this.subject = EMPTY;
    this.reply = null;
    this.state = S.Start;
    const pa = this.pa.set(subject, reply, this.headerSize, message);
    if (this.queues !== null) {
      pa.namedGroups = this.queues;
      this.queues = null;
    }
    this.handler.pub(pa);
  }

  /** Dispatches the first byte of an op; false when no op starts with it. */
  private start(b: number): boolean {
    switch (b | 0x20) {
      case 0x63 /* c */:
        return this.verb(Op.Connect);
      case 0x70 /* p */:
        this.state = S.P;
        return true;
      case 0x68 /* h */:
        return this.verb(this.leaf === null ? Op.Hpub : Op.Hmsg);
      case 0x6c /* l */:
        if (this.leaf === null) return false;
        this.state = S.L;
        return true;
      case 0x73 /* s */:
        return this.leaf === null && this.verb(Op.Sub);
      case 0x75 /* u */:
        return this.leaf === null && this.verb(Op.Unsub);
      case 0x69 /* i */:
        return this.verb(Op.Info);
      default:
        if (b === 0x2b /* + */) return this.verb(Op.Ok);
        if (b === 0x2d /* - */) return this.verb(Op.Err);
        return false;
    }
  }

  private verb(op: Op): boolean {
    this.op = op;
    this.verbPos = 1;
    this.state = S.Verb;
    return true;
  }

  /** What may follow a complete verb; returns the next index, or -1 when parsing stopped. */
  private verbEnd(buf: Uint8Array, i: number, b: number): number {
    switch (this.op) {
      case Op.Ping:
      case Op.Pong:
      case Op.Ok:
        // nats-server reads to the end of the line and ignores the rest (`PINGX` is a PING).
        this.state = S.Skip;
        return i;
      case Op.Connect:
      case Op.Info:
        // `CONNECT{}` needs no space; the argument may be empty (and then fails as JSON).
        this.state = S.ArgSpace;
        return i;
      default:
        if (b !== SP && b !== TAB) {
          this.unknownOp(buf, i);
          return -1;
        }
        this.state = S.ArgSpace;
        return i + 1;
    }
  }

  /** Collects the control line; returns the next index, or -1 when parsing stopped. */
  private arg(buf: Uint8Array, i: number): number {
    const max = this.limits.maxControlLine;
    const lf = buf.indexOf(LF, i);
    const end = lf < 0 ? buf.length : lf;
    const len = this.argLen + (end - i);
    // Checked before anything is buffered: a line past the limit is never stored.
    // One byte of slack only when the bytes so far end in the CR that ends the line,
    // which does not count (as nats-server drops it before its check).
    const last = end > i ? buf[end - 1] : this.argLen > 0 ? this.argBuf![this.argLen - 1] : 0;
    if (len > max + (last === CR ? 1 : 0)) {
      this.fail(ERR.maxControlLine, CLOSE.maxControlLine, buf, i);
      return -1;
    }
    if (lf < 0) {
      this.keepArg(buf.subarray(i), len);
      return buf.length;
    }
    // The line as offsets into the bytes that hold it: no view is made per op.
    let line = buf;
    let start = i;
    let stop = lf;
    if (this.argLen > 0) {
      this.keepArg(buf.subarray(i, lf), len);
      line = this.argBuf!;
      start = 0;
      stop = len;
      this.argLen = 0;
    }
    if (stop > start && line[stop - 1] === CR) stop--;
    if (stop - start > max) {
      this.fail(ERR.maxControlLine, CLOSE.maxControlLine, line, start);
      return -1;
    }
    this.state = S.Start;
    return this.dispatch(line, start, stop) ? lf + 1 : -1;
  }

  private keepArg(part: Uint8Array, len: number): void {
    if (this.argBuf === null || this.argBuf.length < len) {
      const grown = new Uint8Array(Math.max(len, Math.min(this.limits.maxControlLine + 1, Math.max(len * 2, 256))));
      if (this.argBuf !== null) grown.set(this.argBuf.subarray(0, this.argLen));
      this.argBuf = grown;
    }
    this.argBuf.set(part, this.argLen);
    this.argLen = len;
  }

  /** Takes message bytes; returns the next index. */
  private payload(buf: Uint8Array, i: number): number {
    const take = Math.min(this.need - this.msgLen, buf.length - i);
    if (this.msgLen === 0 && take === this.need) {
      this.msgView = viewOf(buf, i, i + take); // all in this feed: no copy
    } else {
      // Allocated only now, after the size passed the max_payload check.
      if (this.msgBuf === null) this.msgBuf = new Uint8Array(this.need);
      this.msgBuf.set(buf.subarray(i, i + take), this.msgLen);
    }
    this.msgLen += take;
    i += take;
    if (this.msgLen < this.need) return i;
    // The CRLF after the message, when it is here, ends the op in the same step.
    if (i + 1 < buf.length && buf[i] === CR && buf[i + 1] === LF) {
      this.emit();
      return i + 2;
    }
    this.state = S.PayloadCR;
    return i;
  }

  /** The message waits for the next feed: nothing it holds may alias this one. */
  private detach(): void {
    if (!this.argsOwned) {
      this.subject = this.subject.slice();
      this.reply = this.reply === null ? null : this.reply.slice();
      if (this.queues !== null) this.queues = this.queues.map((q) => q.slice());
      this.argsOwned = true;
    }
    if (this.msgView !== null && this.msgView.length > 0) {
      this.msgBuf = this.msgView.slice();
      this.msgView = null;
    }
  }

  /** Splits line[start, stop) into argument offsets; returns the count (MAX_ARGS+1 when too many). */
  private split(line: Uint8Array, start: number, stop: number): number {
    let count = 0;
    let i = start;
    while (i < stop) {
      while (i < stop && (line[i] === SP || line[i] === TAB)) i++;
      if (i >= stop) break;
      if (count === this.maxArgs) return this.maxArgs + 1;
      this.argStart[count] = i;
      while (i < stop && line[i] !== SP && line[i] !== TAB) i++;
      this.argEnd[count++] = i;
    }
    return count;
  }

  private view(line: Uint8Array, k: number): Uint8Array {
    return viewOf(line, this.argStart[k], this.argEnd[k]);
  }

  private size(line: Uint8Array, k: number): number {
    return parseSize(line, this.argStart[k], this.argEnd[k]);
  }

  /** Acts on a complete control line, line[start, stop). Returns false when parsing stopped. */
  private dispatch(line: Uint8Array, start: number, stop: number): boolean {
    switch (this.op) {
      case Op.Connect:
        this.handler.connect(line.subarray(start, stop));
        return !this.dead;
      case Op.Info:
        // A client's INFO is ignored, but like nats-server we insist that it is JSON.
        if (!isJsonObject(line.subarray(start, stop))) return this.argError("INFO", line, start);
        this.leaf?.info(line.subarray(start, stop));
        return !this.dead;
      case Op.Err:
        if (this.leaf !== null) {
          this.leaf.peerError(new TextDecoder().decode(line.subarray(start, Math.min(stop, start + 1024))));
          return !this.dead;
        }
        // A client reporting an error: nats-server logs it and closes (1002 "Parse Error").
        this.state = S.Dead;
        this.handler.error({ text: null, close: CLOSE.parseError, detail: `client -ERR ${snippet(line, start)}` });
        return false;
      case Op.Pub: {
        const argc = this.split(line, start, stop);
        if (argc !== 2 && argc !== 3) return this.argError("PUB", line, start);
        const size = this.size(line, argc - 1);
        if (size < 0) return this.argError("PUB", line, start);
        if (size > this.limits.maxPayload) return this.fail(ERR.maxPayload, CLOSE.maxPayload, line, start);
        this.expect(this.view(line, 0), argc === 3 ? this.view(line, 1) : null, -1, size);
        return true;
      }
      case Op.Hpub: {
        const argc = this.split(line, start, stop);
        if (argc !== 3 && argc !== 4) return this.argError("HPUB", line, start);
        const hdr = this.size(line, argc - 2);
        const total = this.size(line, argc - 1);
        if (hdr < 0 || total < 0 || hdr > total) return this.argError("HPUB", line, start);
        if (total > this.limits.maxPayload) return this.fail(ERR.maxPayload, CLOSE.maxPayload, line, start);
        this.expect(this.view(line, 0), argc === 4 ? this.view(line, 1) : null, hdr, total);
        return true;
      }
      case Op.Sub: {
        const argc = this.split(line, start, stop);
        if (argc !== 2 && argc !== 3) return this.argError("SUB", line, start);
        this.handler.sub(this.view(line, 0), argc === 3 ? this.view(line, 1) : null, this.view(line, argc - 1));
        return !this.dead;
      }
      case Op.Unsub: {
        const argc = this.split(line, start, stop);
        if (argc !== 1 && argc !== 2) return this.argError("UNSUB", line, start);
        // An unreadable maximum counts as none, as in nats-server: the UNSUB takes effect now.
        this.handler.unsub(this.view(line, 0), argc === 2 ? this.size(line, 1) : -1);
        return !this.dead;
      }
      case Op.LsPlus: {
        const argc = this.split(line, start, stop);
        if (argc !== 1 && argc !== 3) return this.argError("LS+", line, start);
        const weight = argc === 3 ? this.size(line, 2) : 1;
        if (weight < 1) return this.argError("LS+", line, start);
        this.leaf!.leafSub(this.view(line, 0), argc === 3 ? this.view(line, 1) : null, weight);
        return !this.dead;
      }
      case Op.LsMinus: {
        const argc = this.split(line, start, stop);
        if (argc !== 1 && argc !== 2) return this.argError("LS-", line, start);
        this.leaf!.leafUnsub(this.view(line, 0), argc === 2 ? this.view(line, 1) : null);
        return !this.dead;
      }
      case Op.Lmsg:
      case Op.Hmsg:
        return this.leafMessage(line, start, stop);
      default:
        return true;
    }
  }

  /**
   * `LMSG <subject> [reply] <size>`, or with queue groups `LMSG <subject> + <reply> <queues…> <size>`
   * or `LMSG <subject> | <queues…> <size>`; HMSG has the header size before the size
   * (nats-server's processLeafMsgArgs and processLeafHeaderMsgArgs).
   */
  private leafMessage(line: Uint8Array, start: number, stop: number): boolean {
    const verb = this.op === Op.Lmsg ? "LMSG" : "HMSG";
    const sizes = this.op === Op.Lmsg ? 1 : 2;
    const argc = this.split(line, start, stop);
    if (argc < 1 + sizes || argc > this.maxArgs) return this.argError(verb, line, start);
    const total = this.size(line, argc - 1);
    const hdr = sizes === 2 ? this.size(line, argc - 2) : -1;
    if (total < 0 || (sizes === 2 && (hdr < 0 || hdr > total))) return this.argError(verb, line, start);
    if (total > this.limits.maxPayload) return this.fail(ERR.maxPayload, CLOSE.maxPayload, line, start);
    let reply: Uint8Array | null = null;
    let queues: Uint8Array[] | null = null;
    const rest = argc - 1 - sizes; // arguments between the subject and the sizes
    if (rest === 1) reply = this.view(line, 1);
    else if (rest > 1) {
      const indicator = this.argEnd[1] - this.argStart[1] === 1 ? line[this.argStart[1]] : 0;
      if (indicator !== 0x2b /* + */ && indicator !== 0x7c /* | */) return this.argError(verb, line, start);
      let k = 2;
      if (indicator === 0x2b) reply = this.view(line, k++);
      queues = [];
      for (; k < argc - sizes; k++) queues.push(this.view(line, k));
    }
    this.expect(this.view(line, 0), reply, hdr, total);
    this.queues = queues;
    return true;
  }

  /** The control line of a PUB/HPUB is complete: its message follows. */
  private expect(subject: Uint8Array, reply: Uint8Array | null, headerSize: number, size: number): void {
    this.subject = subject;
    this.reply = reply;
    this.headerSize = headerSize;
    this.argsOwned = false;
    this.need = size;
    this.msgLen = 0;
    this.msgBuf = null;
    this.msgView = size === 0 ? EMPTY : null;
    this.state = size === 0 ? S.PayloadCR : S.Payload;
  }

  private unknownOp(buf: Uint8Array, at: number): void {
    this.fail(ERR.unknownOp, CLOSE.protocolViolation, buf, at);
  }

  private notConnected(buf: Uint8Array, at: number): void {
    this.fail(ERR.authorizationViolation, CLOSE.authViolation, buf, at);
  }

  /** Malformed arguments: nats-server closes the connection without an -ERR. */
  private argError(verb: string, line: Uint8Array, start: number): false {
    this.state = S.Dead;
    this.handler.error({ text: null, close: CLOSE.protocolViolation, detail: `${verb} arguments: ${snippet(line, start)}` });
    return false;
  }

  private fail(text: ProtocolError["text"], close: Closing, buf: Uint8Array, at: number): false {
    this.state = S.Dead;
    this.handler.error({ text, close, detail: `${text}: ${snippet(buf, at)}` });
    return false;
  }
}

/**
 * buf[start, end) as a view, as `subarray` makes it. Constructing the view on the
 * buffer directly skips subarray's species lookup, which costs V8 more than the view
 * itself; the parser makes one or two of them per message.
 */
function viewOf(buf: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
}

/** A size as nats-server reads one: 1 to 9 decimal digits (parser.go parseSize); -1 otherwise. */
export function parseSize(buf: Uint8Array, start: number, end: number): number {
  if (end <= start || end - start > 9) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function isJsonObject(line: Uint8Array): boolean {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(line));
    return typeof v === "object" && v !== null;
  } catch {
    return false;
  }
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
