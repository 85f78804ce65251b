// One consumer of a stream, on the stream's home shard: which messages it has
// delivered, which await an ack, the pull requests waiting for messages, and what
// goes out next (nats-server's consumer.go, for one server). It decides; the
// JetStream role publishes what it hands out (Outgoing) and runs its timers.
//
// Messages are chosen in nats-server's order: redeliveries that are due first, then
// the stream's next message matching the consumer's filters. A pull consumer hands
// each message to the oldest waiting request, which goes to the back of the queue
// while it wants more, so several clients pulling one durable share its messages.
// A push consumer sends to its deliver subject while it has interest there, pausing
// on flow control until the client answers.

import { ackSubject, flowControlSubject, type AckKind } from "../../protocol/jetstream/ack.js";
import { filtersOf, type ConsumerConfig } from "../../protocol/jetstream/consumer-config.js";
import type { ConsumerState } from "../../protocol/jetstream/consumer-info.js";
import type { PullRequest } from "../../protocol/jetstream/pull-request.js";
import * as status from "../../protocol/jetstream/status.js";
import { NS_PER_MS } from "../../protocol/jetstream/time.js";
import { matchesLiteral } from "../../protocol/subject.js";
import type { ConsumerStore, SeqPair, StoredConsumer, StoredPending } from "./consumer-store.js";
import { PendingAcks } from "./pending.js";
import type { StoredMessage } from "./stream-store.js";
import type { Stream } from "./stream.js";

/** Something the consumer sends: a message or a status, to an inbox or its deliver subject. */
export interface Outgoing {
  readonly to: string;
  /** The subject it shows (the stored message's); null for a status. */
  readonly subject: string | null;
  readonly reply: string | null;
  readonly hdr: Uint8Array | null;
  readonly data: Uint8Array;
}

interface Pending {
  cseq: number;
  deliveries: number;
  /** When it was last delivered, ms. */
  ts: number;
  /** When it is due for redelivery, ms (a NAK's delay, or the ack wait). */
  due: number;
}

interface Waiting {
  readonly reply: string;
  /** Messages and bytes still wanted (bytes 0: no limit). */
  n: number;
  b: number;
  readonly expires: number;
  readonly noWait: boolean;
  readonly heartbeat: number;
  /** When the next heartbeat is due, ms. */
  nextBeat: number;
  delivered: number;
}

const EMPTY = new Uint8Array(0);
/** How soon, then at most how often, a push consumer without interest looks again (ms). */
const INTEREST_POLL_MIN = 25;
const INTEREST_POLL_MAX = 1000;
/** A push consumer with flow control asks for an answer after this many bytes. */
const FLOW_CONTROL_BYTES = 256 * 1024;
/** Default ack wait (nats-server's 30 s) should a config lack one. */
const DEFAULT_ACK_WAIT_MS = 30_000;
/** Read-ahead per consumer: messages per query, and the bytes they may hold in memory. */
const READ_AHEAD_MSGS = 64;
const READ_AHEAD_BYTES = 256 * 1024;

export class Consumer {
  readonly name: string;
  config: ConsumerConfig;
  readonly created: number;
  private delivered: SeqPair;
  private ackFloor: SeqPair;
  private readonly pending = new PendingAcks<Pending>();
  /** When it last delivered and was last acknowledged, ms (0: not since the object started). */
  private deliveredAt = 0;
  private ackedAt = 0;
  /** Delivered or acknowledged since the progress was last stored (saveProgress). */
  private progressed = false;
  /** Deliveries awaiting an ack, and acks, not stored yet: saveProgress writes them together. */
  private readonly toTrack = new Map<number, StoredPending>();
  private readonly toUntrack = new Set<number>();
  /** No pending delivery is due before this (ms), so next() need not look before then. */
  private dueAt = 0;
  private readonly waiting: Waiting[] = [];
  /** Messages of the stream after `delivered` that match; null when it must be counted again. */
  private unread: number | null = null;
  /** last_per_subject: the sequences still to deliver before going on from `lastsFrom`. */
  private lasts: number[] = [];
  private lastsFrom = 0;
  /** The last time a client showed it is there (a pull, an ack, interest), for inactive_threshold. */
  private activeAt: number;
  /** Push with flow control: bytes sent since the last flow control request, and the one outstanding. */
  private sinceFlowControl = 0;
  private flowControlReply: string | null = null;
  /** Push: when the last message or heartbeat went, ms. */
  private sentAt: number;
  /** Push: whether something subscribes to the deliver subject (interest()); not known until asked. */
  hasInterest = false;
  /** Push without interest: when to ask again, and how long to wait after that (doubling to 1 s). */
  private interestCheckAt = 0;
  private interestBackoff = INTEREST_POLL_MIN;
  private readonly filters: readonly string[];
  /**
   * The next new messages, read from the stream in one query (at most READ_AHEAD_BYTES of
   * them) instead of one query each: they follow `delivered` and match the filter. A
   * removal among them (limits, a purge, a delete) empties it.
   */
  private ahead: StoredMessage[] = [];
  private aheadAt = 0;

  constructor(
    readonly stream: Stream,
    private readonly store: ConsumerStore,
    row: StoredConsumer,
    now: number,
  ) {
    this.name = row.name;
    this.config = row.config;
    this.created = row.created;
    this.delivered = { ...row.delivered };
    this.ackFloor = { ...row.ackFloor };
    this.filters = filtersOf(row.config);
    for (const p of store.pending(stream.id, row.name)) {
      this.pending.set(p.sseq, { cseq: p.cseq, deliveries: p.deliveries, ts: p.ts, due: p.ts + this.ackWait(p.deliveries) });
    }
    this.activeAt = now;
    this.sentAt = now;
  }

  /** A new consumer: where it starts, by its deliver policy. */
  static create(stream: Stream, store: ConsumerStore, name: string, config: ConsumerConfig, now: number): Consumer {
    const start = startOf(stream, config, filtersOf(config));
    const row: StoredConsumer = { name, config, created: now, delivered: { cseq: 0, sseq: start.after }, ackFloor: { cseq: 0, sseq: start.after } };
    store.create(stream.id, row);
    const c = new Consumer(stream, store, row, now);
    c.lasts = start.lasts;
    c.lastsFrom = start.lastsFrom;
    return c;
  }

  get isPull(): boolean {
    return (this.config.deliver_subject ?? "") === "";
  }

  matches(subject: string): boolean {
    const f = this.filters;
    if (f.length === 0) return true;
    for (let i = 0; i < f.length; i++) if (matchesLiteral(subject, f[i])) return true;
    return false;
  }

  private ackWait(deliveries: number): number {
    const backoff = this.config.backoff;
    if (backoff !== undefined && backoff.length > 0) return backoff[Math.min(Math.max(deliveries - 1, 0), backoff.length - 1)] / NS_PER_MS;
    return this.config.ack_wait > 0 ? this.config.ack_wait / NS_PER_MS : DEFAULT_ACK_WAIT_MS;
  }

  // ---- what the stream tells it ------------------------------------------------------------

  /** The stream stored a message. */
  stored(subject: string): void {
    if (this.unread !== null && this.matches(subject)) this.unread++;
  }

  /**
   * Messages up to `maxSeq` vanished from the stream (a purge, a delete, limits): what is
   * unread is counted again, unless they were all read already.
   */
  removed(maxSeq: number): void {
    if (this.aheadAt < this.ahead.length && maxSeq >= this.ahead[this.aheadAt].seq) this.dropAhead();
    if (maxSeq > Math.max(this.delivered.sseq, this.lastsFrom) || this.lasts.length > 0) this.unread = null;
  }

  // ---- requests ------------------------------------------------------------------------------

  /**
   * A pull request (checked against the consumer's limits: checkPullRequest); returns
   * what it is answered at once with (a status), or null when it waits for messages.
   */
  pull(reply: string, req: PullRequest, now: number): Outgoing | null {
    this.activeAt = now;
    const maxWaiting = this.config.max_waiting > 0 ? this.config.max_waiting : 512;
    if (this.waiting.length >= maxWaiting) return statusTo(reply, status.exceededMaxWaiting());
    this.waiting.push({
      reply,
      n: req.batch,
      b: req.maxBytes,
      expires: req.expiresMs !== 0 ? now + req.expiresMs : 0,
      noWait: req.noWait,
      heartbeat: req.heartbeatMs,
      nextBeat: req.heartbeatMs > 0 ? now + req.heartbeatMs : 0,
      delivered: 0,
    });
    return null;
  }

  /** An ack of the delivery `sseq`/`cseq`; returns whether to confirm it to an ack with a reply. */
  ack(kind: AckKind, sseq: number, cseq: number, now: number): boolean {
    this.activeAt = now;
    this.ackedAt = now;
    const policy = this.config.ack_policy;
    if (policy === "none") return true;
    switch (kind.kind) {
      case "ack":
      case "next":
        if (policy === "all") this.ackAllUpTo(cseq);
        else this.acked(sseq);
        return true;
      case "term":
        this.acked(sseq);
        return true;
      case "nak": {
        const p = this.pending.get(sseq);
        if (p !== undefined) {
          p.due = now + Math.max(0, kind.delayMs);
          this.dueAt = Math.min(this.dueAt, p.due);
        }
        return true;
      }
      case "progress": {
        const p = this.pending.get(sseq);
        if (p !== undefined) {
          p.ts = now;
          p.due = now + this.ackWait(p.deliveries);
          this.track(sseq, p.cseq, p.deliveries, now);
        }
        return true;
      }
      default:
        // nats-server does nothing with what it does not know, but confirms it all the same.
        return true;
    }
  }

  /** Whether the stream's message `sseq` is acknowledged by this consumer (interest retention). */
  hasAcked(sseq: number): boolean {
    if (!this.matches(this.stream.get(sseq)?.subject ?? "")) return true;
    return sseq <= this.delivered.sseq && !this.pending.has(sseq);
  }

  private acked(sseq: number): void {
    if (!this.pending.delete(sseq)) return;
    this.untrack(sseq);
    this.moveFloor();
    this.stream.consumerAcked(sseq);
  }

  private ackAllUpTo(cseq: number): void {
    const done: number[] = [];
    for (const [sseq, p] of this.pending) if (p.cseq <= cseq) done.push(sseq);
    for (const sseq of done) {
      this.pending.delete(sseq);
      this.untrack(sseq);
    }
    this.moveFloor();
    for (const sseq of done) this.stream.consumerAcked(sseq);
  }

  /** The ack floor: everything up to it is acknowledged. */
  private moveFloor(): void {
    // Deliveries enter `pending` in stream order (new messages in order, redeliveries keep their
    // place, and stored ones are loaded in order), so the first is the lowest.
    const first = this.pending.first();
    this.ackFloor = first === undefined ? { ...this.delivered } : { cseq: first[1].cseq - 1, sseq: first[0] - 1 };
    this.progressed = true;
  }

  // ---- delivering ----------------------------------------------------------------------------

  /**
   * Everything that can go out now: messages to waiting pull requests or the deliver
   * subject, statuses of requests that ended (no messages, expired), heartbeats.
   */
  pump(now: number, out: (o: Outgoing) => void): void {
    if (this.isPull) this.pumpPull(now, out);
    else this.pumpPush(now, out);
  }

  private pumpPull(now: number, out: (o: Outgoing) => void): void {
    const waiting = this.waiting;
    while (waiting.length > 0) {
      const w = waiting[0];
      if (w.expires > 0 && now >= w.expires) {
        waiting.shift();
        out(statusTo(w.reply, status.requestTimeout(w.n, w.b)));
        continue;
      }
      const next = this.next(now);
      if (next === null) break;
      const size = next.m.subject.length + (next.m.hdr?.length ?? 0) + next.m.data.length;
      if (w.b > 0 && size > w.b) {
        waiting.shift();
        // A request that got nothing learns why; one that got some is simply done.
        if (w.delivered === 0) out(statusTo(w.reply, status.messageSizeExceedsMaxBytes(w.n, w.b)));
        continue;
      }
      out(this.deliver(next, w.reply, now));
      w.delivered++;
      w.n--;
      if (w.b > 0) w.b -= size;
      waiting.shift();
      if (w.n > 0) waiting.push(w);
    }
    // What is left waits for messages, unless it asked not to.
    for (let i = 0; i < waiting.length; ) {
      const w = waiting[i];
      if (w.noWait) {
        waiting.splice(i, 1);
        // What asked not to wait ends now: with nothing, "no messages"; with part of its batch,
        // a timeout carrying what it still wanted (as nats-server 2.9 and 2.10 answer).
        out(statusTo(w.reply, w.delivered > 0 ? status.requestTimeout(w.n, w.b) : status.noMessages()));
        continue;
      }
      if (w.heartbeat > 0 && now >= w.nextBeat) {
        w.nextBeat = now + w.heartbeat;
        out(statusTo(w.reply, status.idleHeartbeat(this.delivered.cseq, this.delivered.sseq, null)));
      }
      i++;
    }
  }

  private pumpPush(now: number, out: (o: Outgoing) => void): void {
    const to = this.config.deliver_subject!;
    if (this.hasInterest) this.activeAt = now;
    else return;
    let sent = false;
    while (this.flowControlReply === null) {
      const next = this.next(now);
      if (next === null) break;
      const o = this.deliver(next, to, now);
      out(o);
      sent = true;
      if (this.config.flow_control) {
        this.sinceFlowControl += o.data.length + (o.hdr?.length ?? 0);
        if (this.sinceFlowControl >= FLOW_CONTROL_BYTES) {
          this.sinceFlowControl = 0;
          this.flowControlReply = flowControlSubject(this.stream.name, this.name);
          out({ to, subject: null, reply: this.flowControlReply, hdr: status.flowControlRequest(), data: EMPTY });
        }
      }
    }
    const hb = (this.config.idle_heartbeat ?? 0) / NS_PER_MS;
    if (sent) this.sentAt = now;
    else if (hb > 0 && now - this.sentAt >= hb) {
      this.sentAt = now;
      out(statusTo(to, status.idleHeartbeat(this.delivered.cseq, this.delivered.sseq, this.flowControlReply)));
    }
  }

  /**
   * Push: whether the deliver subject has a subscriber, as the role found. Clients
   * create a push consumer before they subscribe to its deliver subject, so while it
   * has none it is asked again soon, then less and less often.
   */
  interest(yes: boolean, now: number): void {
    this.hasInterest = yes;
    if (yes) {
      this.interestBackoff = INTEREST_POLL_MIN;
      return;
    }
    this.interestCheckAt = now + this.interestBackoff;
    this.interestBackoff = Math.min(this.interestBackoff * 2, INTEREST_POLL_MAX);
  }

  /** The client answered a flow control request: pushing goes on. */
  flowControlAnswered(subject: string): boolean {
    if (this.flowControlReply !== subject) return false;
    this.flowControlReply = null;
    return true;
  }

  /** The next message to deliver: a redelivery that is due, else the next new one. */
  private next(now: number): { m: StoredMessage; redelivery: Pending | null } | null {
    if (now >= this.dueAt) {
      const r = this.dueRedelivery(now);
      if (r !== null) return r;
    }
    const maxAckPending = this.config.max_ack_pending;
    if (this.config.ack_policy !== "none" && maxAckPending > 0 && this.pending.size >= maxAckPending) return null;
    const m = this.nextNew();
    return m === null ? null : { m, redelivery: null };
  }

  /** A pending delivery that is due again; also works out when the next one is. */
  private dueRedelivery(now: number): { m: StoredMessage; redelivery: Pending } | null {
    let later = Number.POSITIVE_INFINITY;
    for (const [sseq, p] of this.pending) {
      if (p.due > now) {
        if (p.due < later) later = p.due;
        continue;
      }
      const maxDeliver = this.config.max_deliver;
      if (maxDeliver > 0 && p.deliveries >= maxDeliver) {
        // Delivered as often as allowed: no more tries, and it no longer holds the floor.
        this.pending.delete(sseq);
        this.untrack(sseq);
        this.moveFloor();
        continue;
      }
      const m = this.stream.get(sseq);
      if (m === null) {
        // Gone from the stream (limits, a purge): nothing to redeliver.
        this.pending.delete(sseq);
        this.untrack(sseq);
        this.moveFloor();
        continue;
      }
      // Not all were looked at: look again next time.
      this.dueAt = 0;
      return { m, redelivery: p };
    }
    this.dueAt = later;
    return null;
  }

  private nextNew(): StoredMessage | null {
    while (this.lasts.length > 0) {
      const m = this.stream.get(this.lasts[0]);
      if (m !== null) return m;
      this.lasts.shift();
    }
    const from = Math.max(this.delivered.sseq, this.lastsFrom) + 1;
    if (from > this.stream.last) return null;
    let best: StoredMessage | null = null;
    const f = this.filters;
    if (f.length <= 1) {
      if (this.aheadAt === this.ahead.length) {
        this.ahead = this.stream.matchingFrom(from, f[0] ?? "", Math.min(READ_AHEAD_MSGS, this.stream.messagesIn(READ_AHEAD_BYTES)));
        this.aheadAt = 0;
      }
      // Taken by deliver(), which moves `delivered` past it.
      return this.ahead[this.aheadAt] ?? null;
    }
    for (let i = 0; i < f.length; i++) {
      const m = this.stream.nextMatching(from, f[i]);
      if (m !== null && (best === null || m.seq < best.seq)) best = m;
    }
    return best;
  }

  /** Delivers `next` to `to`: the message with its ack subject, and the bookkeeping. */
  private deliver(next: { m: StoredMessage; redelivery: Pending | null }, to: string, now: number): Outgoing {
    const { m, redelivery } = next;
    this.deliveredAt = now;
    let cseq: number;
    let deliveries: number;
    if (redelivery !== null) {
      redelivery.deliveries++;
      redelivery.ts = now;
      redelivery.due = now + this.ackWait(redelivery.deliveries);
      this.dueAt = Math.min(this.dueAt, redelivery.due);
      this.delivered.cseq++;
      cseq = this.delivered.cseq;
      redelivery.cseq = cseq;
      deliveries = redelivery.deliveries;
    } else {
      if (this.lasts.length > 0 && this.lasts[0] === m.seq) this.lasts.shift();
      if (this.aheadAt < this.ahead.length && this.ahead[this.aheadAt] === m) this.aheadAt++;
      this.delivered.cseq++;
      this.delivered.sseq = m.seq;
      cseq = this.delivered.cseq;
      deliveries = 1;
      if (this.unread !== null && this.unread > 0) this.unread--;
      if (this.config.ack_policy !== "none") {
        const due = now + this.ackWait(1);
        this.pending.set(m.seq, { cseq, deliveries: 1, ts: now, due });
        this.dueAt = Math.min(this.dueAt, due);
      }
    }
    if (this.config.ack_policy !== "none") this.track(m.seq, cseq, deliveries, now);
    if (this.config.ack_policy === "none" || this.pending.size === 0) this.ackFloor = { ...this.delivered };
    this.progressed = true;
    const reply = ackSubject(this.stream.name, this.name, deliveries, m.seq, cseq, m.ts, this.numPending());
    if (this.config.headers_only) {
      return { to, subject: m.subject, reply, hdr: status.withMessageSize(m.hdr, m.data.length), data: EMPTY };
    }
    const out: Outgoing = { to, subject: m.subject, reply, hdr: m.hdr, data: m.data };
    if (this.config.ack_policy === "none") this.stream.consumerAcked(m.seq);
    return out;
  }

  /**
   * Stores how far it delivered and is acknowledged, once for everything an event did
   * (in the event's own implicit transaction, before what it sends leaves).
   */
  saveProgress(): void {
    if (this.toUntrack.size > 0) {
      this.store.untrackAll(this.stream.id, this.name, [...this.toUntrack]);
      this.toUntrack.clear();
    }
    if (this.toTrack.size > 0) {
      this.store.trackAll(this.stream.id, this.name, [...this.toTrack.values()]);
      this.toTrack.clear();
    }
    if (!this.progressed) return;
    this.progressed = false;
    this.store.saveProgress(this.stream.id, this.name, this.delivered, this.ackFloor);
  }

  private track(sseq: number, cseq: number, deliveries: number, ts: number): void {
    this.toUntrack.delete(sseq);
    this.toTrack.set(sseq, { sseq, cseq, deliveries, ts });
    this.progressed = true;
  }

  private untrack(sseq: number): void {
    // Tracked and acknowledged within one event: nothing to write at all.
    if (!this.toTrack.delete(sseq)) this.toUntrack.add(sseq);
    this.progressed = true;
  }

  // ---- time -----------------------------------------------------------------------------------

  /** When this consumer next needs to act on its own (a redelivery, a request's expiry or heartbeat); null when never. */
  nextDeadline(): number | null {
    let at: number | null = null;
    const soon = (t: number) => {
      if (at === null || t < at) at = t;
    };
    if (this.pending.size > 0 && (this.isPull ? this.waiting.length > 0 : this.hasInterest)) soon(this.nextRedelivery()!);
    for (const w of this.waiting) {
      if (w.expires > 0) soon(w.expires);
      if (w.heartbeat > 0) soon(w.nextBeat);
    }
    const hb = (this.config.idle_heartbeat ?? 0) / NS_PER_MS;
    if (!this.isPull && hb > 0 && this.hasInterest) soon(this.sentAt + hb);
    if (!this.isPull && !this.hasInterest) soon(this.interestCheckAt);
    const inactive = (this.config.inactive_threshold ?? 0) / NS_PER_MS;
    if (inactive > 0) soon(this.activeAt + inactive);
    return at;
  }

  /** When a redelivery is next due, ms; null when none (kept across restarts: the alarm's). */
  nextRedelivery(): number | null {
    if (this.pending.size === 0) return null;
    // dueAt is a bound no pending delivery is due before; 0 when it must be worked out again.
    if (this.dueAt > 0 && Number.isFinite(this.dueAt)) return this.dueAt;
    let at = Number.POSITIVE_INFINITY;
    for (const p of this.pending.values()) if (p.due < at) at = p.due;
    this.dueAt = at;
    return at;
  }

  /** An ephemeral (or durable with inactive_threshold) nobody used for that long is to be deleted. */
  isInactive(now: number): boolean {
    const inactive = (this.config.inactive_threshold ?? 0) / NS_PER_MS;
    if (inactive <= 0) return false;
    if (this.isPull ? this.waiting.length > 0 : this.hasInterest) {
      this.activeAt = now;
      return false;
    }
    return now - this.activeAt >= inactive;
  }

  // ---- describing ----------------------------------------------------------------------------

  numPending(): number {
    if (this.unread === null) this.unread = this.countUnread();
    return this.unread + this.lasts.length;
  }

  private countUnread(): number {
    const after = Math.max(this.delivered.sseq, this.lastsFrom);
    const f = this.filters;
    if (f.length === 0) return this.stream.countAfter(after, "");
    let n = 0;
    for (let i = 0; i < f.length; i++) n += this.stream.countAfter(after, f[i]);
    return n;
  }

  state(): ConsumerState {
    let redelivered = 0;
    for (const p of this.pending.values()) if (p.deliveries > 1) redelivered++;
    return {
      delivered: { consumer_seq: this.delivered.cseq, stream_seq: this.delivered.sseq, last_active: this.deliveredAt || undefined },
      ack_floor: { consumer_seq: this.ackFloor.cseq, stream_seq: this.ackFloor.sseq, last_active: this.ackedAt || undefined },
      num_ack_pending: this.pending.size,
      num_redelivered: redelivered,
      num_waiting: this.waiting.length,
      num_pending: this.numPending(),
      // A push consumer whose deliver subject has a subscriber is "bound".
      push_bound: !this.isPull && this.hasInterest ? true : undefined,
    };
  }

  /** The consumer is deleted: its waiting requests hear so. */
  drop(out: (o: Outgoing) => void): void {
    for (const w of this.waiting.splice(0)) out(statusTo(w.reply, status.consumerDeleted()));
    this.store.drop(this.stream.id, this.name);
  }

  updateConfig(config: ConsumerConfig): void {
    this.config = config;
    this.dropAhead();
    this.store.saveConfig(this.stream.id, this.name, config);
  }

  private dropAhead(): void {
    this.ahead = [];
    this.aheadAt = 0;
  }
}

/** Where a new consumer starts: the stream sequence before its first message, and for last_per_subject the lasts to deliver first. */
function startOf(stream: Stream, config: ConsumerConfig, filters: readonly string[]): { after: number; lasts: number[]; lastsFrom: number } {
  const none = { lasts: [] as number[], lastsFrom: 0 };
  switch (config.deliver_policy) {
    case "new":
      return { after: stream.last, ...none };
    case "last": {
      let last = 0;
      if (filters.length === 0) last = stream.last;
      else for (const f of filters) last = Math.max(last, stream.lastBySubject(f)?.seq ?? 0);
      return { after: last > 0 ? last - 1 : stream.last, ...none };
    }
    case "by_start_sequence":
      return { after: Math.max(0, (config.opt_start_seq ?? 1) - 1), ...none };
    case "by_start_time": {
      const at = config.opt_start_time === undefined ? 0 : Date.parse(config.opt_start_time);
      return { after: stream.seqAtTime(at) - 1, ...none };
    }
    case "last_per_subject": {
      const lasts = stream.lastsPerSubject(filters);
      return { after: lasts.length > 0 ? lasts[0] - 1 : stream.last, lasts, lastsFrom: stream.last };
    }
    default:
      return { after: stream.firstSeqOrNext - 1, ...none };
  }
}

function statusTo(reply: string, hdr: Uint8Array): Outgoing {
  return { to: reply, subject: null, reply: null, hdr, data: EMPTY };
}
