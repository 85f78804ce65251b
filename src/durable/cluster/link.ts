// The links that carry messages between this shard and the others: WebSockets,
// opened by whichever of two shards first has something for the other (stub.fetch
// with an upgrade on LINK_PATH) and then used both ways. Each batch for a shard is
// one data frame; frames are acknowledged, cumulatively, on the data frames going
// the other way or, when none go soon, by an ack frame (route.ts has the bytes).
//
// Not an RPC per batch: in workerd a call between objects costs some 150 µs of
// CPU, a frame some 30 (docs/benchmarks.md, "Across shards"), and incoming
// WebSocket messages are billed at a twentieth of a request.
//
// And batched as TCP does with Nagle's algorithm and delayed acks: while more than
// WINDOW_BYTES are unacknowledged, what follows gathers into the next frame, and a
// receiver with nothing to send back acknowledges after a millisecond or so. A
// busy link makes frames of hundreds of records; an idle one, or a trickle, sends
// at once; a request and its reply acknowledge each other.
//
// What one shard sends another arrives in order and once: frames go out on one
// socket at a time, in sequence; those not acknowledged are kept (a window of them)
// and sent again, with their numbers, on a new socket when the old one fails, and
// the receiver skips those it delivered already. A link that cannot be opened
// again after a few tries gives its frames up (their requesters hear
// no-responders).
//
// Only an accepted socket lets its object hibernate: the shard that opened a link
// is pinned in memory while it is open, so it closes the link when idle.

import { ackFrame, DATA_HEADER, readAck, readDataHeader, RouteBatch, type Ack, type DataHeader } from "../../protocol/route.js";

/** The path of a link's upgrade request. The Worker forwards only upgrades of "/" to a shard, so no client reaches it. */
export const LINK_PATH = "/_cluster/link";

/** The tag a shard accepts links with, to tell them from clients after hibernation. */
export const LINK_TAG = "link";

/** Bytes sent and not acknowledged after which what follows waits for an ack, in the next frame. */
const WINDOW_BYTES = 16 * 1024;
/**
 * A receiver acknowledges at once every ACK_EVERY frames, and after ACK_DELAY_MS
 * (which workerd's timers make a millisecond or so) when no frame went back meanwhile.
 */
const ACK_EVERY = 16;
const ACK_DELAY_MS = 1;
/** A frame grows to about this size at most; more goes into the next. (Objects take in WebSocket messages of up to 32 MiB.) */
const FRAME_MAX = 4 * 1024 * 1024;
/** A link this shard opened, unused this long, is closed. */
const IDLE_MS = 10_000;
/** A frame not acknowledged in this time counts as lost with its socket: the frames are sent again on a new one. */
const ACK_TIMEOUT_MS = 10_000;
/** Opening a link is tried this often before its frames are given up; waits between tries as in retry.ts. */
const OPEN_ATTEMPTS = 6;
const BASE_DELAY_MS = 25;
const MAX_DELAY_MS = 2_000;

/** What goes to one shard in one frame: the records, and the receipts they ask for. */
export interface Outgoing {
  readonly route: RouteBatch;
  readonly receipts: number[];
  seq: number;
  sent: number;
}

export interface LinkOptions {
  readonly self: number;
  /** Opens a socket to `peer` and accepts it. */
  open(peer: number): Promise<WebSocket>;
  /** The records of a data frame from `peer`; returns the receipts nobody took. */
  received(peer: number, records: Uint8Array): number[];
  /** Frames sent were acknowledged: of their `receipts`, `undelivered` were taken by nobody. */
  answered(receipts: readonly number[], undelivered: readonly number[]): void;
  /** A link could not be opened again: `records` records are given up. */
  dropped(peer: number, records: number, receipts: readonly number[], error: unknown): void;
  /** Whether a frame from `peer` is handled now; when not, `handle` runs once it has travelled here (cluster/wan.ts). */
  arrivesNow(peer: number, handle: () => void): boolean;
}

const NONE: readonly number[] = [];

/** This shard's side of its link with one other. */
class Peer {
  // Sending.
  next: Outgoing = outgoing();
  /** Full frames waiting for room in the window, before `next`. */
  readonly ready: Outgoing[] = [];
  readonly unacked: Outgoing[] = [];
  unackedBytes = 0;
  readonly spare: Outgoing[] = [];
  seq = 0;
  socket: WebSocket | null = null;
  /** This shard opened `socket`: it pins the object, and closes when idle. */
  opener = false;
  opening = false;
  failures = 0;
  lastUsed = 0;
  timer: ReturnType<typeof setTimeout> | null = null;
  queued = false;
  // Receiving: the last frame delivered, from which instance of the peer, and what is owed it.
  readonly inbound: Ack = { instance: 0, seq: 0 };
  owedFrames = 0;
  readonly owedUndelivered: number[] = [];
  ackTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(readonly shard: number) {}
}

function outgoing(): Outgoing {
  return { route: new RouteBatch(), receipts: [], seq: 0, sent: 0 };
}

export class Links {
  private readonly peers = new Map<number, Peer>();
  private readonly sockets = new Map<WebSocket, Peer>();
  /** Peers with records waiting for flush(). */
  private readonly queued: Peer[] = [];
  /** This instance of the object, in every frame it sends. */
  readonly instance = crypto.getRandomValues(new Uint32Array(1))[0] || 1;
  private readonly header: DataHeader = { from: 0, instance: 0, seq: 0, ack: { instance: 0, seq: 0 } };
  /** Data frames sent. */
  frames = 0;

  constructor(private readonly o: LinkOptions) {}

  private peer(shard: number): Peer {
    let p = this.peers.get(shard);
    if (p === undefined) this.peers.set(shard, (p = new Peer(shard)));
    return p;
  }

  /** The frame being filled for `shard`: add records, then flush(). */
  batch(shard: number): Outgoing {
    const p = this.peer(shard);
    if (!p.queued) {
      p.queued = true;
      this.queued.push(p);
    }
    if (p.next.route.size >= FRAME_MAX) {
      p.ready.push(p.next);
      p.next = p.spare.pop() ?? outgoing();
    }
    return p.next;
  }

  /** Sends what was added since the last flush: a frame per shard (unless its window is full). */
  flush(): void {
    const q = this.queued;
    for (let i = 0; i < q.length; i++) {
      q[i].queued = false;
      this.send(q[i]);
    }
    q.length = 0;
  }

  /**
   * Sends what waits for `p` while the window has room: like Nagle's algorithm, a
   * link with more than WINDOW_BYTES unacknowledged lets what follows gather into
   * one frame until an ack comes, so a busy link makes big frames and an idle one
   * sends at once.
   */
  private send(p: Peer): void {
    while (p.unackedBytes < WINDOW_BYTES) {
      const o = p.ready.length > 0 ? p.ready[0] : p.next;
      if (o.route.count === 0) return;
      const ws = p.socket;
      if (ws === null) return this.connect(p);
      if (o === p.next) p.next = p.spare.pop() ?? outgoing();
      else p.ready.shift();
      o.seq = ++p.seq;
      p.unacked.push(o);
      p.unackedBytes += o.route.size;
      this.write(p, ws, o);
    }
  }

  private write(p: Peer, ws: WebSocket, o: Outgoing): void {
    o.sent = p.lastUsed = Date.now();
    // The frame acknowledges what came from the peer, so no ack frame is owed, unless
    // it must name receipts nobody took (data frames carry none).
    if (p.owedUndelivered.length > 0) this.ackNow(p);
    else this.settle(p);
    try {
      ws.send(o.route.frame(this.o.self, this.instance, o.seq, p.inbound));
    } catch (e) {
      this.lost(p, ws);
      return;
    }
    this.frames++;
    this.watch(p);
  }

  /** A link socket another shard opened to this one (shard.ts), also after hibernation. */
  accepted(ws: WebSocket, shard: number): void {
    const p = this.peer(shard);
    this.sockets.set(ws, p);
    // Used both ways: what this shard has for that one goes the same way, without a socket of its own.
    if (p.socket === null) p.socket = ws;
    // Both opened one at once: the lower-numbered shard's serves (see connect).
    else if (p.opener && shard < this.o.self) this.switchTo(p, ws, false);
  }

  /**
   * Moves `p` to `ws`, closing the socket this shard opened if that was the one in use.
   * What was not acknowledged goes again on `ws`, in order and before anything new, so
   * whatever the old socket still delivers is a repeat the peer skips.
   */
  private switchTo(p: Peer, ws: WebSocket, opener: boolean): void {
    const old = p.socket;
    if (old !== null && p.opener) this.idle(p, old);
    this.unwatch(p);
    p.socket = ws;
    p.opener = opener;
    for (const o of p.unacked) this.write(p, ws, o);
    this.send(p);
  }

  /** A frame arrived on a link socket (either end). */
  frame(ws: WebSocket, bytes: Uint8Array): void {
    const p = this.sockets.get(ws);
    if (p === undefined || this.o.arrivesNow(p.shard, () => this.arrived(ws, bytes))) this.arrived(ws, bytes);
  }

  private arrived(ws: WebSocket, bytes: Uint8Array): void {
    const h = this.header;
    if (!readDataHeader(bytes, h)) {
      const a = readAck(bytes);
      if (a === null) {
        // Nothing else goes this way: the other end is not what it should be.
        ws.close(1002, "not a link frame");
        return;
      }
      this.acked(this.peer(a.from), a.ack, a.undelivered);
      return;
    }
    const p = this.peer(h.from);
    if (!this.sockets.has(ws)) this.sockets.set(ws, p);
    if (p.socket === null) p.socket = ws;
    p.lastUsed = Date.now();
    this.acked(p, h.ack, NONE);
    const last = p.inbound;
    if (last.instance === h.instance && h.seq <= last.seq) {
      // Sent again (its ack was lost with a socket), and delivered already: the sender waits for the ack.
      this.owe(p, NONE, true);
      return;
    }
    last.instance = h.instance;
    last.seq = h.seq;
    let undelivered = NONE;
    try {
      undelivered = this.o.received(h.from, bytes.subarray(DATA_HEADER));
    } finally {
      this.owe(p, undelivered, false);
    }
  }

  /** The peer's frames up to `ack` arrived; acknowledged frames are done with. */
  private acked(p: Peer, ack: Ack, undelivered: readonly number[]): void {
    if (ack.instance !== this.instance || ack.seq === 0) return;
    const u = p.unacked;
    let done = 0;
    while (done < u.length && u[done].seq <= ack.seq) done++;
    if (done === 0) return;
    p.failures = 0;
    for (let i = 0; i < done; i++) {
      const o = u[i];
      p.unackedBytes -= o.route.size;
      this.o.answered(o.receipts, undelivered);
      o.route.clear();
      o.receipts.length = 0;
      if (p.spare.length < 8) p.spare.push(o);
    }
    u.splice(0, done);
    // The window has room again.
    this.send(p);
  }

  /**
   * A data frame from `p` was delivered: it is owed an ack, sent at once when
   * records found nobody (a requester waits for its no-responders), after
   * ACK_EVERY frames, or when nothing went back within ACK_DELAY_MS.
   */
  private owe(p: Peer, undelivered: readonly number[], now: boolean): void {
    p.owedFrames++;
    for (let i = 0; i < undelivered.length; i++) p.owedUndelivered.push(undelivered[i]);
    if (now || undelivered.length > 0 || p.owedFrames >= ACK_EVERY) this.ackNow(p);
    else p.ackTimer ??= setTimeout(() => this.ackNow(p), ACK_DELAY_MS);
  }

  private ackNow(p: Peer): void {
    const ws = p.socket;
    // Without a socket, what is owed goes with the next frame either way.
    if (ws === null) return;
    const undelivered = p.owedUndelivered.length > 0 ? p.owedUndelivered.slice() : NONE;
    this.settle(p);
    try {
      ws.send(ackFrame(this.o.self, p.inbound, undelivered));
    } catch {
      this.lost(p, ws);
    }
  }

  /** Nothing is owed `p` any more (an ack is going its way). */
  private settle(p: Peer): void {
    p.owedFrames = 0;
    p.owedUndelivered.length = 0;
    if (p.ackTimer !== null) {
      clearTimeout(p.ackTimer);
      p.ackTimer = null;
    }
  }

  /** Opens a socket to `p`, then sends again what was not acknowledged, and what waits. */
  private connect(p: Peer): void {
    if (p.opening) return;
    p.opening = true;
    this.o
      .open(p.shard)
      .then((ws) => {
        p.opening = false;
        this.sockets.set(ws, p);
        ws.addEventListener("message", (ev) => {
          if (ev.data instanceof ArrayBuffer) this.frame(ws, new Uint8Array(ev.data));
        });
        ws.addEventListener("close", () => this.gone(p, ws));
        ws.addEventListener("error", () => this.gone(p, ws));
        // The peer may have opened one meanwhile, which would serve both ways. Then the one the
        // lower-numbered shard opened is kept: were each end to keep the other's, each would close
        // the one the other kept, and both would open again at once, for ever.
        if (p.socket !== null && this.o.self > p.shard) {
          this.idle(p, ws);
          return;
        }
        this.switchTo(p, ws, true);
      })
      .catch((e: unknown) => {
        p.opening = false;
        if (++p.failures >= OPEN_ATTEMPTS) return this.giveUp(p, e);
        const cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (p.failures - 1));
        setTimeout(() => this.connect(p), cap / 2 + Math.random() * (cap / 2));
      });
  }

  /** The link to `p` could not be opened again: what waits for it is given up. */
  private giveUp(p: Peer, e: unknown): void {
    p.failures = 0;
    const frames = [...p.unacked, ...p.ready, p.next];
    p.unacked.length = 0;
    p.ready.length = 0;
    p.unackedBytes = 0;
    p.next = outgoing();
    for (const o of frames) if (o.route.count > 0) this.o.dropped(p.shard, o.route.count, o.receipts, e);
  }

  /** A socket closed or failed: frames not acknowledged go again on a new one. */
  private lost(p: Peer, ws: WebSocket): void {
    if (!this.sockets.delete(ws)) return;
    try {
      ws.close(1011, "link lost");
    } catch {
      // Already closed.
    }
    if (p.socket !== ws) return;
    p.socket = null;
    p.opener = false;
    this.unwatch(p);
    for (const [other, q] of this.sockets) {
      if (q === p) {
        p.socket = other;
        break;
      }
    }
    if (p.socket !== null) {
      for (const o of p.unacked) this.write(p, p.socket, o);
      this.send(p);
    } else if (p.unacked.length > 0 || p.ready.length > 0 || p.next.route.count > 0) {
      this.connect(p);
    }
  }

  /** An accepted link socket closed (shard.ts). */
  closed(ws: WebSocket): void {
    const p = this.sockets.get(ws);
    if (p !== undefined) this.gone(p, ws);
  }

  /** The socket closed or failed: handled after the frames that came before it. */
  private gone(p: Peer, ws: WebSocket): void {
    if (this.o.arrivesNow(p.shard, () => this.lost(p, ws))) this.lost(p, ws);
  }

  /** Closes the links this shard opened, as when they are idle (they open again when needed). */
  closeOpened(): void {
    for (const p of this.peers.values()) if (p.opener && p.socket !== null) this.idle(p, p.socket);
  }

  private idle(p: Peer, ws: WebSocket): void {
    this.sockets.delete(ws);
    if (p.socket === ws) {
      this.unwatch(p);
      p.socket = null;
      p.opener = false;
    }
    try {
      ws.close(1000, "idle");
    } catch {
      // Already closed.
    }
  }

  /**
   * Treats the link to `p` as lost when an ack is overdue, and closes it when idle if
   * this shard opened it. A pending timer also holds the object in memory, so there
   * is one only while frames wait for their ack or this shard holds a link it opened.
   */
  private watch(p: Peer): void {
    if (p.timer !== null) return;
    const check = () => {
      p.timer = null;
      const ws = p.socket;
      if (ws === null) return;
      const now = Date.now();
      const oldest = p.unacked.length > 0 ? p.unacked[0].sent : 0;
      if (oldest !== 0 && now - oldest >= ACK_TIMEOUT_MS) return this.lost(p, ws);
      if (oldest === 0 && !p.opener) return;
      if (oldest === 0 && p.owedFrames === 0 && now - p.lastUsed >= IDLE_MS) return this.idle(p, ws);
      const due = oldest !== 0 ? oldest + ACK_TIMEOUT_MS : p.lastUsed + IDLE_MS;
      p.timer = setTimeout(check, Math.max(10, due - now));
    };
    p.timer = setTimeout(check, p.opener ? IDLE_MS : ACK_TIMEOUT_MS);
  }

  private unwatch(p: Peer): void {
    if (p.timer === null) return;
    clearTimeout(p.timer);
    p.timer = null;
  }
}
