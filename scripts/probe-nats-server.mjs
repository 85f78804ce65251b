#!/usr/bin/env node
// Probe a real nats-server over WebSocket and record, byte for byte, how it
// reacts to a list of client inputs. Produces a Markdown transcript table.
//
// Needs a Node with globalThis.WebSocket (Node >= 22). Usage:
//   nats-server -c cfg.conf -DV > /tmp/nats.log 2>&1 &   # cfg: websocket { listen: "127.0.0.1:19222", no_tls: true }
//   NATS_WS_URL=ws://127.0.0.1:19222 NATS_LOG=/tmp/nats.log OUT=/tmp/probe-results.md \
//     node scripts/probe-nats-server.mjs
//
// NATS_LOG is optional: when given, server log lines (ERR/WRN and
// "connection closed" lines) written during each case are added to the table.
//
// The conversations themselves (connections, frames, the case runner) are
// harness/raw-ws.mjs, shared with scripts/compat.mjs.

import fs from 'node:fs';
import net from 'node:net';
import crypto from 'node:crypto';
import { DEFAULT_CONNECT, enc, escBytes, openConn, runCase as runRawCase, tagOf, toBytes } from '../harness/raw-ws.mjs';

const URL_ = process.env.NATS_WS_URL || 'ws://127.0.0.1:19222';
const LOG = process.env.NATS_LOG || '';
const OUT = process.env.OUT || '/tmp/probe-results.md';
const GAP = Number(process.env.GAP_MS || 60); // pause between frames
const TAIL = Number(process.env.TAIL_MS || 300); // wait after last send
const ONLY = process.env.ONLY ? new RegExp(process.env.ONLY) : null;

if (typeof globalThis.WebSocket !== 'function') {
  console.error('globalThis.WebSocket missing: run with Node >= 22');
  process.exit(2);
}

const mdCell = (s) => s.replace(/\|/g, '\\|').replace(/`/g, 'ˋ');

// ---------- server log tailing ----------
function logSize() {
  if (!LOG) return 0;
  try { return fs.statSync(LOG).size; } catch { return 0; }
}
function logSlice(from) {
  if (!LOG) return [];
  const fd = fs.openSync(LOG, 'r');
  const size = fs.fstatSync(fd).size;
  const buf = Buffer.alloc(Math.max(0, size - from));
  fs.readSync(fd, buf, 0, buf.length, from);
  fs.closeSync(fd);
  return buf.toString('utf8').split('\n').filter(Boolean);
}
function interestingLog(lines) {
  return lines
    .filter((l) => /\[(ERR|WRN)\]/.test(l) || /connection closed/i.test(l))
    .map((l) =>
      l
        .replace(/^\[\d+\] \S+ \S+ /, '')
        .replace(/127\.0\.0\.1:\d+ - wid:\d+( - "[^"]*")? - /, '')
    );
}

// ---------- case runner ----------
// A case: { name, group, conns: {A: connectString|null}, steps: [[label, data, opts?]], ping: true }
async function runCase(cs) {
  const logFrom = logSize();
  const r = await runRawCase(cs, { url: URL_, gap: GAP, tail: TAIL });
  return { ...r, log: interestingLog(logSlice(logFrom)) };
}

// ---------- formatting ----------
// Sent frames are numbered [1], [2], ... (the final PING is [P]); each received
// frame is tagged with the number of the last frame sent before it arrived.
function fmtFrames(c) {
  if (!c.frames.length) return '∅';
  return c.frames
    .map((f) => `[${tagOf(c, f.t)}]` + (f.text ? 'T' : '') + '`' + mdCell(escBytes(f.bytes)) + '`')
    .join(' ');
}
function fmtSent(c) {
  return c.sent
    .map((e) => {
      const tag = e.seq;
      let s;
      if (e.bytes.length === enc.encode(DEFAULT_CONNECT).length &&
          Buffer.from(e.bytes).toString('latin1') === DEFAULT_CONNECT) s = 'C₀';
      else s = '`' + mdCell(escBytes(e.bytes)) + '`';
      if (e.text) s = 'T' + s;
      if (!e.sent) s += ' (not sent: closed)';
      return `[${tag}]${s}`;
    })
    .join(' ');
}
function fmtRow(r) {
  const multi = r.labels.length > 1;
  const pre = (l) => (multi ? `**${l}:** ` : '');
  const sent = r.labels.map((l) => pre(l) + (fmtSent(r.conns[l]) || '∅')).join('<br>');
  const recv = [], closed = [];
  for (const l of r.labels) {
    const c = r.conns[l];
    recv.push(pre(l) + fmtFrames(c));
    let cl;
    if (c.closed && !c.openAtEnd) {
      cl = `**closed ${c.closed.code}** “${mdCell(c.closed.reason)}” after [${tagOf(c, c.closed.t)}]${c.closed.wasClean ? '' : ' (unclean)'}`;
    } else if (!c.info) cl = `no INFO${c.error ? ' / ' + c.error : ''}`;
    else cl = 'open';
    closed.push(pre(l) + cl);
  }
  const log = r.log.filter((x) => !/Client connection closed: Client Closed$/.test(x));
  return `| ${mdCell(r.cs.name)} | ${sent} | ${recv.join('<br>')} | ${closed.join('<br>')} | ${mdCell(log.join(' ⏎ '))} |`;
}

// ---------- raw TCP probe (handshake + frame bytes) ----------
function rawProbe(payloads, extraHeaders = []) {
  return new Promise((resolve) => {
    const u = new URL(URL_);
    const sock = net.connect(Number(u.port), u.hostname);
    const key = crypto.randomBytes(16).toString('base64');
    let buf = Buffer.alloc(0);
    const t0 = Date.now();
    sock.on('connect', () => {
      sock.write(
        `GET / HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extraHeaders.join('')}\r\n`,
      );
      let delay = 150;
      for (const p of payloads) {
        const fr = p && p.opcode !== undefined ? p : { opcode: 0x2, fin: true, data: p };
        setTimeout(() => { if (!sock.destroyed) sock.write(maskFrame(fr.opcode, toBytes(fr.data), fr.fin !== false)); }, delay);
        delay += GAP;
      }
      setTimeout(() => sock.destroy(), delay + TAIL);
    });
    sock.on('data', (d) => { buf = Buffer.concat([buf, d]); });
    sock.on('close', () => resolve({ buf, ms: Date.now() - t0 }));
    sock.on('error', () => {});
  });
}
function maskFrame(opcode, payload, fin = true) {
  const mask = crypto.randomBytes(4);
  let hdr;
  if (payload.length < 126) hdr = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | payload.length]);
  else if (payload.length < 65536) { hdr = Buffer.alloc(4); hdr[0] = (fin ? 0x80 : 0) | opcode; hdr[1] = 0x80 | 126; hdr.writeUInt16BE(payload.length, 2); }
  else { hdr = Buffer.alloc(10); hdr[0] = (fin ? 0x80 : 0) | opcode; hdr[1] = 0x80 | 127; hdr.writeBigUInt64BE(BigInt(payload.length), 2); }
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i % 4];
  return Buffer.concat([hdr, mask, body]);
}
function parseRaw(buf) {
  const idx = buf.indexOf('\r\n\r\n');
  const head = idx >= 0 ? buf.subarray(0, idx + 4).toString('latin1') : buf.toString('latin1');
  let rest = idx >= 0 ? buf.subarray(idx + 4) : Buffer.alloc(0);
  const frames = [];
  while (rest.length >= 2) {
    const b0 = rest[0], b1 = rest[1];
    let len = b1 & 0x7f, off = 2;
    if (len === 126) { len = rest.readUInt16BE(2); off = 4; }
    else if (len === 127) { len = Number(rest.readBigUInt64BE(2)); off = 10; }
    const masked = !!(b1 & 0x80);
    if (masked) off += 4;
    if (rest.length < off + len) break;
    frames.push({ fin: !!(b0 & 0x80), rsv: (b0 >> 4) & 7, opcode: b0 & 0xf, masked, headerHex: rest.subarray(0, off).toString('hex'), payload: rest.subarray(off, off + len) });
    rest = rest.subarray(off + len);
  }
  return { head, frames, leftover: rest.length };
}
function fmtRaw(title, sent, r) {
  const p = parseRaw(r.buf);
  let s = `#### ${title}\n\nClient frames sent (masked; binary unless noted): ${sent.map((x) => x && x.opcode !== undefined ? `opcode ${x.opcode}${x.fin === false ? ' FIN=0' : ''} \`${escBytes(toBytes(x.data))}\`` : '`' + escBytes(toBytes(x)) + '`').join(', ') || '∅'}\n\nHTTP response head:\n\n\`\`\`\n${p.head.replace(/\r\n/g, '\\r\\n\n')}\`\`\`\n\nServer frames:\n\n| # | FIN | RSV | opcode | masked | header hex | payload |\n|---|---|---|---|---|---|---|\n`;
  p.frames.forEach((f, i) => {
    let pl;
    if (f.opcode === 8) {
      pl = f.payload.length >= 2 ? `code ${f.payload.readUInt16BE(0)}, reason \`${escBytes(f.payload.subarray(2))}\` (hex ${f.payload.toString('hex')})` : `(empty) hex ${f.payload.toString('hex')}`;
    } else {
      const e = escBytes(f.payload);
      pl = '`' + mdCell(e.length > 300 ? e.slice(0, 300) + '…' : e) + '`';
    }
    s += `| ${i} | ${+f.fin} | ${f.rsv} | ${f.opcode} | ${+f.masked} | ${f.headerHex} | ${pl} |\n`;
  });
  if (p.leftover) s += `\n(${p.leftover} trailing bytes not parsed)\n`;
  return s + '\n';
}

// ---------- cases ----------
const C0 = DEFAULT_CONNECT;
const cases = [];
const add = (group, name, frames, opts = {}) => {
  const connect = 'connect' in opts ? opts.connect : C0;
  cases.push({
    group, name,
    conns: { A: connect },
    steps: frames.map((f) => (Array.isArray(f) ? ['A', f[0], f[1]] : ['A', f])),
    ping: opts.ping,
  });
};
const addMulti = (group, name, conns, steps) => cases.push({ group, name, conns, steps });
const SUBALL = 'SUB > 99\r\n';
const cPed = 'CONNECT {"verbose":false,"pedantic":true,"headers":true,"no_responders":true,"protocol":1}\r\n';
const cVerbose = 'CONNECT {"verbose":true,"pedantic":false,"headers":true,"no_responders":true,"protocol":1}\r\n';
const cNoHdr = 'CONNECT {"verbose":false,"pedantic":false,"headers":false,"protocol":1}\r\n';

// 1. basic / unknown ops
const G1 = 'Basic & unknown ops';
add(G1, 'baseline: nothing extra', []);
add(G1, 'FOO', ['FOO\r\n']);
add(G1, 'PX', ['PX\r\n']);
add(G1, 'PINGX', ['PINGX\r\n']);
add(G1, 'PING + trailing space', ['PING \r\n']);
add(G1, 'PING + trailing tab', ['PING\t\r\n']);
add(G1, 'ping lowercase', ['ping\r\n']);
add(G1, 'PiNg mixed case', ['PiNg\r\n']);
add(G1, 'PONG from client', ['PONG\r\n']);
add(G1, 'PONGX', ['PONGX\r\n']);
add(G1, 'empty line CRLF', ['\r\n']);
add(G1, 'bare LF', ['\n']);
add(G1, 'leading spaces before PING', ['  PING\r\n']);
add(G1, 'PING with LF only', ['PING\n']);
add(G1, 'PING split CR | LF across frames', ['PING\r', '\n']);
add(G1, 'PING then garbage same frame', ['PING\r\nFOO\r\n']);
add(G1, 'two PINGs in one frame', ['PING\r\nPING\r\n']);
add(G1, 'INFO {} from client', ['INFO {}\r\n']);
add(G1, 'INFO (no arg) from client', ['INFO\r\n']);
add(G1, '+OK from client', ['+OK\r\n']);
add(G1, '+OKX from client', ['+OKX\r\n']);
add(G1, '-ERR from client', ["-ERR 'x'\r\n"]);
add(G1, 'MSG from client', ['MSG foo 1 2\r\nhi\r\n']);
add(G1, 'HMSG from client', ['HMSG foo 1 12 14\r\nNATS/1.0\r\n\r\nhi\r\n']);
add(G1, 'PUBX', ['PUBX foo 2\r\nhi\r\n']);
add(G1, 'SUBX', ['SUBX foo 1\r\n']);
add(G1, 'CONNECTX {}', ['CONNECTX {}\r\n']);
add(G1, 'PINGFOO BAR', ['PINGFOO BAR\r\n']);
add(G1, '+O (truncated +OK)', ['+O\r\n']);
add(G1, '-ERR (no arg) from client', ['-ERR\r\n']);
add(G1, '-ER from client', ['-ER\r\n']);
add(G1, 'NUL byte', ['\x00\r\n']);
add(G1, 'non-ASCII bytes', [new Uint8Array([0xff, 0xfe, 0x0d, 0x0a])]);
add(G1, 'PING as TEXT frame', [['PING\r\n', { text: true }]]);
add(G1, 'empty binary frame', [new Uint8Array(0)]);

// 2. PUB
const G2 = 'PUB';
add(G2, 'PUB ok (with SUB > 99)', [SUBALL, 'PUB foo 2\r\nhi\r\n']);
add(G2, 'PUB with reply', [SUBALL, 'PUB foo bar 2\r\nhi\r\n']);
add(G2, 'PUB zero payload', [SUBALL, 'PUB foo 0\r\n\r\n']);
add(G2, 'PUB payload containing CRLF', [SUBALL, 'PUB foo 4\r\na\r\nb\r\n']);
add(G2, 'PUB lowercase pub', [SUBALL, 'pub foo 2\r\nhi\r\n']);
add(G2, 'PUB control line LF only', [SUBALL, 'PUB foo 2\nhi\r\n']);
add(G2, 'PUB payload terminated by LF only', [SUBALL, 'PUB foo 2\r\nhi\nPING\r\n']);
add(G2, 'PUB foo (no size)', [SUBALL, 'PUB foo\r\n']);
add(G2, 'PUB (no args)', [SUBALL, 'PUB\r\n']);
add(G2, 'PUB + space only', [SUBALL, 'PUB \r\n']);
add(G2, 'PUB too many args', [SUBALL, 'PUB foo bar baz 2\r\nhi\r\n']);
add(G2, 'PUB size -1', [SUBALL, 'PUB foo -1\r\n']);
add(G2, 'PUB size abc', [SUBALL, 'PUB foo abc\r\n']);
add(G2, 'PUB size +2', [SUBALL, 'PUB foo +2\r\nhi\r\n']);
add(G2, 'PUB size 02 (leading zero)', [SUBALL, 'PUB foo 02\r\nhi\r\n']);
add(G2, 'PUB trailing space after size', [SUBALL, 'PUB foo 2 \r\nhi\r\n']);
add(G2, 'PUB payload longer than size', [SUBALL, 'PUB foo 2\r\nhello\r\n']);
add(G2, 'PUB payload shorter: size 5, "hi\\r\\n" then "X\\r\\n"', [SUBALL, 'PUB foo 5\r\nhi\r\n', 'X\r\n']);
add(G2, 'PUB payload shorter: size 5, "hi\\r\\n" then nothing', [SUBALL, 'PUB foo 5\r\nhi\r\n']);
add(G2, 'PUB no CRLF after payload (hiXY)', [SUBALL, 'PUB foo 2\r\nhiXY']);
add(G2, 'PUB payload CR | LF split across frames', [SUBALL, 'PUB foo 2\r\nhi\r', '\n']);
add(G2, 'PUB payload split across frames', [SUBALL, 'PUB foo 5\r\nhe', 'llo\r\n']);
add(G2, 'PUB op split across frames (PU|B)', [SUBALL, 'PU', 'B foo 2\r\nhi\r\n']);
add(G2, 'PUB control line split mid-subject', [SUBALL, 'PUB fo', 'o 2\r\nhi\r\n']);
add(G2, 'two PUBs one frame', [SUBALL, 'PUB foo 2\r\nhi\r\nPUB bar 2\r\nyo\r\n']);
add(G2, 'PUB size 2000000 (> max_payload)', [SUBALL, 'PUB foo 2000000\r\n']);
add(G2, 'PUB size 1048577 (max_payload+1)', ['PUB foo 1048577\r\n']);
add(G2, 'PUB size 1048576 exactly + payload', ['PUB foo 1048576\r\n' + 'x'.repeat(1048576) + '\r\n']);
add(G2, 'PUB size 99999999999999999999', [SUBALL, 'PUB foo 99999999999999999999\r\n']);
add(G2, 'PUB tab separator', [SUBALL, 'PUB foo\tbar 2\r\nhi\r\n']);
add(G2, 'PUB tab after op', [SUBALL, 'PUB\tfoo 2\r\nhi\r\n']);
add(G2, 'PUB multiple spaces', [SUBALL, 'PUB  foo   2\r\nhi\r\n']);
add(G2, 'PUB wildcard subject foo.* (non-pedantic)', [SUBALL, 'PUB foo.* 2\r\nhi\r\n']);
add(G2, 'PUB wildcard subject foo.* (pedantic)', [SUBALL, 'PUB foo.* 2\r\nhi\r\n'], { connect: cPed });
add(G2, 'PUB wildcard subject foo.> (pedantic)', [SUBALL, 'PUB foo.> 2\r\nhi\r\n'], { connect: cPed });
add(G2, 'PUB foo..bar (non-pedantic)', [SUBALL, 'PUB foo..bar 2\r\nhi\r\n']);
add(G2, 'PUB foo..bar (pedantic)', [SUBALL, 'PUB foo..bar 2\r\nhi\r\n'], { connect: cPed });
add(G2, 'PUB .foo (pedantic)', [SUBALL, 'PUB .foo 2\r\nhi\r\n'], { connect: cPed });
add(G2, 'PUB reply with wildcard (pedantic)', [SUBALL, 'PUB foo r.* 2\r\nhi\r\n'], { connect: cPed });
add(G2, 'PUB UTF-8 subject', [SUBALL, 'PUB fóo 2\r\nhi\r\n']);
add(G2, 'PUB subject with NUL', [SUBALL, 'PUB fo\x00o 2\r\nhi\r\n']);
add(G2, 'PUB text frame with UTF-8 payload', [SUBALL, ['PUB foo 2\r\né\r\n', { text: true }]]);
add(G2, 'control line 4000 bytes (PUB + long subject) + newline', [SUBALL, 'PUB ' + 'a'.repeat(3990) + ' 2\r\nhi\r\n']);
add(G2, 'control line 5000 bytes, no newline', [SUBALL, 'PUB ' + 'a'.repeat(4996)]);
add(G2, 'control line 5000 bytes WITH newline', [SUBALL, 'PUB ' + 'a'.repeat(4992) + ' 2\r\nhi\r\n']);
add(G2, 'PUB args exactly 4096 bytes (subject 4094 + " 2")', [SUBALL, 'PUB ' + 'a'.repeat(4094) + ' 2\r\nhi\r\n']);
add(G2, 'PUB args 4097 bytes (subject 4095 + " 2")', [SUBALL, 'PUB ' + 'a'.repeat(4095) + ' 2\r\nhi\r\n']);
add(G2, 'PUB args 4097 bytes split 100 + rest', [SUBALL, 'PUB ' + 'a'.repeat(96), 'a'.repeat(3999) + ' 2\r\nhi\r\n']);
add(G2, 'PUB args 4096 bytes split 100 + rest', [SUBALL, 'PUB ' + 'a'.repeat(96), 'a'.repeat(3998) + ' 2\r\nhi\r\n']);
add(G2, 'PUB 4100 bytes of args, no newline, in 2 frames', [SUBALL, 'PUB ' + 'a'.repeat(2000), 'a'.repeat(2100)]);
add(G2, 'SUB args 4097 bytes', ['SUB ' + 'a'.repeat(4095) + ' 1\r\n']);
add(G2, 'CONNECT 5000 bytes', [], { connect: 'CONNECT {"name":"' + 'n'.repeat(4980) + '"}\r\n' });
add(G2, 'unknown op 5000 bytes no newline', ['X'.repeat(5000)]);
add(G2, 'PING + 5000 spaces no newline', ['PING' + ' '.repeat(4996)]);

// 3. HPUB
const G3 = 'HPUB';
const HDR = 'NATS/1.0\r\n\r\n';
const HDR_AB = 'NATS/1.0\r\nA: b\r\n\r\n';
// build a well-formed HPUB with correct sizes
const hpub = (subj, reply, hdr, body) =>
  `HPUB ${subj}${reply ? ' ' + reply : ''} ${hdr.length} ${hdr.length + body.length}\r\n${hdr}${body}\r\n`;
add(G3, 'HPUB ok', [SUBALL, `HPUB foo 12 14\r\n${HDR}hi\r\n`]);
add(G3, 'HPUB with header + reply', [SUBALL, hpub('foo', 'rep', HDR_AB, 'hi')]);
add(G3, 'HPUB header size > total', [SUBALL, 'HPUB foo 20 10\r\n0123456789\r\n']);
add(G3, 'HPUB declared sizes larger than sent (hdr 22/total 24, actual 18/20)', [SUBALL, 'HPUB foo 22 24\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\n', 'PING\r\n']);
add(G3, 'HPUB only one size', [SUBALL, 'HPUB foo 12\r\n']);
add(G3, 'HPUB no args', [SUBALL, 'HPUB\r\n']);
add(G3, 'HPUB too many args', [SUBALL, 'HPUB foo a b 12 14\r\n']);
add(G3, 'HPUB hdr=0 total=2', [SUBALL, 'HPUB foo 0 2\r\nhi\r\n']);
add(G3, 'HPUB non-NATS header text (hdr 5)', [SUBALL, 'HPUB foo 5 7\r\nabcdehi\r\n']);
add(G3, 'HPUB header block without trailing blank line', [SUBALL, 'HPUB foo 10 12\r\nNATS/1.0\r\nhi\r\n']);
add(G3, 'HPUB total over max_payload', [SUBALL, 'HPUB foo 12 2000000\r\n']);
add(G3, 'HPUB size abc', [SUBALL, 'HPUB foo 12 abc\r\n']);
add(G3, 'HPUB from headers:false client', [SUBALL, `HPUB foo 12 14\r\n${HDR}hi\r\n`], { connect: cNoHdr });
add(G3, 'HPUB before CONNECT', [`HPUB foo 12 14\r\n${HDR}hi\r\n`], { connect: null });

// 4. SUB / UNSUB
const G4 = 'SUB / UNSUB';
add(G4, 'SUB ok', ['SUB foo 1\r\n', 'PUB foo 2\r\nhi\r\n']);
add(G4, 'SUB foo (no sid)', ['SUB foo\r\n']);
add(G4, 'SUB (no args)', ['SUB\r\n']);
add(G4, 'SUB too many args', ['SUB foo bar baz 1\r\n']);
add(G4, 'SUB foo..bar', ['SUB foo..bar 1\r\n']);
add(G4, 'SUB foo.>.bar', ['SUB foo.>.bar 1\r\n']);
add(G4, 'SUB .foo', ['SUB .foo 1\r\n']);
add(G4, 'SUB foo.', ['SUB foo. 1\r\n']);
add(G4, 'SUB foo* (partial-token wildcard)', ['SUB foo* 1\r\n', 'PUB foo* 2\r\nhi\r\n']);
add(G4, 'SUB > ', ['SUB > 1\r\n', 'PUB a.b 2\r\nhi\r\n']);
add(G4, 'SUB foo.* then PUB foo.bar', ['SUB foo.* 1\r\n', 'PUB foo.bar 2\r\nhi\r\n']);
add(G4, 'SUB queue ok', ['SUB foo q 1\r\n', 'PUB foo 2\r\nhi\r\n']);
add(G4, 'SUB queue with wildcard name q.*', ['SUB foo q.* 1\r\n', 'PUB foo 2\r\nhi\r\n']);
add(G4, 'SUB sid non-numeric', ['SUB foo abc\r\n', 'PUB foo 2\r\nhi\r\n']);
add(G4, 'SUB twice same sid', ['SUB foo 1\r\n', 'SUB foo 1\r\n', 'PUB foo 2\r\nhi\r\n']);
add(G4, 'SUB twice same sid different subject', ['SUB foo 1\r\n', 'SUB bar 1\r\n', 'PUB foo 2\r\nhi\r\n', 'PUB bar 2\r\nyo\r\n']);
add(G4, 'two SUBs overlapping (2 sids)', ['SUB foo 1\r\n', 'SUB > 2\r\n', 'PUB foo 2\r\nhi\r\n']);
add(G4, 'SUB trailing space', ['SUB foo 1 \r\n', 'PUB foo 2\r\nhi\r\n']);
add(G4, 'SUB multiple spaces / tabs', ['SUB \t foo \t 1\r\n', 'PUB foo 2\r\nhi\r\n']);
add(G4, 'sub lowercase', ['sub foo 1\r\n', 'PUB foo 2\r\nhi\r\n']);
add(G4, 'UNSUB 1 after SUB', ['SUB foo 1\r\n', 'UNSUB 1\r\n', 'PUB foo 2\r\nhi\r\n']);
add(G4, 'UNSUB 1 (never subscribed)', ['UNSUB 1\r\n']);
add(G4, 'UNSUB (no args)', ['UNSUB\r\n']);
add(G4, 'UNSUB 1 x', ['SUB foo 1\r\n', 'UNSUB 1 x\r\n', 'PUB foo 2\r\nhi\r\n']);
add(G4, 'UNSUB abc (non-numeric sid, exists)', ['SUB foo abc\r\n', 'UNSUB abc\r\n', 'PUB foo 2\r\nhi\r\n']);
add(G4, 'UNSUB trailing space', ['SUB foo 1\r\n', 'UNSUB 1 \r\n', 'PUB foo 2\r\nhi\r\n']);
add(G4, 'SUB+UNSUB same sid again (re-use sid)', ['SUB foo 1\r\n', 'UNSUB 1\r\n', 'SUB bar 1\r\n', 'PUB foo 1\r\na\r\n', 'PUB bar 1\r\nb\r\n']);
add(G4, 'verbose: SUB twice same sid', ['SUB foo 1\r\n', 'SUB foo 1\r\n'], { connect: cVerbose });
add(G4, 'UNSUB 99 unknown sid', ['UNSUB 99\r\n']);
add(G4, 'UNSUB 1 2 3', ['SUB foo 1\r\n', 'UNSUB 1 2 3\r\n']);
add(G4, 'UNSUB 1 2 (auto-unsub after 2)', ['SUB foo 1\r\n', 'UNSUB 1 2\r\n', 'PUB foo 1\r\na\r\n', 'PUB foo 1\r\nb\r\n', 'PUB foo 1\r\nc\r\n']);
add(G4, 'UNSUB 1 0', ['SUB foo 1\r\n', 'UNSUB 1 0\r\n', 'PUB foo 1\r\na\r\n']);
add(G4, 'UNSUB 1 -1', ['SUB foo 1\r\n', 'UNSUB 1 -1\r\n', 'PUB foo 1\r\na\r\n']);
add(G4, 'UNSUB 1 1 after already 1 delivered', ['SUB foo 1\r\n', 'PUB foo 1\r\na\r\n', 'UNSUB 1 1\r\n', 'PUB foo 1\r\nb\r\n']);

// 5. CONNECT
const G5 = 'CONNECT';
add(G5, 'CONNECT {bad json', [], { connect: 'CONNECT {bad json\r\n' });
add(G5, 'CONNECT (no arg)', [], { connect: 'CONNECT\r\n' });
add(G5, 'CONNECT {}', [], { connect: 'CONNECT {}\r\n' });
add(G5, 'CONNECT {"protocol":2}', [], { connect: 'CONNECT {"protocol":2}\r\n' });
add(G5, 'CONNECT {"protocol":-1}', [], { connect: 'CONNECT {"protocol":-1}\r\n' });
add(G5, 'CONNECT {"no_responders":true} (no headers)', [], { connect: 'CONNECT {"no_responders":true}\r\n' });
add(G5, 'CONNECT {"verbose":1} (type mismatch)', [], { connect: 'CONNECT {"verbose":1}\r\n' });
add(G5, 'CONNECT {"foo":1} (unknown field)', [], { connect: 'CONNECT {"foo":1}\r\n' });
add(G5, 'CONNECT lowercase', [], { connect: 'connect {}\r\n' });
add(G5, 'CONNECT tab separator', [], { connect: 'CONNECT\t{}\r\n' });
add(G5, 'CONNECT no space {}', [], { connect: 'CONNECT{}\r\n' });
add(G5, 'CONNECT user/pass (no auth configured)', [], { connect: 'CONNECT {"user":"a","pass":"b"}\r\n' });
add(G5, 'CONNECT auth_token (no auth configured)', [], { connect: 'CONNECT {"auth_token":"x"}\r\n' });
add(G5, 'CONNECT tls_required:true over ws no_tls', [], { connect: 'CONNECT {"tls_required":true}\r\n' });
add(G5, 'CONNECT trailing garbage after JSON', [], { connect: 'CONNECT {} x\r\n' });
add(G5, 'CONNECT twice', [C0]);
add(G5, 'CONNECT twice, second changes verbose', [cVerbose, 'SUB foo 1\r\n']);
add(G5, 'verbose: PUB, SUB, UNSUB, PING', ['PUB foo 2\r\nhi\r\n', 'SUB foo 1\r\n', 'UNSUB 1\r\n', 'PING\r\n'], { connect: cVerbose });
add(G5, 'verbose: CONNECT itself, all in one frame', [], { connect: cVerbose.replace('\r\n', '\r\nSUB foo 1\r\nPUB foo 2\r\nhi\r\n') });
add(G5, 'verbose: PONG, HPUB, SUB+PUB delivering', ['PONG\r\n', `HPUB foo 12 14\r\n${HDR}hi\r\n`, 'SUB foo 1\r\n', 'PUB foo 2\r\nhi\r\n'], { connect: cVerbose });
add(G5, 'verbose: invalid SUB subject', ['SUB foo..bar 1\r\n'], { connect: cVerbose });
add(G5, 'verbose: unknown op', ['FOO\r\n'], { connect: cVerbose });
add(G5, 'verbose + pedantic: wildcard PUB', ['PUB foo.* 2\r\nhi\r\n'], { connect: cVerbose.replace('"pedantic":false', '"pedantic":true') });
add(G5, 'verbose: UNSUB unknown sid', ['UNSUB 99\r\n'], { connect: cVerbose });

// 6. no CONNECT
const G6 = 'No CONNECT first';
add(G6, 'PUB first (no CONNECT)', ['PUB foo 2\r\nhi\r\n'], { connect: null });
add(G6, 'SUB first (no CONNECT)', ['SUB foo 1\r\n', 'PUB foo 2\r\nhi\r\n'], { connect: null });
add(G6, 'PING first (no CONNECT)', [], { connect: null });
add(G6, 'FOO first (no CONNECT)', ['FOO\r\n'], { connect: null });
add(G6, 'PUB foo.* first (no CONNECT) → default pedantic?', ['SUB > 1\r\n', 'PUB foo.* 2\r\nhi\r\n'], { connect: null });
add(G6, 'CONNECT {} then PUB foo.* (defaults kept?)', ['SUB > 1\r\n', 'PUB foo.* 2\r\nhi\r\n'], { connect: 'CONNECT {}\r\n' });
add(G6, 'CONNECT {"verbose":false} then PUB foo.*', ['SUB > 1\r\n', 'PUB foo.* 2\r\nhi\r\n'], { connect: 'CONNECT {"verbose":false}\r\n' });
add(G6, 'CONNECT {"verbose":false} then SUB+PUB (echo default)', ['SUB foo 1\r\n', 'PUB foo 2\r\nhi\r\n'], { connect: 'CONNECT {"verbose":false}\r\n' });
add(G6, 'CONNECT {"verbose":false} then HPUB (headers default?)', ['SUB foo 1\r\n', 'HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n'], { connect: 'CONNECT {"verbose":false}\r\n' });
add(G6, 'CONNECT {"verbose":false,"headers":true} then HPUB', ['SUB foo 1\r\n', 'HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n'], { connect: 'CONNECT {"verbose":false,"headers":true}\r\n' });
add(G6, 'CONNECT {"verbose":false,"headers":true} (no_responders absent) then request', ['SUB _INBOX.x.* 1\r\n', 'PUB svc _INBOX.x.1 0\r\n\r\n'], { connect: 'CONNECT {"verbose":false,"headers":true}\r\n' });

// 7. echo / no responders / headers to non-header subscriber
const G7 = 'Delivery semantics';
add(G7, 'echo:false own SUB+PUB', ['SUB foo 1\r\n', 'PUB foo 2\r\nhi\r\n'], { connect: C0.replace('{', '{"echo":false,') });
add(G7, 'echo default own SUB+PUB', ['SUB foo 1\r\n', 'PUB foo 2\r\nhi\r\n']);
add(G7, 'no_responders: SUB _INBOX.x.* + PUB svc _INBOX.x.1 0', ['SUB _INBOX.x.* 1\r\n', 'PUB svc _INBOX.x.1 0\r\n\r\n']);
add(G7, 'no_responders: PUB with payload', ['SUB _INBOX.x.* 1\r\n', 'PUB svc _INBOX.x.1 5\r\nhello\r\n']);
add(G7, 'no_responders: HPUB with headers', ['SUB _INBOX.x.* 1\r\n', hpub('svc', '_INBOX.x.1', HDR_AB, '')]);
add(G7, 'no_responders: reply subject not subscribed', ['PUB svc _INBOX.x.1 0\r\n\r\n']);
add(G7, 'no_responders: reply sub on queue group', ['SUB _INBOX.x.* q 1\r\n', 'PUB svc _INBOX.x.1 0\r\n\r\n']);
add(G7, 'no_responders:false', ['SUB _INBOX.x.* 1\r\n', 'PUB svc _INBOX.x.1 0\r\n\r\n'], { connect: C0.replace('"no_responders":true', '"no_responders":false') });
add(G7, 'no_responders + echo:false', ['SUB _INBOX.x.* 1\r\n', 'PUB svc _INBOX.x.1 0\r\n\r\n'], { connect: C0.replace('{', '{"echo":false,') });
add(G7, 'no_responders: someone subscribed to svc', ['SUB svc 2\r\n', 'SUB _INBOX.x.* 1\r\n', 'PUB svc _INBOX.x.1 0\r\n\r\n']);
addMulti(G7, 'HPUB to headers:false subscriber', { A: cNoHdr, B: C0 }, [
  ['A', 'SUB foo 1\r\n'],
  ['B', hpub('foo', '', HDR_AB, 'hi')],
  ['B', hpub('foo', 'rep', HDR, '')],
]);
addMulti(G7, 'HPUB to headers:true subscriber (other conn)', { A: C0, B: C0 }, [
  ['A', 'SUB foo 1\r\n'],
  ['B', hpub('foo', '', HDR_AB, 'hi')],
]);
addMulti(G7, 'queue group: two members, 4 PUBs', { A: C0, B: C0, C: C0 }, [
  ['A', 'SUB foo q 1\r\n'], ['B', 'SUB foo q 1\r\n'],
  ['C', 'PUB foo 1\r\n1\r\nPUB foo 1\r\n2\r\nPUB foo 1\r\n3\r\nPUB foo 1\r\n4\r\n'],
]);
addMulti(G7, 'no_responders: request from A, responder B subscribed', { A: C0, B: C0 }, [
  ['B', 'SUB svc 5\r\n'], ['A', 'SUB _INBOX.x.* 1\r\n'], ['A', 'PUB svc _INBOX.x.1 2\r\nhi\r\n'],
]);

// ---------- main ----------
const info0 = await openConn(URL_, 'info');
const main = async () => {
  let md = '';
  const rows = {};
  const selected = cases.filter((c) => !ONLY || ONLY.test(c.name));
  for (const cs of selected) {
    const r = await runCase(cs);
    (rows[cs.group] ||= []).push(fmtRow(r));
    process.stderr.write('.');
  }
  process.stderr.write('\n');

  const raw = [];
  if (!ONLY) {
    const rp1 = ['CONNECT {"verbose":false,"protocol":1,"headers":true,"no_responders":true}\r\n', 'PING\r\n', 'SUB foo 1\r\nPUB foo 2\r\nhi\r\n', 'FOO\r\n'];
    raw.push(fmtRaw('Handshake, PING, MSG, then unknown op (FOO)', rp1, await rawProbe(rp1)));
    const rp2 = ['CONNECT {}\r\n', 'PUB foo\r\n'];
    raw.push(fmtRaw('Argument error (PUB foo)', rp2, await rawProbe(rp2)));
    const rp3 = ['CONNECT {}\r\n', 'PUB foo 2000000\r\n'];
    raw.push(fmtRaw('Max payload violation', rp3, await rawProbe(rp3)));
    const rp4 = ['CONNECT {bad json\r\n'];
    raw.push(fmtRaw('Bad CONNECT JSON', rp4, await rawProbe(rp4)));
    const rp5 = ['PING\r\n'];
    raw.push(fmtRaw('Client offers permessage-deflate (server not configured for compression)', rp5,
      await rawProbe(rp5, ['Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n'])));
    const rp7 = ['CONNECT {"verbose":false}\r\n', { opcode: 0x9, data: 'hello' }, 'PING\r\n'];
    raw.push(fmtRaw('WebSocket-level PING control frame from client', rp7, await rawProbe(rp7)));
    const rp8 = ['CONNECT {"verbose":false}\r\n', { opcode: 0x2, fin: false, data: 'PI' }, { opcode: 0x0, fin: false, data: 'NG' }, { opcode: 0x0, data: '\r\n' }];
    raw.push(fmtRaw('Fragmented message (binary FIN=0, continuation, continuation FIN=1)', rp8, await rawProbe(rp8)));
    const rp9 = ['CONNECT {"verbose":false}\r\n', { opcode: 0x8, data: new Uint8Array([0x03, 0xe8, 0x62, 0x79, 0x65]) }];
    raw.push(fmtRaw('Client close frame (1000 "bye")', rp9, await rawProbe(rp9)));
    const rp10 = ['CONNECT {"verbose":false}\r\n', 'SUB foo 1\r\n', 'PUB foo ' + 200 + '\r\n' + 'y'.repeat(200) + '\r\n'];
    raw.push(fmtRaw('MSG with 200-byte payload (frame length encoding)', rp10, await rawProbe(rp10)));
    const rp6 = ['PING\r\n'];
    raw.push(fmtRaw('Client requests subprotocol "nats"', rp6, await rawProbe(rp6, ['Sec-WebSocket-Protocol: nats\r\n'])));
  }

  md += `Server: ${URL_}; WebSocket client extensions negotiated by Node: \`${info0.extensions ?? ''}\`, protocol: \`${info0.protocol ?? ''}\`\n\n`;
  md += `### INFO (first frame on every connection, verbatim)\n\nFrame type: ${info0.infoFrame?.text ? 'text' : 'binary'}\n\n\`\`\`\n${escBytes(enc.encode(info0.info ?? ''))}\n\`\`\`\n\n`;
  try {
    const j = JSON.parse((info0.info || '').slice(5).trim());
    md += `Pretty:\n\n\`\`\`json\n${JSON.stringify(j, null, 2)}\n\`\`\`\n\n`;
  } catch {}
  if (info0.ws.readyState === WebSocket.OPEN) info0.ws.close();

  md += `### Transcript\n\nLegend: **C₀** = \`${escBytes(enc.encode(C0))}\` (sent as its own binary frame). ` +
    'Each WebSocket frame is shown as one backquoted string, escaped (\\r \\n \\t \\\\ \\xNN; runs of 25+ identical chars as c{×N}); ' +
    'a leading T marks a text frame (otherwise binary). Sent frames are numbered [1], [2], …; after them the probe sends `PING\\r\\n` as a separate binary frame, numbered [P] ' +
    '(“not sent: closed” when the socket was already closed). Each received frame is prefixed with the number of the last frame sent before it arrived, ' +
    'so [P]`PONG\\r\\n` means the connection survived. INFO (always the first frame) is omitted from the received column. ' +
    `Frames were sent ${GAP} ms apart; the probe waited ${TAIL} ms after the last send and then closed the socket itself if still open. ` +
    '“Server log” shows the server\'s ERR/WRN and “connection closed” lines (run with -DV) emitted during the case.\n\n';
  for (const [g, rs] of Object.entries(rows)) {
    md += `#### ${g}\n\n| case | bytes sent (after INFO) | bytes received (after INFO) | closed? (code, reason) | server log (-DV) |\n|---|---|---|---|---|\n${rs.join('\n')}\n\n`;
  }
  if (raw.length) md += `### Raw TCP wire captures\n\n${raw.join('')}`;
  fs.writeFileSync(OUT + '.transcript.md', md);
  console.log(`wrote ${OUT}.transcript.md (${selected.length} cases)`);
};
await main();
process.exit(0);
