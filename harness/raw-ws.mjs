// Raw NATS-over-WebSocket conversations, for scripts that record byte for byte
// what a server answers: scripts/probe-nats-server.mjs (a transcript of one
// server) and scripts/compat.mjs (nats-server and nats-edge side by side).
//
// A case is a script of WebSocket frames on one or more connections:
//   { conns: { A: connect, B: connect, … }, steps: [[label, data, opts?], …],
//     ping?: boolean, deferred?: [label, …], closeWithin?: ms }
// `connect` is the first frame sent after INFO (null: none); `data` and
// `connect` may be functions of the connection (its INFO is `c.infoJson`), for
// frames that depend on what the server said, such as a signed nonce. Step
// data OPEN opens a connection named in `deferred` (which are not opened up
// front), CLOSE closes one from the client side, and null only waits (`wait`
// ms). Unless `ping` is false, every open connection then gets a final
// `PING\r\n`, so a PONG proves it survived. `onMessage(c, bytes)`, when the
// case has one, sees every frame after INFO as it arrives (to answer the
// server's PINGs, say).
//
// The WebSocket implementation is the caller's (`create(url, label)`): Node's
// global WebSocket by default, or the `ws` package where headers (Cookie,
// Origin) or the close frame of a connection whose TCP stream stays open are
// needed.

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const enc = new TextEncoder();

export const OPEN = Symbol("open");
export const CLOSE = Symbol("close");

// WebSocket readyState values (the same in every implementation).
const WS_OPEN = 1;
const WS_CLOSING = 2;
const WS_CLOSED = 3;

/** The CONNECT the official clients send, without credentials. */
export const DEFAULT_CONNECT =
  'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"protocol":1}\r\n';

/**
 * Bytes as readable text: \r \n \t \\ and \xNN escaped, runs of 25 or more of
 * one character written c{×N}.
 */
export function escBytes(bytes) {
  let s = "";
  for (const b of bytes) {
    if (b === 0x0d) s += "\\r";
    else if (b === 0x0a) s += "\\n";
    else if (b === 0x09) s += "\\t";
    else if (b === 0x5c) s += "\\\\";
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += "\\x" + b.toString(16).padStart(2, "0");
  }
  return s.replace(/(.)\1{24,}/g, (m, ch) => `${ch}{×${m.length}}`);
}

export const toBytes = (d) => (d instanceof Uint8Array ? d : enc.encode(d));

/**
 * Opens a connection and waits for its first frame (INFO), its close, or
 * `timeoutMs`. The result records every later frame with its arrival time.
 */
export function openConn(url, label, { create = (u) => new WebSocket(u), timeoutMs = 1000, onMessage } = {}) {
  return new Promise((resolve) => {
    const c = { label, frames: [], closed: null, info: null, sent: [], error: null };
    let done = false;
    const fin = () => {
      if (!done) {
        done = true;
        resolve(c);
      }
    };
    const ws = create(url, label);
    ws.binaryType = "arraybuffer";
    c.ws = ws;
    ws.onopen = () => {
      c.extensions = ws.extensions;
      c.protocol = ws.protocol;
    };
    ws.onmessage = (ev) => {
      const text = typeof ev.data === "string";
      const bytes = text ? enc.encode(ev.data) : new Uint8Array(ev.data);
      const f = { t: performance.now(), text, bytes };
      if (c.info === null && c.frames.length === 0) {
        c.info = Buffer.from(bytes).toString("latin1");
        c.infoFrame = f;
        fin();
        return;
      }
      c.frames.push(f);
      onMessage?.(c, bytes);
    };
    ws.onclose = (ev) => {
      c.closed = { t: performance.now(), code: ev.code, reason: ev.reason, wasClean: ev.wasClean };
      fin();
    };
    ws.onerror = (ev) => {
      c.error = String(ev?.message || ev?.error || "error");
    };
    setTimeout(fin, timeoutMs);
  });
}

/** The INFO object the connection received, or null. */
export function infoJson(c) {
  const m = /^INFO\s+([^\r\n]*)/i.exec(c.info ?? "");
  if (!m) return null;
  try {
    return JSON.parse(m[1]);
  } catch {
    return null;
  }
}

/** Sends one frame (binary unless `text`) if the socket is open, and records it either way. */
export function sendFrame(c, data, { text = false } = {}) {
  const entry = { t: performance.now(), text, bytes: toBytes(data), sent: false };
  if (c.ws.readyState === WS_OPEN) {
    c.ws.send(text ? (typeof data === "string" ? data : Buffer.from(data).toString("utf8")) : toBytes(data));
    entry.sent = true;
  }
  c.sent.push(entry);
  if (c.seqList) {
    c.seqList.push(entry);
    entry.seq = String(c.seqList.length);
  }
  return entry;
}

/**
 * Whether the server has closed its side: the close event came, or (with the
 * `ws` package) its close frame arrived although the TCP stream stays open.
 */
export function serverClosed(c) {
  return c.closed !== null || c.ws._closeFrameReceived === true || (c.error !== null && c.ws.readyState >= WS_CLOSING);
}

/**
 * How the server closed the connection, seen from the client: { code, reason }
 * from the close frame (also when the TCP stream stayed open after it), or
 * null while it is open. With the `ws` package a close frame carrying a status
 * RFC 6455 forbids on the wire (1006) is refused by the client: `refused`
 * then holds its error.
 */
export function closeFrameOf(c) {
  const ws = c.ws;
  if (ws._closeFrameReceived === true) {
    return { code: ws._closeCode, reason: Buffer.from(ws._closeMessage ?? []).toString("utf8"), refused: null };
  }
  const bad = /invalid status code (\d+)/.exec(c.error ?? "");
  if (bad) return { code: Number(bad[1]), reason: null, refused: c.error };
  if (c.closed) return { code: c.closed.code, reason: c.closed.reason, refused: null };
  return null;
}

async function waitAllClosed(conns, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end && !Object.values(conns).every(serverClosed)) await sleep(20);
}

/** Waits until each connection pinged at `pingAt[label]` got a PONG after it, or was closed. */
async function waitPongs(conns, pingAt, ms) {
  const answered = (l) =>
    serverClosed(conns[l]) || conns[l].frames.some((f) => f.t >= pingAt[l] && Buffer.from(f.bytes).includes("PONG\r\n"));
  const end = Date.now() + ms;
  while (Date.now() < end && !Object.keys(pingAt).every(answered)) await sleep(10);
}

/**
 * Runs one case against `url`: opens the connections in order, sends each its
 * connect frame, then the steps `gap` ms apart, then the final PINGs; waits
 * `tail` ms (after first waiting up to `closeWithin` ms for every connection
 * to be closed by the server, when the case says so, and up to `settleMs` for
 * the final PINGs' PONGs, when that is given) and closes whatever is still
 * open. Sent frames are numbered in one sequence across connections
 * ("P" for the final PING), so received frames can be placed among them.
 */
export async function runCase(cs, { url, gap = 60, tail = 300, settleMs = 0, create, openTimeoutMs } = {}) {
  const deferred = new Set(cs.deferred ?? []);
  const labels = Object.keys(cs.conns);
  const conns = {};
  const allSent = [];
  const open = async (l) => {
    conns[l] = await openConn(url, l, { create, timeoutMs: openTimeoutMs, onMessage: cs.onMessage });
    conns[l].seqList = allSent;
    conns[l].infoJson = infoJson(conns[l]);
  };
  const connect = async (l) => {
    const c = conns[l];
    if (cs.conns[l] != null && c.ws.readyState === WS_OPEN) {
      sendFrame(c, typeof cs.conns[l] === "function" ? await cs.conns[l](c) : cs.conns[l]);
      await sleep(gap);
    }
  };
  for (const l of labels) if (!deferred.has(l)) await open(l);
  for (const l of labels) if (!deferred.has(l)) await connect(l);
  for (const [l, data, opts] of cs.steps) {
    if (data === OPEN) {
      await open(l);
      await connect(l);
      continue;
    }
    if (data === null) {
      await sleep(opts?.wait ?? gap);
      continue;
    }
    if (data === CLOSE) {
      conns[l].closedByClient = true;
      if (conns[l].ws.readyState === WS_OPEN) conns[l].ws.close(1000, "client done");
      await sleep(opts?.wait ?? gap);
      continue;
    }
    sendFrame(conns[l], typeof data === "function" ? await data(conns[l]) : data, opts || {});
    await sleep(opts?.wait ?? gap);
  }
  const live = labels.filter((l) => conns[l] !== undefined);
  const pingAt = {};
  if (cs.ping !== false) {
    for (const l of live) {
      const e = sendFrame(conns[l], "PING\r\n");
      e.finalPing = true;
      e.seq = "P";
      pingAt[l] = e.t;
    }
  }
  if (cs.closeWithin) await waitAllClosed(conns, cs.closeWithin);
  if (settleMs > 0) await waitPongs(conns, pingAt, settleMs);
  await sleep(tail);
  // client-side close of whatever is still open
  for (const l of live) {
    const c = conns[l];
    c.openAtEnd = c.ws.readyState === WS_OPEN;
    if (c.openAtEnd) c.ws.close(1000, "probe done");
  }
  await sleep(40);
  return { cs, conns, labels: live, pingAt, allSent };
}

/** Drops connections still lingering after runCase (a `ws` socket waits up to 30 s for TCP to end). */
export function discard(result) {
  for (const c of Object.values(result.conns)) {
    if (c.ws.readyState !== WS_CLOSED && typeof c.ws.terminate === "function") c.ws.terminate();
  }
}

/**
 * The number of the last frame sent before time `t` on any connection ("0"
 * before the first), to place a received frame among the sent ones.
 */
export function tagOf(c, t) {
  let tag = "0";
  for (const e of c.seqList) if (e.t <= t) tag = e.seq;
  return tag;
}
