// Hostile input against a running broker, shared by `npm run fuzz` (scripts/fuzz.mjs) and the
// short run in the end-to-end suite (test/e2e/fuzz.test.ts). Many raw WebSocket connections send
// random, malformed and mutated NATS client protocol while two official clients exchange numbered
// messages beside them on the same broker.
//
// Every byte a fuzz connection gets back is parsed as server protocol (INFO, MSG, HMSG, PING,
// PONG, +OK, -ERR); every -ERR text must be one of src/protocol/errors.ts (or a permissions
// violation); a server-initiated close must carry one of nats-server's close codes and reasons,
// agree with the -ERR sent before it, and never be a drop without a close frame. Where the right
// answer is known — a well-formed script split across frames at random, a size past max_payload,
// CONNECT JSON of the wrong type — the answer must be exactly that, byte for byte, as nats-server
// 2.9 gives it. Everything is drawn from a seeded PRNG: a round's content follows from
// (seed, connection, round number), so a failure names what to replay.

import { nuid, wsconnect } from "@nats-io/nats-core";
import WebSocket from "ws";
import { CLOSE, ERR } from "../src/protocol/errors.ts";
import { mulberry32 } from "../test/protocol/random.ts";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `p`, or `fallback` after `ms`: nothing the run waits on may hang it, even when the broker
 * restarts under it (a lost close event, a flush nobody answers).
 */
function within(p, ms, fallback = undefined) {
  let t;
  return Promise.race([p, new Promise((r) => (t = setTimeout(() => r(fallback), ms)))]).finally(() => clearTimeout(t));
}

// ---------------------------------------------------------------------------------------------
// Randomness

class Rng {
  constructor(seed) {
    this.f = mulberry32(seed);
  }
  next() {
    return this.f();
  }
  /** An integer in [0, n). */
  int(n) {
    return Math.floor(this.f() * n);
  }
  /** An integer in [a, b]. */
  between(a, b) {
    return a + this.int(b - a + 1);
  }
  chance(p) {
    return this.f() < p;
  }
  pick(items) {
    return items[this.int(items.length)];
  }
  /** A size in [0, max], its logarithm uniform: mostly small, sometimes large. */
  size(max) {
    return Math.min(max, Math.floor(Math.expm1(this.f() * Math.log1p(max))));
  }
  bytes(n) {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  token(n) {
    let s = "";
    for (let i = 0; i < n; i++) s += ALNUM[this.int(ALNUM.length)];
    return s;
  }
  weighted(table) {
    let r = this.f() * table.reduce((a, t) => a + t.weight, 0);
    for (const t of table) if ((r -= t.weight) < 0) return t;
    return table[table.length - 1];
  }
}

const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** A round's seed from the run's seed, the connection and the round number. */
function mix(...xs) {
  let h = 0x811c9dc5;
  for (const x of xs) {
    h = Math.imul(h ^ (x >>> 0), 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Bytes

const bin = (s) => (typeof s === "string" ? Buffer.from(s, "latin1") : Buffer.from(s));
const cat = (...parts) => Buffer.concat(parts.map(bin));
const utf8 = new TextDecoder("utf-8", { fatal: true });
const lossy = new TextDecoder();

function isUtf8(b) {
  try {
    utf8.decode(b);
    return true;
  } catch {
    return false;
  }
}

/** Bytes as a readable literal: printable ASCII as is, the rest escaped; cut at `max`, long runs folded. */
export function escapeBytes(b, max = 600) {
  let s = "";
  for (let i = 0; i < b.length && s.length < max; i++) {
    const c = b[i];
    if (c === 13) s += "\\r";
    else if (c === 10) s += "\\n";
    else if (c === 9) s += "\\t";
    else if (c === 92) s += "\\\\";
    else if (c >= 32 && c < 127) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, "0")}`;
  }
  if (max === Infinity) return s;
  s = s.replace(/(.)\1{23,}/g, (m, ch) => `${ch}{×${m.length}}`);
  return s.length >= max ? `${s.slice(0, max)}…(${b.length} bytes)` : s;
}

// ---------------------------------------------------------------------------------------------
// What the server may say

const KNOWN_ERRS = new Set(Object.values(ERR));
const PERMISSION = /^Permissions Violation for (Publish|Subscription) to "[^"]*"( using queue "[^"]*")?$/;
/** -ERRs after which the connection stays open; every other known text closes it. */
const KEEP_OPEN = new Set([ERR.invalidSubject, ERR.invalidPublishSubject, ERR.maxSubscriptions]);
const knownErr = (t) => KNOWN_ERRS.has(t) || PERMISSION.test(t);
const closingErr = (t) => knownErr(t) && !KEEP_OPEN.has(t) && !PERMISSION.test(t);

/** The close codes nats-server's WebSocket clients see (server/websocket.go). */
const SERVER_CODES = new Set([1000, 1001, 1002, 1008, 1009, 1011]);
/** For each way of closing, the -ERR that must be the last thing sent before it (null: none). */
const CLOSE_ERRS = {
  protocolViolation: [ERR.unknownOp, null],
  parseError: [null],
  badProtocol: [ERR.invalidProtocol],
  slowConsumer: [null],
  authViolation: [ERR.authorizationViolation],
  authTimeout: [ERR.authenticationTimeout],
  authExpired: [ERR.authenticationExpired],
};
const closeByReason = new Map();
for (const [key, c] of Object.entries(CLOSE)) {
  const k = `${c.code} ${c.reason}`;
  closeByReason.set(k, [...(closeByReason.get(k) ?? []), ...(CLOSE_ERRS[key] ?? [ERR[key] ?? null])]);
}

/**
 * An incremental parser of what a server sends a client. It records each op's bytes (latin1,
 * one char per byte) and stops at the first thing that is not server protocol.
 */
class ServerStream {
  buf = Buffer.alloc(0);
  /** { op, text, err? } */
  ops = [];
  violation = null;
  bytes = 0;

  push(chunk) {
    this.bytes += chunk.length;
    if (this.violation !== null) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let i = 0;
    while (this.violation === null) {
      const eol = this.buf.indexOf("\r\n", i, "latin1");
      if (eol < 0) {
        if (this.buf.length - i > 65536) this.fail("a line of more than 64 KiB", i);
        break;
      }
      const line = this.buf.toString("latin1", i, eol);
      const sp = line.indexOf(" ");
      const op = sp < 0 ? line : line.slice(0, sp);
      let end = eol + 2;
      let err;
      if (op === "MSG" || op === "HMSG") {
        const args = line.split(" ").slice(1);
        const n = op === "MSG" ? 3 : 4;
        if ((args.length !== n && args.length !== n + 1) || args.some((a) => a === "")) return this.fail(`malformed ${op} line`, i);
        const sizes = args.slice(op === "MSG" ? -1 : -2);
        if (!sizes.every((s) => /^\d{1,9}$/.test(s))) return this.fail(`bad ${op} size`, i);
        if (op === "HMSG" && Number(sizes[0]) > Number(sizes[1])) return this.fail("HMSG header size above its total", i);
        const total = Number(sizes[sizes.length - 1]);
        if (this.buf.length < end + total + 2) break;
        if (this.buf[end + total] !== 13 || this.buf[end + total + 1] !== 10) return this.fail(`${op} payload not followed by CRLF`, i);
        end += total + 2;
      } else if (op === "INFO") {
        let ok = false;
        try {
          const v = JSON.parse(line.slice(5));
          ok = typeof v === "object" && v !== null && !Array.isArray(v);
        } catch {
          /* not JSON */
        }
        if (!ok) return this.fail("INFO is not a JSON object", i);
      } else if (op === "-ERR") {
        const m = /^-ERR '(.*)'$/s.exec(line);
        if (m === null) return this.fail("-ERR text not quoted", i);
        err = m[1];
      } else if (line !== "PING" && line !== "PONG" && line !== "+OK") {
        return this.fail("not a server op", i);
      }
      this.ops.push({ op, text: this.buf.toString("latin1", i, end), err });
      i = end;
    }
    this.buf = this.buf.subarray(i);
  }

  fail(what, at) {
    this.violation = `${what}: "${escapeBytes(this.buf.subarray(at, at + 120), 160)}"`;
  }

  /** The ops from index `from` on, as wire text, the server's own PINGs left out. */
  textFrom(from) {
    let s = "";
    for (let i = from; i < this.ops.length; i++) if (this.ops[i].op !== "PING") s += this.ops[i].text;
    return s;
  }

  pongsFrom(from) {
    let n = 0;
    for (let i = from; i < this.ops.length; i++) if (this.ops[i].op === "PONG") n++;
    return n;
  }
}

// ---------------------------------------------------------------------------------------------
// Scripts: what a round sends and what it expects back
//
// A script: { handshake, early?, frames: [{data, text, delay}], expect, alt?, end, closeCode?,
// timeoutMs? }. `expect` is one of
//   { ops: "<wire text>" }      exactly these ops after the handshake (server PINGs aside)
//   { close: code, err }        exactly this -ERR (or none) and then a close with this code
//   { answer: true }            the script ends with PING: a PONG or a close must follow
//   { any: true, linger }       anything, as long as it is server protocol
// `alt` lists other outcomes that are known differences from nats-server, each with a `label`.

const HANDSHAKE = 'CONNECT {"verbose":false,"pedantic":false,"headers":true,"protocol":1,"lang":"fuzz","version":"0"}\r\nPING\r\n';

/** Cuts `bytes` into frames: one, a few at random points, one per byte, or one per line. */
function framesOf(rng, bytes, { anyText = false } = {}) {
  const cuts = [];
  const r = rng.next();
  if (bytes.length > 1 && r >= 0.45) {
    if (r < 0.85 || bytes.length > 600) {
      for (let k = rng.between(1, Math.min(30, bytes.length - 1)); k > 0; k--) cuts.push(rng.between(1, bytes.length - 1));
    } else if (r < 0.93) {
      for (let i = 1; i < bytes.length; i++) cuts.push(i);
    } else {
      for (let i = bytes.indexOf(10); i >= 0 && i < bytes.length - 1; i = bytes.indexOf(10, i + 1)) cuts.push(i + 1);
    }
  }
  const points = [...new Set(cuts)].sort((a, b) => a - b);
  const frames = [];
  let from = 0;
  const pause = rng.chance(0.15);
  for (const to of [...points, bytes.length]) {
    const data = bytes.subarray(from, to);
    from = to;
    if (data.length === 0) continue;
    // A text frame must be valid UTF-8 (workerd decodes it): only hostile scripts break that.
    const text = rng.chance(0.25) && (anyText || isUtf8(data));
    frames.push({ data, text, delay: pause && rng.chance(0.3) ? rng.between(1, 15) : 0 });
  }
  return frames;
}

function randomCase(rng, s) {
  let out = "";
  for (const ch of s) out += rng.chance(0.5) ? ch.toLowerCase() : ch.toUpperCase();
  return out;
}

/** The last token of a round's subjects: ASCII, UTF-8, bytes that are not UTF-8, wildcard-ish literals. */
function subjectTail(rng) {
  switch (rng.int(6)) {
    case 0:
    case 1:
      return bin(rng.token(rng.between(1, 12)));
    case 2:
      return cat(rng.token(2), Buffer.from(rng.pick(["é", "日本", "ß", "😀", "ü.ö"]), "utf8"));
    case 3:
      return cat("x", [rng.pick([0xff, 0xfe, 0x80, 0xc3, 0xed, 0xf0])]);
    case 4:
      return bin(rng.pick(["a*", "b>", "$x", "~", "%", "a-b", "_", "*x", ">>"]) + rng.token(1));
    default:
      return bin(`${rng.token(3)}.${rng.token(3)}`);
  }
}

function payloadOf(rng) {
  const n = rng.chance(0.03) ? rng.between(1000, 70_000) : rng.size(80);
  switch (rng.int(3)) {
    case 0:
      return bin(rng.token(n));
    case 1:
      return rng.bytes(n);
    default: {
      // Protocol look-alikes inside a payload must stay payload.
      let s = "";
      while (s.length < n) s += rng.pick(["\r\n", "\r", "\n", "PUB x 1\r\n", "PING\r\n", "MSG a 1 2\r\n", "-ERR 'x'\r\n", " ", "\t"]);
      return bin(s.slice(0, n));
    }
  }
}

function headersOf(rng) {
  let h = rng.chance(0.2) ? "NATS/1.0 503\r\n" : "NATS/1.0\r\n";
  for (let k = rng.int(4); k > 0; k--) h += `${rng.pick(["A", "Nats-Msg-Id", "x-y", "K"])}${rng.token(2)}: ${rng.token(rng.size(40))}\r\n`;
  return bin(`${h}\r\n`);
}

/**
 * A well-formed script on subjects of its own: SUB (plain and queue), UNSUB with and without a
 * maximum, PUB and HPUB with and without reply, PING; random verb case, tabs and repeated
 * spaces between arguments, LF-only line ends. Returns its bytes and its events, from which
 * `expectedReply` computes what a server must answer.
 */
function wellFormed(rng, n, { queues = true } = {}) {
  const tok = rng.token(10);
  const parts = [];
  const events = [];
  const active = new Map(); // sid -> subject
  const idle = []; // subjects with no subscription now
  const limited = []; // subjects of subscriptions that end after a maximum: never reused
  let nextSid = 1;
  const sep = () => rng.pick([" ", " ", " ", "\t", "  ", " \t "]);
  const verb = (v) => (rng.chance(0.2) ? randomCase(rng, v) : v);
  const eol = () => (rng.chance(0.1) ? "\n" : "\r\n");
  const subjectFor = (fresh) => {
    if (!fresh && idle.length > 0 && rng.chance(0.5)) return idle.splice(rng.int(idle.length), 1)[0];
    return cat(`fz.${tok}.`, subjectTail(rng));
  };
  const isLive = (s) => [...active.values(), ...limited].some((a) => a.equals(s));
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.25 || active.size === 0) {
      // One subscription per subject at a time, so the order of MSGs is defined.
      let subject = subjectFor(false);
      while (isLive(subject)) subject = subjectFor(true);
      const reuse = active.size > 0 && rng.chance(0.05); // a repeated sid is ignored
      const sid = reuse ? rng.pick([...active.keys()]) : rng.chance(0.8) ? String(nextSid++) : `s${rng.token(3)}`;
      const queue = queues && rng.chance(0.2) ? cat(sep(), `q${rng.token(3)}`) : "";
      parts.push(cat(verb("SUB"), sep(), subject, queue, sep(), sid, eol()));
      events.push({ op: "sub", subject, sid, queue: queue !== "" });
      if (!active.has(sid)) active.set(sid, subject);
      else idle.push(subject);
    } else if (r < 0.75) {
      const subject = active.size > 0 && rng.chance(0.7) ? rng.pick([...active.values()]) : subjectFor(false);
      const reply = rng.chance(0.3) ? bin(`_INBOX.${rng.token(8)}${rng.chance(0.3) ? `.${rng.token(2)}` : ""}`) : null;
      const payload = payloadOf(rng);
      const hdr = rng.chance(0.3) ? headersOf(rng) : null;
      const size = (hdr?.length ?? 0) + payload.length;
      const line = hdr
        ? cat(verb("HPUB"), sep(), subject, reply ? cat(sep(), reply) : "", sep(), String(hdr.length), sep(), String(size), eol())
        : cat(verb("PUB"), sep(), subject, reply ? cat(sep(), reply) : "", sep(), String(size), eol());
      parts.push(line, hdr ?? "", payload, "\r\n");
      events.push({ op: "pub", subject, reply, hdr, payload });
    } else if (r < 0.9) {
      const known = active.size > 0 && rng.chance(0.85);
      const sid = known ? rng.pick([...active.keys()]) : `u${rng.token(4)}`;
      const max = rng.chance(0.5) ? null : rng.between(0, 3);
      parts.push(cat(verb("UNSUB"), sep(), sid, max === null ? "" : `${sep()}${max}`, eol()));
      events.push({ op: "unsub", sid, max });
      if (known && (max === null || max === 0)) {
        idle.push(active.get(sid));
        active.delete(sid);
      }
      // With a maximum the subscription may end later: its subject is never reused.
      if (known && max !== null && max > 0) {
        limited.push(active.get(sid));
        active.delete(sid);
      }
    } else {
      parts.push(cat(verb("PING"), eol()));
      events.push({ op: "ping" });
    }
  }
  parts.push("PING\r\n");
  events.push({ op: "ping" });
  return { bytes: cat(...parts), events };
}

/**
 * What a server answers a well-formed script: MSG/HMSG for every match, in order, and a PONG
 * per PING. `key` decides which subjects match: nats-server compares bytes.
 */
function expectedReply(events, key = (s) => s.toString("latin1")) {
  const subs = new Map();
  let out = "";
  for (const e of events) {
    if (e.op === "sub") {
      if (!subs.has(e.sid)) subs.set(e.sid, { key: key(e.subject), queue: e.queue === true, max: 0, delivered: 0 });
    } else if (e.op === "unsub") {
      const s = subs.get(e.sid);
      if (s === undefined) continue;
      if (e.max !== null && e.max > 0 && s.delivered < e.max) s.max = e.max;
      else subs.delete(e.sid);
    } else if (e.op === "pub") {
      const k = key(e.subject);
      const subject = e.subject.toString("latin1");
      const reply = e.reply ? ` ${e.reply.toString("latin1")}` : "";
      const body = (e.hdr ? e.hdr.toString("latin1") : "") + e.payload.toString("latin1");
      // Plain subscriptions first, then one member per queue group (each group has one here).
      const matched = [...subs].filter(([, s]) => s.key === k);
      for (const [sid, s] of [...matched.filter(([, s]) => !s.queue), ...matched.filter(([, s]) => s.queue)]) {
        out += e.hdr
          ? `HMSG ${subject} ${sid}${reply} ${e.hdr.length} ${body.length}\r\n${body}\r\n`
          : `MSG ${subject} ${sid}${reply} ${body.length}\r\n${body}\r\n`;
        s.delivered++;
        if (s.max > 0 && s.delivered >= s.max) subs.delete(sid);
      }
    } else {
      out += "PONG\r\n";
    }
  }
  return out;
}

/** Subjects that are not valid UTF-8 matched by their decoded text (U+FFFD for each bad sequence). */
const decodedKey = (s) => lossy.decode(s);
const DIVERGENCE_UTF8 = "subjects that are not valid UTF-8 are matched by their decoded text, so different bytes match each other";
const DIVERGENCE_SIZE = "a size of 10 to 15 digits is read as a number (nats-server refuses sizes of more than 9 digits)";
const DIVERGENCE_NULL = "CONNECT null is refused (nats-server takes it as an empty CONNECT)";

/** Random changes to well-formed bytes: bit flips, insertions, deletions, duplications, truncation. */
function mutate(rng, input) {
  let b = Buffer.from(input);
  for (let k = rng.between(1, 4); k > 0 && b.length > 0; k--) {
    const at = rng.int(b.length);
    switch (rng.int(8)) {
      case 0:
        b[at] ^= 1 << rng.int(8);
        break;
      case 1:
        b[at] = rng.int(256);
        break;
      case 2: {
        const ins = rng.chance(0.5)
          ? rng.bytes(rng.between(1, 8))
          : bin(rng.pick(["\r\n", "\r", "\n", " ", "\t", "-1", "99999999999", "9007199254740993", "\xff", "PUB ", "HPUB x 9 3\r\n", "SUB", "0"]));
        b = cat(b.subarray(0, at), ins, b.subarray(at));
        break;
      }
      case 3:
        b = cat(b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.between(1, 40))));
        break;
      case 4: {
        const len = rng.between(1, Math.min(200, b.length - at));
        const piece = b.subarray(at, at + len);
        b = cat(b.subarray(0, at + len), ...Array.from({ length: rng.between(1, 5) }, () => piece), b.subarray(at + len));
        break;
      }
      case 5:
        b = b.subarray(0, at);
        break;
      case 6: {
        // Replace a run of digits (a size, a sid) with another number.
        let i = at;
        while (i < b.length && (b[i] < 48 || b[i] > 57)) i++;
        let j = i;
        while (j < b.length && b[j] >= 48 && b[j] <= 57) j++;
        if (i < b.length) b = cat(b.subarray(0, i), rng.pick(["0", "1", "-5", "4294967296", "1048577", "99999999999999999999", ""]), b.subarray(j));
        break;
      }
      default:
        b[at] = rng.pick([13, 10, 32, 9, 0]);
    }
  }
  return b;
}

// --- generators: (rng, limits) -> script; limits: { maxPayload, maxControlLine, shards } -------

function exactScript(rng, bytes, events, extra = {}) {
  const ops = expectedReply(events);
  const alt = [];
  const decoded = expectedReply(events, decodedKey);
  if (decoded !== ops) alt.push({ ops: decoded, label: DIVERGENCE_UTF8 });
  return { handshake: true, frames: framesOf(rng, bytes), expect: { ops }, alt, ...extra };
}

function endOf(rng) {
  return rng.chance(0.25) ? "terminate" : "close";
}

// With more than one shard a queue group's member is chosen by the cluster, asynchronously (see
// docs/architecture.md): a connection's own queue subscription may get its message after a later
// PONG, or not at all when it unsubscribes first. Exact scripts leave queue groups out there.
const wellFormedGen = (rng, limits) => {
  const { bytes, events } = wellFormed(rng, rng.between(1, 40), { queues: limits.shards === 1 });
  return exactScript(rng, bytes, events, { end: endOf(rng) });
};

const mutatedGen = (rng) => {
  const { bytes } = wellFormed(rng, rng.between(1, 20));
  return {
    handshake: rng.chance(0.7),
    early: rng.chance(0.2),
    frames: framesOf(rng, mutate(rng, bytes), { anyText: true }),
    expect: { any: true, linger: rng.between(20, 400) },
    end: endOf(rng),
  };
};

const randomBytesGen = (rng) => {
  const n = rng.size(4000) + 1;
  const data = rng.chance(0.3) ? bin(rng.token(n)) : rng.chance(0.3) ? cat(rng.pick(["PUB ", "SUB ", "HPUB ", "CONNECT ", "UNSUB "]), rng.bytes(n)) : rng.bytes(n);
  return {
    handshake: rng.chance(0.5),
    early: rng.chance(0.3),
    frames: framesOf(rng, data, { anyText: true }),
    expect: { any: true, linger: rng.between(20, 300) },
    end: endOf(rng),
  };
};

/** Floods: thousands of SUBs (some queue, some then UNSUBbed), UNSUBs of unknown sids, PINGs. */
const floodGen = (rng, limits) => {
  const kind = rng.int(3);
  const tok = rng.token(10);
  const n = rng.between(1000, 5000);
  const parts = [];
  const events = [];
  if (kind === 0) {
    for (let i = 1; i <= n; i++) {
      const subject = bin(`fz.${tok}.${i}`);
      parts.push(cat("SUB ", subject, limits.shards === 1 && rng.chance(0.2) ? ` g${i % 7}` : "", ` ${i}\r\n`));
      events.push({ op: "sub", subject, sid: String(i) });
    }
    if (rng.chance(0.5)) {
      for (let i = 1; i <= n; i += rng.between(1, 3)) {
        parts.push(`UNSUB ${i}\r\n`);
        events.push({ op: "unsub", sid: String(i), max: null });
      }
    }
    for (let k = 0; k < 5; k++) {
      const subject = bin(`fz.${tok}.${rng.between(1, n)}`);
      const payload = bin(rng.token(rng.size(30)));
      parts.push(cat(`PUB `, subject, ` ${payload.length}\r\n`, payload, "\r\n"));
      events.push({ op: "pub", subject, reply: null, hdr: null, payload });
    }
  } else {
    for (let i = 0; i < n; i++) {
      parts.push(kind === 1 ? `UNSUB ${rng.token(6)}${rng.chance(0.3) ? " 5" : ""}\r\n` : "PING\r\n");
      if (kind === 2) events.push({ op: "ping" });
    }
  }
  parts.push("PING\r\n");
  events.push({ op: "ping" });
  const bytes = cat(...parts);
  const frames = rng.chance(0.5) ? [{ data: bytes, text: false, delay: 0 }] : framesOf(rng, bytes);
  // Half the floods end without UNSUB: the server must drop what the connection held.
  return { handshake: true, frames, expect: { ops: expectedReply(events) }, end: endOf(rng), timeoutMs: 60_000 };
};

/** A connection that goes away in the middle of an op, or before the server said anything. */
const abruptGen = (rng) => {
  if (rng.chance(0.2)) return { handshake: false, early: true, frames: [], expect: { any: true, linger: 0 }, end: "terminate" };
  const partial = rng.pick([
    () => cat(`PUB fz.${rng.token(6)} ${rng.between(10, 1_000_000)}\r\n`, rng.bytes(rng.size(5000))),
    () => bin(`SUB fz.${rng.token(rng.size(3000))}`),
    () => bin('CONNECT {"verbose":false,"name":"'),
    () => cat(`HPUB fz.x 12 ${rng.between(20, 100_000)}\r\nNATS/1.0\r\n`),
    () => bin("PI"),
  ])();
  return {
    handshake: rng.chance(0.8),
    frames: framesOf(rng, partial),
    expect: { any: true, linger: rng.between(0, 100) },
    end: rng.chance(0.6) ? "terminate" : "close",
  };
};

// Targeted cases, each with nats-server's answer (checked against nats-server 2.9.10).
const closeWith = (close, err = null) => ({ close: close.code, err });
const PV = closeWith(CLOSE.protocolViolation);

function sizeCase(rng, limits) {
  const s = `fz.${rng.token(6)}`;
  const max = limits.maxPayload;
  const c = rng.int(9);
  if (c === 0) return { bytes: `PUB ${s} ${rng.pick(["-1", "abc", "+2", "1e3", "0x10", "2.5", "", "-0"])}\r\nhi\r\n`, expect: PV };
  if (c === 1) return { bytes: `PUB ${s} ${rng.pick(["9007199254740993", "99999999999999999999", "18446744073709551616"])}\r\n`, expect: PV };
  if (c === 2) {
    // More than nine digits: nats-server refuses the size without an -ERR.
    const digits = String(rng.between(1_000_000_000, 999_999_999_999_999));
    return {
      bytes: `${rng.chance(0.5) ? `PUB ${s}` : `HPUB ${s} 12`} ${digits}\r\n`,
      expect: PV,
      alt: [{ ...closeWith(CLOSE.maxPayload, ERR.maxPayload), label: DIVERGENCE_SIZE }],
    };
  }
  if (c === 3) return { bytes: `PUB ${s} ${rng.between(max + 1, 2 * max)}\r\n`, expect: closeWith(CLOSE.maxPayload, ERR.maxPayload) };
  if (c === 4) return { bytes: `HPUB ${s} 12 ${rng.between(max + 1, 9_999_999)}\r\n`, expect: closeWith(CLOSE.maxPayload, ERR.maxPayload) };
  if (c === 5) {
    const hdr = rng.between(2, 100);
    return { bytes: `HPUB ${s} ${hdr} ${rng.between(0, hdr - 1)}\r\n${"x".repeat(hdr)}\r\n`, expect: PV };
  }
  if (c === 6) {
    const n = rng.between(0, 20);
    return { bytes: `PUB ${s} ${n}\r\n${"y".repeat(n + rng.between(1, 10))}\r\nPING\r\n`, expect: closeWith(CLOSE.protocolViolation, ERR.unknownOp) };
  }
  if (c === 7) {
    // Shorter than declared: the server waits for the rest, then answers.
    const body = rng.bytes(rng.between(2, 200));
    const cut = rng.between(1, body.length - 1);
    return {
      frames: [
        { data: cat(`SUB ${s} 1\r\nPUB ${s} ${body.length}\r\n`, body.subarray(0, cut)), text: false, delay: rng.between(20, 150) },
        { data: cat(body.subarray(cut), "\r\nPING\r\n"), text: false, delay: 0 },
      ],
      expect: { ops: `MSG ${s} 1 ${body.length}\r\n${body.toString("latin1")}\r\nPONG\r\n` },
    };
  }
  // Exactly max_payload, or empty.
  const n = rng.chance(0.1) ? max : 0;
  const body = Buffer.alloc(n, 0x61);
  return {
    bytes: cat(`SUB ${s} 1\r\nPUB ${s} ${n}\r\n`, body, "\r\nPING\r\n"),
    expect: { ops: `MSG ${s} 1 ${n}\r\n${body.toString("latin1")}\r\nPONG\r\n` },
    timeoutMs: 30_000,
  };
}

function connectCase(rng, limits) {
  const good = '"verbose":false,"pedantic":false';
  const c = rng.int(10);
  const json = (j) => ({ handshake: false, bytes: cat("CONNECT ", j, "\r\nPING\r\n") });
  if (c === 0) {
    const [field, value] = rng.pick([
      ["verbose", '"true"'], ["pedantic", "1"], ["echo", '"no"'], ["headers", "0"], ["no_responders", "[]"],
      ["protocol", '"1"'], ["protocol", "1.5"], ["name", "5"], ["lang", "true"], ["version", "{}"],
    ]);
    return { ...json(`{${good},"${field}":${value}}`), expect: PV };
  }
  if (c === 1) return { ...json(rng.pick(["[]", "1", '"x"', "true", "", "{", '{"verbose":fal', '{"a":', "{} x", '{"verbose":false}}'])), expect: PV };
  if (c === 2) return { ...json("null"), expect: { ops: "+OK\r\nPONG\r\n" }, alt: [{ ...PV, label: DIVERGENCE_NULL }] };
  if (c === 3) {
    const depth = rng.between(2, Math.floor((limits.maxControlLine - 80) / 2));
    return { ...json(`{${good},"deep":${"[".repeat(depth)}${"]".repeat(depth)}}`), expect: { ops: "PONG\r\n" } };
  }
  if (c === 4) return { ...json(`{${good},"name":"${"n".repeat(rng.between(limits.maxControlLine, 3 * limits.maxControlLine))}"}`), expect: closeWith(CLOSE.maxControlLine, ERR.maxControlLine) };
  if (c === 5) return { ...json(cat(`{${good},"name":"`, rng.bytes(rng.between(1, 20)).map((x) => x | 0x80), '"}')), expect: { ops: "PONG\r\n" } };
  if (c === 6) return { ...json(cat(`{${good}`, [rng.pick([0xff, 0xc3, 0x80])], "}")), expect: PV };
  if (c === 7) return { ...json(`{${good},"protocol":${rng.pick(["2", "-1", "100"])}}`), expect: closeWith(CLOSE.badProtocol, ERR.invalidProtocol) };
  if (c === 8) return { ...json(`{${good},"no_responders":true,"headers":false}`), expect: closeWith(CLOSE.noRespondersNeedsHeaders, ERR.noRespondersNeedsHeaders) };
  return { ...json(`{${good},"echo":true,"name":"\\u0000\\ud800","x":{"y":[1,2,{"z":null}]}}`), expect: { ops: "PONG\r\n" } };
}

const TARGETED = [
  {
    name: "control line past the limit",
    weight: 3,
    build(rng, limits) {
      const len = rng.pick([limits.maxControlLine + 1 + rng.int(200), 10_000, 70_000, 1 << 20]);
      const verb = rng.pick(["PUB", "SUB", "HPUB", "UNSUB", "CONNECT"]);
      const line = verb === "CONNECT" ? `CONNECT {"name":"${"n".repeat(len)}"}` : `${verb} ${"a".repeat(len)} 1`;
      return { bytes: `${line}${rng.chance(0.7) ? "\r\n" : ""}`, expect: closeWith(CLOSE.maxControlLine, ERR.maxControlLine) };
    },
  },
  {
    name: "control line at the limit",
    weight: 2,
    build(rng, limits) {
      const len = limits.maxControlLine + rng.between(-2, 2); // `<subject> 1`
      const s = `fz.${"b".repeat(len - 5)}`;
      return {
        bytes: `SUB ${s} 1\r\nPING\r\n`,
        expect: len <= limits.maxControlLine ? { ops: "PONG\r\n" } : closeWith(CLOSE.maxControlLine, ERR.maxControlLine),
      };
    },
  },
  { name: "sizes", weight: 6, build: sizeCase },
  { name: "CONNECT", weight: 6, build: connectCase },
  {
    name: "whitespace inside subjects",
    weight: 3,
    build(rng) {
      const ws = rng.pick(["\r\n", "\r", "\n", " ", "\t", " \t", "\x0c", "\x0b"]);
      const s = `fz.${rng.token(3)}${ws}${rng.token(3)}`;
      return { bytes: rng.chance(0.5) ? `SUB ${s} 1\r\nPING\r\n` : `PUB ${s} 2\r\nhi\r\nPING\r\n`, expect: { answer: true } };
    },
  },
  {
    name: "invalid SUB subjects",
    weight: 2,
    build(rng) {
      const bad = rng.pick(["a..b", ".a", "a.", "a.>.b", ">.a", "."]);
      return { bytes: `SUB ${bad} 1\r\nPING\r\n`, expect: { ops: `-ERR '${ERR.invalidSubject}'\r\nPONG\r\n` } };
    },
  },
  {
    name: "ops before CONNECT",
    weight: 3,
    build(rng) {
      // No CONNECT: nats-server's defaults apply (verbose and pedantic on).
      const s = `fz.${rng.token(6)}`;
      // One frame: nats-server repeats the -ERR when a pedantic PUB's payload comes in a later read.
      return {
        handshake: false,
        early: rng.chance(0.5),
        frames: [{ data: bin(`SUB ${s} 7\r\nPUB ${s} 2\r\nhi\r\nPUB ${s}.* 1\r\nx\r\nUNSUB 7\r\nPING\r\n`), text: rng.chance(0.5), delay: 0 }],
        expect: { ops: `+OK\r\n+OK\r\nMSG ${s} 7 2\r\nhi\r\n-ERR '${ERR.invalidPublishSubject}'\r\n+OK\r\n+OK\r\nPONG\r\n` },
      };
    },
  },
  {
    name: "unknown and client-only ops",
    weight: 3,
    build(rng) {
      const c = rng.int(5);
      if (c === 0) {
        const op = rng.pick(["FOO", "PUBX foo 1", "SUBX", "", "MSG a 1 1", "HMSG", "X", "PONGO\r\nX", "SUB", "PUB", "UNSUB"]);
        return { bytes: `${op}\r\n`, expect: closeWith(CLOSE.protocolViolation, ERR.unknownOp) };
      }
      if (c === 1) return { bytes: "-ERR 'from the client'\r\n", expect: closeWith(CLOSE.parseError) };
      if (c === 2) return { bytes: 'INFO {"server_id":"x"}\r\n+OK\r\nPINGX\r\n', expect: { ops: "PONG\r\n" } };
      if (c === 3) return { bytes: "INFO x\r\n", expect: PV };
      return { bytes: rng.pick(["SUB a\r\n", "SUB a b c d\r\n", "UNSUB a b c\r\n", "PUB a\r\n", "PUB a b c 1\r\n", "HPUB a 1\r\n"]), expect: PV };
    },
  },
];

const targetedGen = (rng, limits) => {
  const t = rng.weighted(TARGETED);
  const c = t.build(rng, limits);
  const frames = c.frames ?? framesOf(rng, bin(c.bytes));
  return { handshake: c.handshake ?? true, early: c.early ?? false, frames, expect: c.expect, alt: c.alt ?? [], end: endOf(rng), timeoutMs: c.timeoutMs, label: t.name };
};

const GENERATORS = [
  { name: "well-formed, split at random", weight: 22, build: wellFormedGen },
  { name: "mutated", weight: 25, build: mutatedGen },
  { name: "targeted", weight: 35, build: targetedGen },
  { name: "random bytes", weight: 7, build: randomBytesGen },
  { name: "floods", weight: 4, build: floodGen },
  { name: "abrupt close", weight: 7, build: abruptGen },
];

// ---------------------------------------------------------------------------------------------
// One raw connection

class Conn {
  stream = new ServerStream();
  framesIn = 0;
  textFramesIn = 0;
  sent = [];
  framesOut = 0;
  bytesOut = 0;
  closeInfo = null;
  clientClosing = false;
  /** Ops received when the client began to close (what came later may have crossed its close). */
  opsAtClientClose = undefined;
  /** The server did not answer the client's close frame. */
  unanswered = false;
  error = null;

  constructor(url) {
    this.ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 15_000, maxPayload: 256 * 1024 * 1024 });
    this.opened = new Promise((resolve) => {
      this.ws.once("open", () => resolve(true));
      this.ws.once("close", () => resolve(false));
    });
    this.closed = new Promise((resolve) => {
      this.ws.once("close", (code, reason) => {
        this.closeInfo = { code, reason: reason.toString(), by: this.clientClosing ? "client" : "server" };
        resolve(this.closeInfo);
      });
    });
    this.ws.on("error", (e) => {
      this.error ??= e.message;
    });
    this.ws.on("message", (data, isBinary) => {
      this.framesIn++;
      if (!isBinary) this.textFramesIn++;
      this.stream.push(Buffer.isBuffer(data) ? data : Buffer.concat(data));
    });
  }

  get open() {
    return this.closeInfo === null && this.ws.readyState === WebSocket.OPEN;
  }

  send(data, text = false) {
    if (!this.open) return;
    this.sent.push({ data, text });
    this.framesOut++;
    this.bytesOut += data.length;
    this.ws.send(data, { binary: !text });
  }

  async until(pred, ms) {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) return false;
      await sleep(5);
    }
    return true;
  }

  /** The last -ERR that closes a connection, if it is the last op received. */
  closingErr() {
    const last = this.stream.ops[this.stream.ops.length - 1];
    return last?.op === "-ERR" && closingErr(last.err) ? last.err : null;
  }

  async end(how, code) {
    if (this.closeInfo !== null) return;
    // A closing -ERR announces the server's close: give it time to arrive.
    if (this.closingErr() !== null) await this.until(() => this.closeInfo !== null, 5_000);
    // The server's close frame arrived and the answer is on its way: that close is the server's.
    if (this.ws.readyState === WebSocket.CLOSING) await within(this.closed, 10_000);
    if (this.closeInfo !== null) return;
    this.clientClosing = true;
    this.opsAtClientClose = this.stream.ops.length;
    if (how === "terminate") this.ws.terminate();
    else {
      this.ws.close(code);
      if (!(await this.until(() => this.closeInfo !== null, 10_000))) {
        this.unanswered = true;
        this.ws.terminate();
      }
    }
    await within(this.closed, 10_000);
  }

  /** What was sent, as readable frames, for a report. */
  transcript(maxFrames = 12) {
    const shown = this.sent.slice(0, maxFrames).map((f) => `${f.text ? "T" : "B"}"${escapeBytes(f.data, 300)}"`);
    if (this.sent.length > maxFrames) shown.push(`… ${this.sent.length - maxFrames} more frames`);
    return shown.join(" ");
  }
}

// ---------------------------------------------------------------------------------------------
// The run

class Tally {
  rounds = 0;
  byGenerator = {};
  framesSent = 0;
  bytesSent = 0;
  framesReceived = 0;
  bytesReceived = 0;
  opsReceived = {};
  errors = {};
  serverCloses = {};
  clientCloses = {};
  expectations = { checked: 0, met: 0 };
  divergences = {};
  divergenceExamples = [];
  failures = [];
  failureCount = 0;
  /** Failures counted by check, generator and the gist of the message. */
  failureKinds = {};

  bump(map, key, n = 1) {
    map[key] = (map[key] ?? 0) + n;
  }

  fail(check, message, where) {
    this.failureCount++;
    this.bump(this.failureKinds, `[${check}] ${where?.generator ?? "run"}: ${message.replace(/"[^"]*"|'[^']*'|\d+/g, "…").slice(0, 80)}`);
    if (this.failures.length < 40) this.failures.push({ check, message, ...where });
  }
}

/** Judges a round's outcome against its script: counts what met it, records what did not. */
async function judge(c, script, mark, tally, where, shards) {
  const { expect } = script;
  const timeout = script.timeoutMs ?? 15_000;
  if (expect.any) {
    await sleep(expect.linger);
    return;
  }
  tally.expectations.checked++;
  if (expect.ops !== undefined || expect.answer) {
    const pongs = expect.answer ? 1 : (expect.ops.match(/PONG\r\n/g) ?? []).length;
    const done = await c.until(() => c.closeInfo !== null || c.stream.violation !== null || c.stream.pongsFrom(mark) >= pongs, timeout);
    if (!done) return tally.fail("hang", `no answer within ${timeout} ms (expected ${pongs} PONG); got "${escapeBytes(bin(c.stream.textFrom(mark)), 300)}"`, where);
    if (expect.answer) return void tally.expectations.met++;
  } else {
    await c.until(() => c.closeInfo !== null, timeout);
  }
  const outcome = { text: c.stream.textFrom(mark), code: c.closeInfo?.by === "server" ? c.closeInfo.code : null };
  // With more than one shard a PONG waits until the SUBs and UNSUBs before it are known to their
  // owners, while messages published after it may be delivered at once: only PONGs may move.
  const pongsLast = (text) => {
    const s = new ServerStream();
    s.push(bin(text));
    const ops = s.ops.filter((o) => o.op !== "PONG");
    return ops.map((o) => o.text).join("") + "PONG\r\n".repeat(s.ops.length - ops.length) + s.buf.toString("latin1");
  };
  const same = (a, b) => a === b || (shards > 1 && pongsLast(a) === pongsLast(b));
  const matches = (e) =>
    e.ops !== undefined ? same(outcome.text, e.ops) && outcome.code === null : outcome.code === e.close && outcome.text === (e.err === null ? "" : `-ERR '${e.err}'\r\n`);
  if (matches(expect)) return void tally.expectations.met++;
  const alt = (script.alt ?? []).find(matches);
  if (alt !== undefined) {
    tally.bump(tally.divergences, alt.label);
    if (!tally.divergenceExamples.some((d) => d.label === alt.label)) tally.divergenceExamples.push({ label: alt.label, ...where, sent: c.transcript(), received: escapeBytes(bin(outcome.text), 300), code: outcome.code });
    return;
  }
  const want = expect.ops !== undefined ? `"${escapeBytes(bin(expect.ops), 300)}", connection open` : `${expect.err ? `-ERR '${expect.err}'` : "no -ERR"}, close ${expect.close}`;
  const got = `"${escapeBytes(bin(outcome.text), 300)}", ${outcome.code === null ? (c.closeInfo ? `closed by the client (${c.closeInfo.code})` : "connection open") : `close ${outcome.code} ${c.closeInfo.reason}`}`;
  tally.fail("answer", `expected ${want}; got ${got}`, where);
}

/** The checks every connection gets, whatever it sent: (a) server protocol, (b) close codes. */
function inspect(c, tally, where) {
  const s = c.stream;
  tally.framesReceived += c.framesIn;
  tally.bytesReceived += s.bytes;
  for (const op of s.ops) {
    tally.bump(tally.opsReceived, op.op);
    if (op.op === "-ERR") tally.bump(tally.errors, op.err);
  }
  if (s.violation !== null) tally.fail("a", `not server protocol: ${s.violation}`, where);
  if (s.ops.length > 0 && s.ops[0].op !== "INFO") tally.fail("a", `first op is ${s.ops[0].op}, not INFO`, where);
  if (c.textFramesIn > 0) tally.fail("a", `${c.textFramesIn} text frames from the server (nats-server sends binary)`, where);
  for (const op of s.ops) if (op.op === "-ERR" && !knownErr(op.err)) tally.fail("a", `unknown -ERR text '${op.err}'`, where);
  const firstClosing = s.ops.findIndex((op) => op.op === "-ERR" && closingErr(op.err));
  if (firstClosing >= 0 && firstClosing < s.ops.length - 1) tally.fail("a", `ops after the closing -ERR '${s.ops[firstClosing].err}'`, where);
  if (firstClosing >= 0 && firstClosing < (c.opsAtClientClose ?? Infinity) && c.closeInfo?.by !== "server") tally.fail("b", `-ERR '${s.ops[firstClosing].err}' but the server did not close the connection`, where);
  if (s.violation === null && s.buf.length > 0 && c.closeInfo?.by === "server") tally.fail("a", `output ends inside an op: "${escapeBytes(s.buf, 120)}"`, where);
  if (c.unanswered) tally.fail("b", "the server did not answer the client's close frame within 10 s", where);
  const info = c.closeInfo;
  if (info === null) return;
  if (info.by === "client") {
    tally.bump(tally.clientCloses, info.code === 1006 ? "1006 (terminated)" : String(info.code));
    return;
  }
  const key = `${info.code} ${info.reason}`;
  tally.bump(tally.serverCloses, key);
  if (info.code === 1006) return tally.fail("b", `dropped by the server without a close frame${c.error ? ` (${c.error})` : ""}`, where);
  if (!SERVER_CODES.has(info.code)) return tally.fail("b", `close code ${info.code} "${info.reason}" is not one nats-server uses`, where);
  if (info.code === 1000 || info.code === 1001) return;
  const errs = closeByReason.get(key);
  if (errs === undefined) return tally.fail("b", `close ${key} is none of nats-server's (src/protocol/errors.ts CLOSE)`, where);
  const last = c.closingErr();
  if (!errs.includes(last)) tally.fail("b", `close ${key} after ${last === null ? "no closing -ERR" : `-ERR '${last}'`} (expected ${errs.map((e) => (e === null ? "none" : `'${e}'`)).join(" or ")})`, where);
}

/** The script of round `k` of connection `slot` in the run seeded `seed`. */
function roundScript(seed, slot, k, limits) {
  const roundSeed = mix(seed, slot, k);
  const rng = new Rng(roundSeed);
  const gen = rng.weighted(GENERATORS);
  const script = gen.build(rng, limits);
  return { roundSeed, rng, script, name: script.label ? `${gen.name}: ${script.label}` : gen.name };
}

async function runRound(ctx, slot, k) {
  const { roundSeed: seed, rng, script, name } = roundScript(ctx.seed, slot, k, ctx.limits);
  const tally = ctx.tally;
  tally.rounds++;
  tally.bump(tally.byGenerator, name);
  const c = new Conn(ctx.urlFor(slot + k));
  const where = () => ({ generator: name, round: `seed ${ctx.seed}, connection ${slot}, round ${k} (round seed ${seed})`, sent: c.transcript() });
  try {
    if (!(await within(c.opened, 30_000, false))) {
      tally.fail("b", `upgrade failed: ${c.error ?? "closed before open"}`, where());
      return;
    }
    if (!script.early && !(await c.until(() => c.stream.ops.length > 0 || c.closeInfo !== null, 15_000))) {
      tally.fail("hang", "no INFO within 15 s", where());
    }
    let mark = 1;
    if (script.handshake) {
      c.send(bin(HANDSHAKE));
      const ok = await c.until(() => c.stream.pongsFrom(0) > 0 || c.closeInfo !== null || c.stream.violation !== null, 15_000);
      if (!ok || c.closeInfo !== null) {
        tally.fail("hang", `no PONG to the handshake${c.closeInfo ? ` (closed ${c.closeInfo.code})` : " within 15 s"}`, where());
        return;
      }
      mark = c.stream.ops.length;
    }
    for (const f of script.frames) {
      if (!c.open) break;
      c.send(f.data, f.text);
      if (f.delay > 0) await sleep(f.delay);
    }
    await judge(c, script, mark, tally, where(), ctx.limits.shards);
    await c.end(script.end, rng.pick([1000, 1000, 1001, 3000, 4000, 4999, undefined]));
    ctx.onRound?.({ name, script, conn: c, mark });
  } finally {
    if (c.closeInfo === null) {
      c.clientClosing = true;
      c.opsAtClientClose ??= c.stream.ops.length;
      c.ws.terminate();
      await within(c.closed, 10_000);
    }
    tally.framesSent += c.framesOut;
    tally.bytesSent += c.bytesOut;
    inspect(c, tally, where());
  }
}

/**
 * The well-behaved pair: an official client subscribed, another publishing a numbered
 * message every few ms. `check()` stops the publisher and says what was lost or reordered.
 */
async function goodClients(subUrl, pubUrl) {
  const opts = { reconnect: false, timeout: 15_000 };
  const sub = await wsconnect({ servers: subUrl, name: "fuzz-good-sub", ...opts });
  const pub = await wsconnect({ servers: pubUrl, name: "fuzz-good-pub", ...opts });
  const subject = `fuzz.good.${nuid.next()}`;
  const got = [];
  const statuses = [];
  sub.subscribe(subject, { callback: (err, m) => (err ? statuses.push(`subscription: ${err.message}`) : got.push(m.string())) });
  await sub.flush();
  for (const [who, nc] of [["sub", sub], ["pub", pub]]) {
    (async () => {
      for await (const s of nc.status()) if (s.type !== "ping") statuses.push(`${who}: ${s.type}`);
    })().catch(() => undefined);
  }
  let seq = 0;
  const timer = setInterval(() => {
    if (!pub.isClosed()) pub.publish(subject, String(seq++));
  }, 3);
  return {
    async check() {
      clearInterval(timer);
      const result = { sent: seq, received: 0, lost: 0, reordered: 0, statuses: [], closed: pub.isClosed() || sub.isClosed() };
      for (const [who, nc] of [["pub", pub], ["sub", sub]]) {
        try {
          if ((await within(nc.flush(), 15_000, "timeout")) === "timeout") statuses.push(`${who}: flush not answered in 15 s`);
        } catch (e) {
          statuses.push(`${who}: flush: ${e.message}`);
        }
      }
      const end = Date.now() + 15_000;
      while (got.length < seq && Date.now() < end) await sleep(20);
      result.received = got.length;
      const seen = new Set(got);
      for (let i = 0; i < seq; i++) if (!seen.has(String(i))) result.lost++;
      for (let i = 0; i < got.length; i++) if (got[i] !== String(i)) result.reordered++;
      result.statuses = statuses.slice(); // not what closing them adds later
      return result;
    },
    async close() {
      clearInterval(timer);
      await within(Promise.allSettled([pub.close(), sub.close()]), 10_000);
    },
  };
}

function httpBase(url) {
  const u = new URL(url);
  u.protocol = u.protocol === "wss:" ? "https:" : "http:";
  u.pathname = "";
  u.search = "";
  return u.toString().replace(/\/$/, "");
}

async function health(url) {
  try {
    const r = await fetch(`${httpBase(url)}/healthz`, { signal: AbortSignal.timeout(10_000) });
    const text = await r.text();
    let body = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON: nats-server has no /healthz on its WebSocket port */
    }
    return { status: r.status, body };
  } catch (e) {
    return { status: 0, body: String(e) };
  }
}

/** The server's limits, from its INFO. */
async function limitsOf(url, maxControlLine = 4096, shards = 1) {
  const probe = new Conn(url);
  await within(probe.opened, 30_000);
  await probe.until(() => probe.stream.ops.length > 0 || probe.closeInfo !== null, 15_000);
  const info = probe.stream.ops[0]?.op === "INFO" ? JSON.parse(probe.stream.ops[0].text.slice(5)) : null;
  probe.clientClosing = true;
  probe.ws.terminate();
  if (info === null) throw new Error(`no INFO from ${url}`);
  return { maxPayload: info.max_payload ?? 1024 * 1024, maxControlLine, shards };
}

/**
 * Runs one round of a run again, alone, and returns everything about it in full: what it
 * sent, what it expected, what came back and how the connection ended.
 */
export async function replayRound({ url, seed, slot, round, shards = 1, maxControlLine }) {
  const urlFor = (i) => (shards > 1 ? `${url.replace(/\/$/, "")}/?shard=${i % shards}` : url);
  const limits = await limitsOf(urlFor(0), maxControlLine, shards);
  const tally = new Tally();
  let seen = null;
  await runRound({ seed, limits, urlFor: () => urlFor(slot + round), tally, onRound: (s) => (seen = s) }, slot, round);
  const { failures, failureKinds, ...rest } = tally;
  if (seen === null) return { failures, tally: rest };
  const { name, script, conn, mark } = seen;
  const full = (b) => escapeBytes(b, Infinity);
  return {
    generator: name,
    frames: conn.sent.map((f) => `${f.text ? "text" : "binary"} "${full(f.data)}"`),
    expected: script.expect.ops !== undefined ? full(bin(script.expect.ops)) : script.expect,
    alternatives: script.alt ?? [],
    received: full(bin(conn.stream.textFrom(mark))),
    close: conn.closeInfo,
    failures,
  };
}

/**
 * Runs the fuzz: `connections` raw connections, each opening round after round until
 * `seconds` passed, beside the well-behaved pair. Resolves with a report; `report.ok` is false
 * when any check failed.
 */
export async function runFuzz(options) {
  const { url, seconds, connections, seed, shards = 1, rss, expectIdle = false, settleMs = 5_000 } = options;
  const log = options.log ?? (() => {});
  const urlFor = (i) => (shards > 1 ? `${url.replace(/\/$/, "")}/?shard=${((i % shards) + shards) % shards}` : url);
  const tally = new Tally();

  const limits = await limitsOf(urlFor(0), options.maxControlLine, shards);

  const good = await goodClients(urlFor(0), urlFor(1));
  // Resident memory by process (KiB): at the start, the baseline (after the warm-up, once it
  // settled: a cold isolate grows to its working size first), the peak, and after the run settled.
  let memory = null;
  const sample = (field) => {
    for (const [name, kib] of Object.entries(rss())) {
      memory[name] ??= { startKiB: kib, beforeKiB: kib, peakKiB: kib, afterKiB: 0 };
      memory[name][field] = field === "peakKiB" ? Math.max(memory[name].peakKiB, kib) : kib;
    }
  };
  if (rss) {
    memory = {};
    sample("startKiB");
  }
  const sampler = memory ? setInterval(() => sample("peakKiB"), 500) : undefined;

  const ctx = { seed, limits, urlFor, tally };
  const started = Date.now();
  const progress = setInterval(() => {
    const mem = memory ? `; RSS ${Object.entries(rss()).map(([n, kib]) => `${n} ${(kib / 1024).toFixed(0)} MiB`).join(", ")}` : "";
    log(`  ${((Date.now() - started) / 1000).toFixed(0)} s: ${tally.rounds} rounds, ${tally.framesSent} frames sent, ${tally.failureCount} failures${mem}`);
  }, 10_000);
  // Each connection's next round number: rounds are numbered on across the warm-up.
  const next = new Array(connections).fill(0);
  const runUntil = (deadline) =>
    Promise.all(
      next.map(async (_, slot) => {
        while (Date.now() < deadline) {
          const k = next[slot]++;
          try {
            await runRound(ctx, slot, k);
          } catch (e) {
            tally.fail("engine", `round threw: ${e?.stack ?? e}`, { generator: "?", round: `connection ${slot}, round ${k}` });
          }
        }
      }),
    );
  const warmup = memory ? Math.min(options.warmupSeconds ?? 0, seconds / 2) : 0;
  try {
    if (warmup > 0) {
      await runUntil(started + warmup * 1000);
      await sleep(settleMs);
      sample("beforeKiB");
    }
    await runUntil(Date.now() + (seconds - warmup) * 1000);
  } finally {
    clearInterval(progress);
  }
  // The time spent sending, without the pause after the warm-up.
  const fuzzSeconds = (Date.now() - started - (warmup > 0 ? settleMs : 0)) / 1000;

  const goodResult = await good.check();
  if (goodResult.lost > 0 || goodResult.reordered > 0 || goodResult.received !== goodResult.sent) {
    tally.fail("e", `the official client got ${goodResult.received} of ${goodResult.sent} messages (${goodResult.lost} lost, ${goodResult.reordered} out of place)`, {});
  }
  if (goodResult.closed || goodResult.statuses.length > 0) {
    tally.fail("e", `the official clients were disturbed: ${goodResult.closed ? "closed; " : ""}${goodResult.statuses.join(", ")}`, {});
  }

  let idle = null;
  if (expectIdle) {
    // Every fuzz connection is gone: only the good pair and its one subscription may remain.
    const end = Date.now() + 20_000;
    do {
      idle = await health(url);
      if (idle.status === 200 && idle.body.connections <= 2 && idle.body.subscriptions <= 1) break;
      await sleep(500);
    } while (Date.now() < end);
    if (!(idle.status === 200 && idle.body.connections <= 2 && idle.body.subscriptions <= 1)) {
      tally.fail("f", `after every fuzz connection closed, /healthz says ${JSON.stringify(idle.body).slice(0, 300)} (expected 2 connections, 1 subscription)`, {});
    }
  }
  await good.close();
  if (memory) {
    clearInterval(sampler);
    await sleep(settleMs);
    sample("afterKiB");
  }
  const healthz = await health(url);
  if (healthz.status !== 200) tally.fail("f", `GET /healthz answered ${healthz.status}: ${JSON.stringify(healthz.body).slice(0, 300)}`, {});

  const { failures, failureCount, ...figures } = tally;
  return {
    url,
    seed,
    seconds: fuzzSeconds,
    connections,
    ...figures,
    good: goodResult,
    health: healthz,
    idle: idle?.body ?? null,
    memory,
    failures,
    failureCount,
    ok: failureCount === 0,
  };
}

const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
const table = (map) =>
  Object.entries(map)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `    ${String(v).padStart(7)}  ${k}`)
    .join("\n") || "    (none)";

/** The report as text. */
export function formatReport(r) {
  const lines = [
    `Fuzz of ${r.url}: seed ${r.seed}, ${r.connections} connections, ${r.seconds.toFixed(1)} s`,
    `  rounds ${r.rounds}; frames sent ${r.framesSent} (${mib(r.bytesSent / 1024)}); frames received ${r.framesReceived} (${mib(r.bytesReceived / 1024)})`,
    `  answers checked ${r.expectations.checked}, as expected ${r.expectations.met}`,
    "  rounds by generator:",
    table(r.byGenerator),
    "  ops received:",
    table(r.opsReceived),
    "  -ERR by text:",
    table(r.errors),
    "  closes by the server:",
    table(r.serverCloses),
    "  closes by the fuzz connections:",
    table(r.clientCloses),
    `  official clients: ${r.good.received}/${r.good.sent} messages, ${r.good.lost} lost, ${r.good.reordered} out of place${r.good.statuses.length ? `; status: ${r.good.statuses.join(", ")}` : ""}`,
    `  /healthz: ${r.health.status}${r.idle ? `; after the fuzz: ${r.idle.connections} connections, ${r.idle.subscriptions} subscriptions` : ""}`,
  ];
  for (const [name, m] of Object.entries(r.memory ?? {})) {
    const warm = m.beforeKiB !== m.startKiB ? `, after the warm-up ${mib(m.beforeKiB)}` : "";
    lines.push(`  RSS of ${name}: at the start ${mib(m.startKiB)}${warm}, peak ${mib(m.peakKiB)}, after ${mib(m.afterKiB)} (${m.afterKiB >= m.beforeKiB ? "+" : ""}${mib(m.afterKiB - m.beforeKiB)})`);
  }
  if (Object.keys(r.divergences).length > 0) {
    lines.push("  known differences from nats-server seen (not failures):", table(r.divergences));
    for (const d of r.divergenceExamples) lines.push(`    e.g. ${d.round}: sent ${d.sent}\n      got "${d.received}"${d.code ? `, close ${d.code}` : ""}`);
  }
  lines.push(r.ok ? "  PASS" : `  FAIL: ${r.failureCount} failures${r.failureCount > r.failures.length ? ` (first ${r.failures.length} shown)` : ""}`);
  if (!r.ok) lines.push(table(r.failureKinds));
  for (const f of r.failures) {
    lines.push(`  [${f.check}] ${f.message}`);
    if (f.round) lines.push(`      ${f.generator}; ${f.round}`);
    if (f.sent) lines.push(`      sent: ${f.sent}`);
  }
  return lines.join("\n");
}
