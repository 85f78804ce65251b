// One stream on its home shard: what a publish to its subjects does (the checks of
// nats-server's processJetStreamMsg, in its order), its limits, and what the API
// reads and removes. Its messages are in SQLite (stream-store.ts); what it counts
// (messages, bytes, first and last) is kept in memory and counted again when the
// object starts.

import { JSERR, type ApiError } from "../../protocol/jetstream/api-errors.js";
import { pubAckPrefix } from "../../protocol/jetstream/pub-ack.js";
import { readPublishHeaders } from "../../protocol/jetstream/publish-headers.js";
import type { StreamConfig } from "../../protocol/jetstream/stream-config.js";
import { NS_PER_MS, rfc3339 } from "../../protocol/jetstream/time.js";
import { encode } from "../../protocol/bytes.js";
import { matchesLiteral } from "../../protocol/subject.js";
import type { Consumer } from "./consumer.js";
import { RecentMessages } from "./recent.js";
import type { Removed, StoredMessage, StoredStream, StreamStore } from "./stream-store.js";

/**
 * What a publish to the stream came to: stored (or a duplicate of what was), refused,
 * or dropped without an answer (an invalid Nats-Rollup, as nats-server does).
 */
export type StoreResult = { seq: number; duplicate: boolean } | { error: ApiError } | null;

export interface PurgeRequest {
  readonly filter?: string;
  readonly seq?: number;
  readonly keep?: number;
}

/** Go's zero time, which nats-server reports for the first and last time of an empty stream. */
const ZERO_TIME = "0001-01-01T00:00:00Z";
/** nats-server refuses header blocks larger than this (JSStreamHeaderExceedsMaximumErr). */
const MAX_HEADER = 64 * 1024;
const all = (): boolean => true;
/** Rows a wildcard filter reads at a time while looking for its next match. */
const SCAN_ROWS = 256;

export class Stream {
  readonly id: number;
  readonly account: string;
  readonly name: string;
  config: StreamConfig;
  readonly created: number;
  /** The start of its PubAcks, made once (pub-ack.ts). */
  readonly ackPrefix: string;
  private msgs: number;
  private bytes: number;
  private firstSeq: number;
  private lastSeq: number;
  private lastTs: number;
  /** The Nats-Msg-Id of the last message stored (Nats-Expected-Last-Msg-Id), in memory as in nats-server. */
  private lastMsgId = "";
  /** When message ids older than the duplicate window were last forgotten. */
  private idsSweptAt = 0;
  /** Its consumers, by name (consumer.ts). */
  readonly consumers = new Map<string, Consumer>();

  /** The newest messages in memory (recent.ts), at most `recentBytes` of them; the role shares its budget out. */
  private readonly recent = new RecentMessages();
  recentBytes = 0;

  constructor(
    private readonly store: StreamStore,
    row: StoredStream,
  ) {
    this.id = row.id;
    this.account = row.account;
    this.name = row.name;
    this.config = row.config;
    this.created = row.created;
    this.ackPrefix = pubAckPrefix(row.name);
    const c = store.counts(row.id);
    this.msgs = c.msgs;
    this.bytes = c.bytes;
    this.lastSeq = Math.max(row.lastSeq, c.maxSeq);
    this.firstSeq = c.msgs > 0 ? c.firstSeq : this.lastSeq + 1;
    this.lastTs = row.lastTs;
    if (c.maxSeq > row.lastSeq) this.lastTs = store.get(row.id, c.maxSeq)?.ts ?? row.lastTs;
  }

  get messages(): number {
    return this.msgs;
  }

  get storedBytes(): number {
    return this.bytes;
  }

  get last(): number {
    return this.lastSeq;
  }

  /** The first message's sequence, or the next one's when the stream is empty. */
  get firstSeqOrNext(): number {
    return this.firstSeq;
  }

  /** A message published to one of the stream's subjects. */
  publish(subject: string, hdr: Uint8Array | null, data: Uint8Array, now: number): StoreResult {
    const cfg = this.config;
    if (cfg.sealed) return { error: JSERR.streamSealed };
    let msgId = "";
    let rollup: "sub" | "all" | null = null;
    if (hdr !== null) {
      const h = readPublishHeaders(hdr);
      if (h.expectedStream !== null && h.expectedStream !== this.name) return { error: JSERR.streamNotMatch };
      if (h.expectedLastSubjectSeq !== null) {
        const last = this.store.lastOf(this.id, subject)?.seq ?? 0;
        if (last !== h.expectedLastSubjectSeq) return { error: JSERR.wrongLastSequence(last) };
      }
      if (h.expectedLastSeq !== null && h.expectedLastSeq !== this.lastSeq) return { error: JSERR.wrongLastSequence(this.lastSeq) };
      if (h.msgId !== null) {
        msgId = h.msgId;
        const seq = this.store.seqOfId(this.id, msgId, now - cfg.duplicate_window / NS_PER_MS);
        if (seq > 0) return { seq, duplicate: true };
      }
      if (h.expectedLastMsgId !== null && h.expectedLastMsgId !== this.lastMsgId) return { error: JSERR.wrongLastMsgId(this.lastMsgId) };
      if (h.rollup !== null || h.rollupInvalid) {
        if (!cfg.allow_rollup_hdrs) return { error: JSERR.streamRollupFailed("rollup not permitted") };
        if (h.rollupInvalid) return null;
        rollup = h.rollup;
      }
    }
    const hlen = hdr === null ? 0 : hdr.length;
    if (cfg.max_msg_size >= 0 && (hlen > cfg.max_msg_size || data.length > cfg.max_msg_size - hlen)) {
      return { error: JSERR.messageExceedsMaximum };
    }
    if (hlen > MAX_HEADER) return { error: JSERR.headerExceedsMaximum };
    const size = messageSize(cfg, subject, hlen, data.length);
    if (cfg.discard === "new") {
      const refused = this.refusesNew(subject, size);
      if (refused !== null) return { error: JSERR.streamStoreFailed(refused) };
    }
    const seq = this.lastSeq + 1;
    this.store.append(this.id, seq, subject, now, hdr, data, size);
    // Copies: a view would keep the whole frame it came in alive, past the memory budget.
    if (this.recentBytes > 0) this.recent.add({ seq, subject, ts: now, hdr: hdr === null ? null : hdr.slice(), data: data.slice(), size }, this.recentBytes);
    if (this.msgs === 0) this.firstSeq = seq;
    this.msgs++;
    this.bytes += size;
    this.lastSeq = seq;
    this.lastTs = now;
    this.lastMsgId = msgId;
    if (msgId !== "") this.rememberId(msgId, seq, now);
    for (const c of this.consumers.values()) c.stored(subject);
    if (rollup === "sub") this.account_(this.store.removeSubjectBelow(this.id, subject, seq));
    else if (rollup === "all") this.removeBelow(seq);
    this.enforceLimits(subject, now);
    // Interest retention keeps a message only while a consumer is to read it.
    if (cfg.retention === "interest" && ![...this.consumers.values()].some((c) => c.matches(subject))) this.deleteMessage(seq);
    return { seq, duplicate: false };
  }

  /** Why `discard: new` refuses a message of `size` bytes now, or null when it does not. */
  private refusesNew(subject: string, size: number): string | null {
    const cfg = this.config;
    if (cfg.max_msgs > 0 && this.msgs >= cfg.max_msgs) return "maximum messages exceeded";
    if (cfg.max_bytes > 0 && this.bytes + size > cfg.max_bytes) return "maximum bytes exceeded";
    if (cfg.discard_new_per_subject && cfg.max_msgs_per_subject > 0) {
      if (this.store.subjectCount(this.id, subject).n >= cfg.max_msgs_per_subject) return "maximum messages per subject exceeded";
    }
    return null;
  }

  /** Drops the oldest messages past the stream's limits (discard old). */
  private enforceLimits(subject: string, now: number): void {
    const cfg = this.config;
    if (cfg.max_msgs_per_subject > 0 && subject !== "") this.account_(this.store.trimSubject(this.id, subject, cfg.max_msgs_per_subject));
    if (cfg.max_msgs > 0 && this.msgs > cfg.max_msgs) this.removeBelow(this.lastSeq - cfg.max_msgs + 1);
    if (cfg.max_bytes > 0 && this.bytes > cfg.max_bytes) {
      let over = this.bytes - cfg.max_bytes;
      let below = this.firstSeq;
      // The oldest first, read a few at a time: usually one or two go.
      while (over > 0) {
        const oldest = this.store.headers(this.id, below, SCAN_ROWS);
        if (oldest.length === 0) break;
        for (const m of oldest) {
          if (over <= 0) break;
          over -= m.size;
          below = m.seq + 1;
        }
      }
      this.removeBelow(below);
    }
    if (cfg.max_age > 0) this.expire(now);
  }

  /** The sequence of the n-th newest message of `subject`. */
  private nthLastOfSubject(subject: string, n: number): number {
    return this.store.nthNewestOf(this.id, subject, n);
  }

  /** Drops messages older than max_age; returns when the next one expires (ms), or null. */
  expire(now: number): number | null {
    const maxAgeMs = this.config.max_age / NS_PER_MS;
    if (maxAgeMs <= 0 || this.msgs === 0) return null;
    const oldest = this.store.oldestTs(this.id);
    if (oldest !== null && oldest <= now - maxAgeMs) this.account_(this.store.removeOlder(this.id, now - maxAgeMs + 1));
    const next = this.msgs > 0 ? this.store.oldestTs(this.id) : null;
    return next === null ? null : next + maxAgeMs;
  }

  private rememberId(msgId: string, seq: number, now: number): void {
    this.store.rememberId(this.id, msgId, seq, now);
    const windowMs = this.config.duplicate_window / NS_PER_MS;
    // Forgetting costs a scan: at most once per tenth of the window.
    if (now - this.idsSweptAt > windowMs / 10) {
      this.idsSweptAt = now;
      this.store.forgetIdsBefore(this.id, now - windowMs);
    }
  }

  /** Messages went: the counts follow, and the first sequence moves to the next message left. */
  /** `recentKnows`: the messages in memory were already told (removeBelow). */
  private account_(removed: Removed, recentKnows = false): void {
    if (removed.n === 0) return;
    if (!recentKnows && removed.maxSeq >= this.recent.firstSeq) {
      if (removed.seqs !== null) for (const seq of removed.seqs) this.recent.removed(seq);
      // Too many to name: what is kept in memory is dropped, since it may hold them.
      else this.recent.clear();
    }
    for (const c of this.consumers.values()) c.removed(removed.maxSeq);
    this.msgs -= removed.n;
    this.bytes -= removed.bytes;
    // The first message stays first unless it went, as it does on each put to a key-value
    // bucket whose keys are written in turn; the next is then found in memory when it can be.
    if (this.msgs === 0) this.firstSeq = this.lastSeq + 1;
    else if (removed.minSeq <= this.firstSeq) {
      const kept = this.recent.firstFrom(this.firstSeq);
      this.firstSeq = kept > 0 ? kept : (this.store.next(this.id, this.firstSeq)?.seq ?? this.lastSeq + 1);
      // The holes below it are no longer worth keeping.
      this.recent.removedBelow(this.firstSeq);
    }
    // The stream's last sequence and time must outlive its last message; while that message
    // is there, they can be read from it.
    if (this.msgs === 0 || removed.maxSeq === this.lastSeq) this.store.saveLast(this.id, this.lastSeq, this.lastTs);
  }

  // ---- reading ------------------------------------------------------------------------------

  get(seq: number): StoredMessage | null {
    return this.recent.covers(seq) ? this.recent.get(seq) : this.store.get(this.id, seq);
  }

  /** The last message of `subject` (a literal subject, or a filter with wildcards). */
  lastBySubject(subject: string): StoredMessage | null {
    if (!subject.includes("*") && !subject.includes(">")) return this.store.lastOf(this.id, subject);
    let best: StoredMessage | null = null;
    for (const s of this.store.subjects(this.id)) {
      if (!matchesLiteral(s.subject, subject)) continue;
      const m = this.store.lastOf(this.id, s.subject);
      if (m !== null && (best === null || m.seq > best.seq)) best = m;
    }
    return best;
  }

  /** The first message at or after `seq` whose subject matches `filter` (any when empty). */
  nextMatching(seq: number, filter: string): StoredMessage | null {
    return this.matchingFrom(seq, filter, 1)[0] ?? null;
  }

  /**
   * Messages at or after `seq` whose subject matches `filter` (any when empty), in order:
   * at most `limit`, and at least one unless none is left. One read for a batch, where a
   * consumer would otherwise read message by message.
   */
  matchingFrom(seq: number, filter: string, limit: number): StoredMessage[] {
    const from = Math.max(seq, this.firstSeq);
    if (from > this.lastSeq) return [];
    if (this.recent.covers(from)) {
      const literal = !filter.includes("*") && !filter.includes(">");
      return this.recent.from(from, limit, filter === "" || filter === ">" ? all : literal ? (m) => m.subject === filter : (m) => matchesLiteral(m.subject, filter));
    }
    if (filter === "" || filter === ">") return this.store.scan(this.id, from, limit);
    if (!filter.includes("*") && !filter.includes(">")) return this.store.scanOf(this.id, filter, from, limit);
    for (let at = from; at <= this.lastSeq; ) {
      const batch = this.store.scan(this.id, at, SCAN_ROWS);
      if (batch.length === 0) break;
      const found = batch.filter((m) => matchesLiteral(m.subject, filter));
      if (found.length > 0) return found.length > limit ? found.slice(0, limit) : found;
      at = batch[batch.length - 1].seq + 1;
    }
    return [];
  }

  /** How many messages of this stream's average size fit in `bytes` (at least one). */
  messagesIn(bytes: number): number {
    return this.msgs === 0 ? 1 : Math.max(1, Math.floor(bytes / Math.max(1, this.bytes / this.msgs)));
  }

  /** Messages of `filter` (all when empty) after sequence `seq`. */
  countAfter(seq: number, filter: string): number {
    if (filter === "" || filter === ">") return this.store.countAfter(this.id, seq, null);
    if (!filter.includes("*") && !filter.includes(">")) return this.store.countAfter(this.id, seq, filter);
    let n = 0;
    for (const s of this.store.subjectsAfter(this.id, seq)) if (matchesLiteral(s.subject, filter)) n += s.n;
    return n;
  }

  /** The first sequence stored at or after `ms`; the next sequence when none is. */
  seqAtTime(ms: number): number {
    return this.store.seqAtTime(this.id, ms) ?? this.lastSeq + 1;
  }

  /** The last sequence of each subject matching any of `filters` (all when none), in order. */
  lastsPerSubject(filters: readonly string[]): number[] {
    const seqs: number[] = [];
    for (const s of this.store.lastPerSubject(this.id)) {
      if (filters.length === 0 || filters.some((f) => matchesLiteral(s.subject, f))) seqs.push(s.seq);
    }
    return seqs.sort((a, b) => a - b);
  }

  /**
   * A consumer is done with message `sseq` (acknowledged, or delivered without acks):
   * a work queue removes it at once, interest retention once every consumer that
   * wants it is done.
   */
  consumerAcked(sseq: number): void {
    const retention = this.config.retention;
    if (retention === "workqueue") this.deleteMessage(sseq);
    else if (retention === "interest" && [...this.consumers.values()].every((c) => c.hasAcked(sseq))) this.deleteMessage(sseq);
  }

  // ---- removing -----------------------------------------------------------------------------

  /** Removes the messages below `seq`. */
  private removeBelow(seq: number): Removed {
    const removed = this.store.removeBelow(this.id, seq);
    this.recent.removedBelow(seq);
    this.account_(removed, true);
    return removed;
  }

  /** Removes one message; false when there was none with that sequence. */
  deleteMessage(seq: number): boolean {
    const size = this.store.remove(this.id, seq);
    if (size < 0) return false;
    this.account_({ n: 1, bytes: size, minSeq: seq, maxSeq: seq, seqs: [seq] });
    return true;
  }

  /** nats-server's purge: all, by subject filter, below a sequence, or keeping the newest `keep`. Returns how many went. */
  purge(req: PurgeRequest): number {
    const filter = req.filter ?? "";
    if (filter === "" || filter === ">") {
      let below = this.lastSeq + 1;
      if (req.seq !== undefined && req.seq > 0) below = req.seq;
      else if (req.keep !== undefined && req.keep > 0) below = this.msgs <= req.keep ? this.firstSeq : this.nthNewest(req.keep);
      const removed = this.removeBelow(below);
      if (this.msgs === 0 && below > this.lastSeq) this.firstSeq = this.lastSeq + 1;
      return removed.n;
    }
    let n = 0;
    for (const s of this.store.subjects(this.id)) {
      if (!matchesLiteral(s.subject, filter)) continue;
      let below = Number.MAX_SAFE_INTEGER;
      if (req.seq !== undefined && req.seq > 0) below = req.seq;
      else if (req.keep !== undefined && req.keep > 0) {
        if (s.n <= req.keep) continue;
        below = this.nthLastOfSubject(s.subject, req.keep);
      }
      const removed = this.store.removeSubjectBelow(this.id, s.subject, below);
      this.account_(removed);
      n += removed.n;
    }
    return n;
  }

  /** The sequence of the n-th newest message. */
  private nthNewest(n: number): number {
    return this.store.nthNewest(this.id, n);
  }

  /** Everything goes: the stream was deleted. */
  drop(): void {
    this.store.drop(this.id);
  }

  updateConfig(config: StreamConfig, now: number): void {
    this.config = config;
    this.store.saveConfig(this.id, config);
    // Tighter limits take effect at once, as in nats-server.
    if (config.max_msgs > 0 && this.msgs > config.max_msgs) this.removeBelow(this.lastSeq - config.max_msgs + 1);
    if (config.max_msgs_per_subject > 0) {
      for (const s of this.store.subjects(this.id)) {
        if (s.n > config.max_msgs_per_subject) {
          this.account_(this.store.removeSubjectBelow(this.id, s.subject, this.nthLastOfSubject(s.subject, config.max_msgs_per_subject)));
        }
      }
    }
    this.enforceLimits("", now);
  }

  // ---- describing ---------------------------------------------------------------------------

  /** nats-server's StreamState; `subjectsFilter`: also the count per subject matching it. */
  state(subjectsFilter: string | null): Record<string, unknown> {
    const consumers = this.consumers.size;
    const first = this.msgs > 0 ? this.store.get(this.id, this.firstSeq) : null;
    const state: Record<string, unknown> = {
      messages: this.msgs,
      bytes: this.bytes,
      // A stream that never stored a message says 0, as nats-server does; after a purge, the next.
      first_seq: this.lastSeq === 0 && this.msgs === 0 && (this.config.first_seq ?? 1) <= 1 ? 0 : this.firstSeq,
      first_ts: first === null ? ZERO_TIME : rfc3339(first.ts),
      last_seq: this.lastSeq,
      last_ts: this.lastTs === 0 ? ZERO_TIME : rfc3339(this.lastTs),
    };
    const subjects = this.store.subjects(this.id);
    if (subjects.length > 0) state.num_subjects = subjects.length;
    if (subjectsFilter !== null) {
      const counts: Record<string, number> = {};
      let any = false;
      for (const s of subjects) {
        if (!matchesLiteral(s.subject, subjectsFilter)) continue;
        counts[s.subject] = s.n;
        any = true;
      }
      if (any) state.subjects = counts;
    }
    const deleted = this.msgs > 0 ? this.lastSeq - this.firstSeq + 1 - this.msgs : 0;
    if (deleted > 0) state.num_deleted = deleted;
    state.consumer_count = consumers;
    return state;
  }
}

/** A message's size as nats-server counts it against max_bytes: its file or memory store's record. */
function messageSize(cfg: StreamConfig, subject: string, hlen: number, dlen: number): number {
  const slen = encode(subject).length;
  if (cfg.storage === "memory") return slen + hlen + dlen + 16;
  return hlen === 0 ? 22 + slen + dlen + 8 : 22 + slen + 4 + hlen + dlen + 8;
}
