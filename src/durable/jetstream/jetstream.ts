// JetStream on a shard, as a client of the core (nats-server runs it as internal
// subscriptions; so does this). Every shard plays it:
//
// - For subjects under `$JS.` it is a service (host/delivery.ts ServerServices):
//   the shard a request concerns is a hash of its account and stream (placement.ts),
//   so delivery sends it there like a message to a subscriber, behind whatever the
//   same publisher sent before, and it is answered there.
// - As home to streams, it keeps their messages (stream.ts) and subscribes to their
//   subjects on a connection of its own in their account (connection.ts), so what
//   any shard publishes to them arrives in the same batched frames as any delivery.
// - As keeper of an account's catalog, it answers the account-wide requests
//   (account-api.ts), asking the streams' homes over RPC (HomeCalls).
//
// Replies (PubAcks, API answers) are published on the account's connection here
// once the event's work is done, so a frame's worth of publishes is stored in one
// implicit transaction and acknowledged after it is durable.

import { decode } from "../../protocol/bytes.js";
import { API_TYPES, JSERR, errorResponse, type ApiError } from "../../protocol/jetstream/api-errors.js";
import { parseApiSubject, type ApiRequest } from "../../protocol/jetstream/api-subject.js";
import { parseAck, parseAckSubject } from "../../protocol/jetstream/ack.js";
import { pubAck, pubAckError } from "../../protocol/jetstream/pub-ack.js";
import { checkPullRequest } from "../../protocol/jetstream/pull-request.js";
import * as status from "../../protocol/jetstream/status.js";
import { accountJetStream, type AccountJetStream, type JetStreamConfig } from "../../protocol/config-jetstream.js";
import type { Message } from "../../protocol/message.js";
import type { ServerServices } from "../host/delivery.js";
import type { Host } from "../host/host.js";
import type { Log } from "../log.js";
import { AccountApi, type HomeAnswer, type HomeCall, type HomeCalls } from "./account-api.js";
import { Catalog } from "./catalog.js";
import { consumerInfo, consumerList, consumerNames, createConsumer } from "./consumer-api.js";
import { ConsumerStore } from "./consumer-store.js";
import { Consumer, type Outgoing } from "./consumer.js";
import { JsConnection } from "./connection.js";
import { countsAsApiRequest, responseType, servingShard } from "./api-ops.js";
import { streamHome } from "./placement.js";
import { directGet, infoResponse, msgDeleteResponse, msgGetResponse, parseBody, purgeResponse, response, streamInfo } from "./stream-api.js";
import { reportOf, type JetStreamReport } from "./report.js";
import { StreamStore } from "./stream-store.js";
import { Stream } from "./stream.js";

export interface JetStreamSettings {
  /** Whether JetStream runs, and the accounts' limits (NATS_CONFIG's jetstream). */
  readonly config: JetStreamConfig;
  readonly self: number;
  readonly shards: number;
  /** This shard's server name: the stream's "leader" in its info. */
  readonly serverName: string;
  readonly maxPayload: number;
}

/** Asks another shard's JetStream (the Shard's RPC method). */
export type HomeRpc = (shard: number, call: HomeCall) => Promise<HomeAnswer>;

/** When the shard should wake for JetStream's own work (messages reaching max_age). */
export interface JetStreamAlarm {
  wakeBy(at: number): void;
}

/** Something to publish on an account's connection: an API answer, a PubAck, a consumer's message or status. */
interface Reply {
  readonly account: string;
  readonly subject: string;
  /** The subject it shows, when not `subject` (Message.deliver). */
  readonly deliver: string | null;
  readonly reply: string | null;
  readonly hdr: Uint8Array | null;
  readonly data: Uint8Array;
}

const EMPTY = new Uint8Array(0);

const encoder = new TextEncoder();
/**
 * How long a consumer's progress (deliveries, acks) may go unstored. Each stored change costs
 * the event a commit, which dominated the cost of consuming; after a crash, what moved in this
 * last moment is delivered again (at least once, as after a nats-server restart). An ack that
 * asks for a reply (ackAck) is stored before the reply.
 */
const PROGRESS_DELAY_MS = 100;

const RESOLVED = Promise.resolve();
/**
 * Memory for the streams' newest messages (stream.ts, recent.ts): a shard's streams share
 * RECENT_PER_SHARD, each at most RECENT_PER_STREAM. Isolates have 128 MB in all.
 */
const RECENT_PER_SHARD = 16 * 1024 * 1024;
const RECENT_PER_STREAM = 4 * 1024 * 1024;

export class JetStream implements ServerServices, HomeCalls {
  readonly self: number;
  private readonly store: StreamStore;
  private readonly consumerStore: ConsumerStore;
  private readonly catalog: Catalog;
  private readonly api: AccountApi;
  /** The streams this shard is home to, by account and name, and by id (the sids of their subscriptions). */
  private readonly streams = new Map<string, Stream>();
  private readonly byId = new Map<number, Stream>();
  private readonly connections = new Map<string, JsConnection>();
  private replies: Reply[] = [];
  private replying = false;
  /** Each account's API requests served here, and the errors among them, since the object started. */
  private readonly apiCounts = new Map<string, { total: number; errors: number }>();
  /** Streams whose consumers may have something to send once this event's work is done. */
  private readonly toPump = new Set<Stream>();
  /** Consumers whose progress is not stored yet (saveProgress), those to store at once, and the timer. */
  private readonly unsaved = new Set<Consumer>();
  private readonly saveNow = new Set<Consumer>();
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  /** The timer for the consumers' next deadline while the object is awake, and when it fires. */
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = 0;

  constructor(
    private readonly host: Host,
    private readonly sql: SqlStorage,
    private readonly settings: JetStreamSettings,
    private readonly rpc: HomeRpc,
    private readonly alarm: JetStreamAlarm,
    private readonly log: Log,
  ) {
    this.self = settings.self;
    this.store = new StreamStore(sql);
    this.consumerStore = new ConsumerStore(sql);
    this.catalog = new Catalog(sql);
    this.api = new AccountApi(this.catalog, this, {
      maxPayload: settings.maxPayload,
      maxMemory: settings.config.maxMemory,
      maxStorage: settings.config.maxStorage,
    });
    const now = Date.now();
    for (const row of this.store.all()) {
      const s = new Stream(this.store, row);
      for (const c of this.consumerStore.all(s.id)) s.consumers.set(c.name, new Consumer(s, this.consumerStore, c, now));
      this.add(s);
    }
  }

  /** The connections kept from before, for Host.restore to rebuild with the sockets. */
  stored(): JsConnection[] {
    const kept = JsConnection.stored(this.sql, this.received, this.log);
    for (const c of kept) this.connections.set(c.account, c);
    return kept;
  }

  /** After Host.restore: each kept connection is bound to the client the host rebuilt. */
  resumed(): void {
    for (const [account, c] of this.connections) {
      if (!c.restored(this.host)) this.connections.delete(account);
    }
    this.scheduleExpiry(Date.now());
  }

  private add(s: Stream): void {
    this.streams.set(key(s.account, s.name), s);
    this.byId.set(s.id, s);
    this.shareRecent();
  }

  /** Each stream's share of the memory for its newest messages (Stream.recentBytes). */
  private shareRecent(): void {
    const each = Math.min(RECENT_PER_STREAM, Math.floor(RECENT_PER_SHARD / Math.max(1, this.streams.size)));
    for (const s of this.streams.values()) s.recentBytes = each;
  }

  private connection(account: string): JsConnection {
    let c = this.connections.get(account);
    if (c === undefined) {
      c = JsConnection.open(this.host, account, this.sql, this.received, this.log);
      this.connections.set(account, c);
    }
    return c;
  }

  // ---- ServerServices: requests routed here ---------------------------------------------------

  target(account: string, subject: string): number {
    // Without JetStream nothing takes $JS.API.>: a request hears that nobody responds.
    return this.settings.config.enabled ? servingShard(account, subject, this.settings.shards) : -1;
  }

  serve(account: string, subject: string, msg: Message): void {
    const reply = msg.hasReply ? decode(msg.reply!) : null;
    const req = parseApiSubject(subject);
    if (req === null) return this.serveConsumerReply(account, subject, reply, msg);
    const body = parseBody(msg.headerSize > 0 ? msg.data.subarray(msg.headerSize) : msg.data);
    // nats-server counts an account's API requests and the errors among them (account info's `api`).
    // Counted as answered, so account info's own request is not in its answer, as in nats-server.
    const counted = countsAsApiRequest(req.op);
    const sent = (t: string) => {
      if (counted) {
        const stats = this.apiStats(account);
        stats.total++;
        if (t.includes(',"error":{"code":')) stats.errors++;
      }
      if (reply !== null) this.reply(account, reply, null, encoder.encode(t));
    };
    const answer = (text: string | Promise<string>) => {
      if (typeof text === "string") sent(text);
      else {
        text.then(
          sent,
          (e) => {
            this.log.exception("JetStream request failed", e, { account, subject });
            sent(errorResponse(API_TYPES.system, JSERR.clusterNotAvailable));
          },
        );
      }
    };
    const limits = accountJetStream(this.settings.config, account);
    if (limits === null) {
      if (req.op === "DIRECT.GET" || req.op === "CONSUMER.MSG.NEXT" || req.op === "UNKNOWN") return;
      return answer(errorResponse(responseType(req.op), JSERR.notEnabledForAccount));
    }
    switch (req.op) {
      case "INFO":
        return answer(this.api.info(account, limits));
      case "STREAM.CREATE":
        return answer(this.api.create(account, req.stream, body, limits));
      case "STREAM.UPDATE":
        return answer(this.api.update(account, req.stream, body, limits));
      case "STREAM.DELETE":
        return answer(this.api.delete(account, req.stream));
      case "STREAM.NAMES":
        return answer(this.api.names(account, body));
      case "STREAM.LIST":
        return answer(this.api.list(account, body));
      case "STREAM.INFO":
      case "STREAM.PURGE":
      case "STREAM.MSG.GET":
      case "STREAM.MSG.DELETE": {
        const s = this.streams.get(key(account, req.stream));
        if (s === undefined) return answer(errorResponse(responseType(req.op), JSERR.streamNotFound));
        if (req.op === "STREAM.INFO") return answer(infoResponse(s, body));
        if (req.op === "STREAM.PURGE") return answer(purgeResponse(s, body));
        if (req.op === "STREAM.MSG.GET") return answer(msgGetResponse(s, body));
        return answer(msgDeleteResponse(s, body));
      }
      case "DIRECT.GET": {
        const s = this.streams.get(key(account, req.stream));
        // Without allow_direct nats-server has no direct-get subscription: nobody answers.
        if (s === undefined || !s.config.allow_direct || reply === null) return;
        const d = directGet(s, body, req.lastBySubject);
        return this.reply(account, reply, d.hdr, d.data, true);
      }
      case "CONSUMER.CREATE":
      case "CONSUMER.DURABLE.CREATE":
      case "CONSUMER.INFO":
      case "CONSUMER.DELETE":
      case "CONSUMER.NAMES":
      case "CONSUMER.LIST":
      case "CONSUMER.MSG.NEXT":
        return this.serveConsumerRequest(account, req, reply, msg, body, limits, answer);
      default:
        // nats-server takes all of $JS.API.> and drops what it has no handler for: no answer.
        return;
    }
  }

  /** A request about a stream's consumers, on the stream's home. */
  private serveConsumerRequest(
    account: string,
    req: Extract<ApiRequest, { stream: string }>,
    reply: string | null,
    msg: Message,
    body: ReturnType<typeof parseBody>,
    limits: AccountJetStream,
    answer: (text: string) => void,
  ): void {
    const now = Date.now();
    const s = this.streams.get(key(account, req.stream));
    if (req.op === "CONSUMER.MSG.NEXT") {
      if (reply === null) return;
      const c = s?.consumers.get(req.consumer);
      // nats-server has no subscription for a consumer that does not exist: nobody answers.
      if (c === undefined) return;
      const pull = checkPullRequest(msg.headerSize > 0 ? msg.data.subarray(msg.headerSize) : msg.data, c.config);
      if (!pull.ok) return this.send(account, { to: reply, subject: null, reply: null, hdr: pull.status, data: EMPTY });
      const refused = c.pull(reply, pull.request, now);
      if (refused !== null) return this.send(account, refused);
      return this.pump(s!);
    }
    const type = responseType(req.op);
    if (s === undefined) return answer(errorResponse(type, JSERR.streamNotFound));
    switch (req.op) {
      case "CONSUMER.CREATE":
      case "CONSUMER.DURABLE.CREATE": {
        const filter = req.op === "CONSUMER.CREATE" ? req.filter : null;
        const data = msg.headerSize > 0 ? msg.data.subarray(msg.headerSize) : msg.data.slice();
        const create = () => {
          const now = Date.now();
          const r = createConsumer(s, this.consumerStore, data, req.op as "CONSUMER.CREATE", req.consumer, filter, limits, now);
          const c = r.consumer;
          if (c !== null && !c.isPull) {
            // Whether it is bound (its deliver subject has a subscriber) is part of the answer.
            const bound = this.host.interestIn(s.account, c.config.deliver_subject!);
            if (typeof bound === "boolean" && bound !== c.hasInterest) {
              c.interest(bound, now);
              return this.answerCreated(c, answer);
            }
          }
          answer(r.text);
          if (c !== null) this.pump(s);
        };
        // As nats-server, a limit of 0 is none.
        if (limits.maxConsumers <= 0 || (req.consumer !== null && s.consumers.has(req.consumer))) return create();
        // The account's limit counts its consumers on every shard.
        void this.accountConsumers(account).then(
          (n) => (n >= limits.maxConsumers ? answer(errorResponse(type, JSERR.maximumConsumersLimit)) : create()),
          (e) => {
            this.log.exception("counting an account's consumers failed", e, { account });
            answer(errorResponse(type, JSERR.clusterNotAvailable));
          },
        );
        return;
      }
      case "CONSUMER.INFO": {
        const c = s.consumers.get(req.consumer);
        return answer(c === undefined ? errorResponse(type, JSERR.consumerNotFound) : response(type, consumerInfo(c, now)));
      }
      case "CONSUMER.DELETE": {
        const c = s.consumers.get(req.consumer);
        if (c === undefined) return answer(errorResponse(type, JSERR.consumerNotFound));
        this.deleteConsumer(c);
        return answer(response(type, { success: true }));
      }
      case "CONSUMER.NAMES":
        return answer(consumerNames(s, body));
      case "CONSUMER.LIST":
        return answer(consumerList(s, body, now));
    }
  }

  private answerCreated(c: Consumer, answer: (text: string) => void): void {
    answer(response(API_TYPES.consumerCreate, consumerInfo(c, Date.now())));
    this.pump(c.stream);
  }

  /** `$JS.ACK.…` (an ack) or `$JS.FC.…` (a flow control answer), on the stream's home. */
  private serveConsumerReply(account: string, subject: string, reply: string | null, msg: Message): void {
    const now = Date.now();
    const ack = parseAckSubject(subject);
    if (ack !== null) {
      const s = this.streams.get(key(account, ack.stream));
      const c = s?.consumers.get(ack.consumer);
      if (c === undefined) return;
      const kind = parseAck(msg.headerSize > 0 ? msg.data.subarray(msg.headerSize) : msg.data);
      const confirm = c.ack(kind, ack.streamSeq, ack.consumerSeq, now);
      if (kind.kind === "next" && reply !== null) {
        if (kind.request === null) this.send(account, { to: reply, subject: null, reply: null, hdr: status.badRequest(kind.error), data: EMPTY });
        else {
          const refused = c.pull(reply, kind.request, now);
          if (refused !== null) this.send(account, refused);
        }
      } else if (confirm && reply !== null) {
        this.saveNow.add(c);
        this.send(account, { to: reply, subject: null, reply: null, hdr: null, data: EMPTY });
      }
      return this.pump(s!);
    }
    if (subject.startsWith("$JS.FC.")) {
      for (const s of this.streams.values()) {
        if (s.account !== account) continue;
        for (const c of s.consumers.values()) if (c.flowControlAnswered(subject)) return this.pump(s);
      }
    }
  }

  private deleteConsumer(c: Consumer): void {
    this.unsaved.delete(c);
    this.saveNow.delete(c);
    c.drop((o) => this.send(c.stream.account, o));
    c.stream.consumers.delete(c.name);
  }

  // ---- the streams' subscriptions --------------------------------------------------------------

  /** A message to one of the streams' subjects, on the account's connection. */
  private readonly received = (conn: JsConnection, sid: string, subject: string, reply: string | null, hdr: Uint8Array | null, data: Uint8Array) => {
    const s = this.byId.get(Number.parseInt(sid, 10));
    if (s === undefined || s.account !== conn.account) return;
    const now = Date.now();
    let r: ReturnType<Stream["publish"]>;
    try {
      const full = this.storageFull(s, subject.length + (hdr?.length ?? 0) + data.length);
      r = full !== null ? { error: full } : s.publish(subject, hdr, data, now);
    } catch (e) {
      // The connection serves every stream of the account here: one failed write must not close it.
      this.log.exception("JetStream failed to store a message", e, { account: s.account, stream: s.name, subject });
      r = { error: JSERR.streamStoreFailed(e instanceof Error ? e.message : String(e)) };
    }
    if (s.config.max_age > 0) this.alarm.wakeBy(now + s.config.max_age / 1_000_000);
    if (s.consumers.size > 0) this.pump(s);
    if (reply === null || reply === "" || s.config.no_ack) return;
    if (r === null) return;
    const text = "error" in r ? pubAckError(s.name, r.error) : pubAck(s.ackPrefix, r.seq, r.duplicate);
    this.reply(conn.account, reply, null, encoder.encode(text), true);
  };

  /**
   * Whether storing `bytes` more in `s` would pass the storage limits of its account or
   * of the server (the refusal), counting what this shard holds: with one shard that is
   * everything, with more each shard holds its streams to the limits on its own.
   */
  private storageFull(s: Stream, bytes: number): ApiError | null {
    const config = this.settings.config;
    const limits = accountJetStream(config, s.account);
    const memory = s.config.storage === "memory";
    const accountMax = limits === null ? -1 : memory ? limits.maxMemory : limits.maxStorage;
    const serverMax = memory ? config.maxMemory : config.maxStorage;
    if (accountMax < 0 && serverMax < 0) return null;
    let account = 0;
    let server = 0;
    for (const other of this.streams.values()) {
      if ((other.config.storage === "memory") !== memory) continue;
      server += other.storedBytes;
      if (other.account === s.account) account += other.storedBytes;
    }
    if (accountMax >= 0 && account + bytes > accountMax) return JSERR.accountResourcesExceeded;
    if (serverMax >= 0 && server + bytes > serverMax) return JSERR.insufficientResources;
    return null;
  }

  /** Subscribes the stream's connection to its subjects (sids `<id>.<n>`) and waits until every shard knows. */
  private async subscribe(s: Stream): Promise<void> {
    const c = this.connection(s.account);
    s.config.subjects.forEach((subject, i) => c.subscribe(subject, `${s.id}.${i}`));
    this.host.flush();
    await c.sync(this.host);
  }

  private unsubscribe(s: Stream): void {
    const c = this.connections.get(s.account);
    if (c === undefined) return;
    for (const sid of [...c.client.subs.keys()]) if (Number.parseInt(sid, 10) === s.id) c.unsubscribe(sid);
    this.host.flush();
  }

  // ---- replies ---------------------------------------------------------------------------------

  /**
   * An answer to `subject`. `fromQueue`: sent the way nats-server sends what a stream or
   * consumer sends (PubAcks, direct gets, statuses), whose MSG line has an empty reply field
   * (two spaces), unlike an API answer's.
   */
  private reply(account: string, subject: string, hdr: Uint8Array | null, data: Uint8Array, fromQueue = false): void {
    this.queue({ account, subject, deliver: null, reply: fromQueue ? "" : null, hdr, data });
  }

  /** What a consumer sends: a message (showing its stored subject) or a status. */
  private send(account: string, o: Outgoing): void {
    this.queue({ account, subject: o.to, deliver: o.subject, reply: o.reply ?? "", hdr: o.hdr, data: o.data });
  }

  private queue(r: Reply): void {
    this.replies.push(r);
    this.later();
  }

  /** The stream's consumers are to look for something to send, once this event's work is done. */
  private pump(s: Stream): void {
    this.toPump.add(s);
    this.later();
  }

  private later(): void {
    if (this.replying) return;
    this.replying = true;
    // After what the event is doing (a frame's publishes, the host's flush): all it caused goes together.
    void RESOLVED.then(this.sendRepliesLater);
  }

  // A resolved promise's then, not queueMicrotask: the same microtask, at a fraction of
  // workerd's cost per call (measured in the consume path's profile).
  private readonly sendRepliesLater = (): void => this.sendReplies();

  private sendReplies(): void {
    this.replying = false;
    try {
      const now = Date.now();
      for (const s of this.toPump) {
        for (const c of s.consumers.values()) {
          this.pumpConsumer(c, now);
          this.unsaved.add(c);
        }
      }
      this.toPump.clear();
      // An ack that asked for a reply is stored before its reply goes; the rest a moment later.
      for (const c of this.saveNow) {
        c.saveProgress();
        this.unsaved.delete(c);
      }
      this.saveNow.clear();
      if (this.unsaved.size > 0 && this.saveTimer === null) this.saveTimer = setTimeout(() => this.saveProgress(), PROGRESS_DELAY_MS);
      const replies = this.replies;
      this.replies = [];
      for (const r of replies) this.connection(r.account).publish(r.subject, r.reply, r.hdr, r.data, r.deliver);
    } catch (e) {
      this.log.exception("unexpected exception sending JetStream replies", e);
    } finally {
      this.host.flush();
      this.schedule();
    }
  }

  /** Stores the progress of every consumer that moved: one write per consumer for many deliveries and acks. */
  private saveProgress(): void {
    this.saveTimer = null;
    try {
      for (const c of this.unsaved) c.saveProgress();
    } catch (e) {
      this.log.exception("unexpected exception storing consumers' progress", e);
    } finally {
      this.unsaved.clear();
    }
  }

  private pumpConsumer(c: Consumer, now: number): void {
    if (!c.isPull) {
      const interest = this.host.interestIn(c.stream.account, c.config.deliver_subject!);
      if (interest instanceof Promise) {
        void interest.then((yes) => {
          c.interest(yes, Date.now());
          this.pump(c.stream);
        });
        return;
      }
      c.interest(interest, now);
    }
    c.pump(now, (o) => this.send(c.stream.account, o));
  }

  // ---- the consumers' timers -------------------------------------------------------------------

  /** Sets the timer for the earliest deadline of any consumer, and the alarm for redeliveries. */
  private schedule(): void {
    let at: number | null = null;
    let redeliver: number | null = null;
    for (const s of this.streams.values()) {
      for (const c of s.consumers.values()) {
        const d = c.nextDeadline();
        if (d !== null && (at === null || d < at)) at = d;
        const r = c.nextRedelivery();
        if (r !== null && (redeliver === null || r < redeliver)) redeliver = r;
      }
    }
    // Redeliveries outlive the object: the alarm wakes it for them.
    if (redeliver !== null) this.alarm.wakeBy(redeliver);
    if (at === null) return;
    if (this.timer !== null && this.timerAt <= at) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = 0;
      this.onTimer();
    }, Math.max(0, at - Date.now()));
  }

  private onTimer(): void {
    try {
      const now = Date.now();
      for (const s of this.streams.values()) {
        for (const c of [...s.consumers.values()]) {
          if (c.isInactive(now)) this.deleteConsumer(c);
        }
        if (s.consumers.size > 0) this.pump(s);
      }
    } catch (e) {
      this.log.exception("unexpected exception in a JetStream timer", e);
    }
    this.later();
  }

  // ---- HomeCalls: the catalog asks homes --------------------------------------------------------

  home(account: string, stream: string, call: HomeCall): Promise<HomeAnswer> {
    const shard = streamHome(account, stream, this.settings.shards);
    return shard === this.self ? this.homeCall(call) : this.rpc(shard, call);
  }

  homes(account: string, streams: readonly string[], call: HomeCall): Promise<HomeAnswer[]> {
    const shards = new Set(streams.map((s) => streamHome(account, s, this.settings.shards)));
    return Promise.all([...shards].map((shard) => (shard === this.self ? this.homeCall(call) : this.rpc(shard, call))));
  }

  private apiStats(account: string): { total: number; errors: number } {
    let a = this.apiCounts.get(account);
    if (a === undefined) this.apiCounts.set(account, (a = { total: 0, errors: 0 }));
    return a;
  }

  /** Runs `call` on every shard (this one at once). */
  all(call: HomeCall): Promise<HomeAnswer[]> {
    const answers: Promise<HomeAnswer>[] = [];
    for (let shard = 0; shard < this.settings.shards; shard++) answers.push(shard === this.self ? this.homeCall(call) : this.rpc(shard, call));
    return Promise.all(answers);
  }

  /** How many consumers `account` has, on every shard. */
  private async accountConsumers(account: string): Promise<number> {
    let n = 0;
    for (const a of await this.all({ op: "usage", account })) if ("usage" in a) n += a.usage.consumers;
    return n;
  }

  /** A call from an account's catalog to this shard as the home of its streams. */
  async homeCall(call: HomeCall): Promise<HomeAnswer> {
    const now = Date.now();
    switch (call.op) {
      case "create": {
        const existing = this.streams.get(key(call.account, call.config.name));
        if (existing !== undefined) return this.infoOf(existing);
        const s = new Stream(this.store, this.store.create(call.account, call.config, now, call.config.first_seq ?? 1));
        this.add(s);
        await this.subscribe(s);
        return this.infoOf(s);
      }
      case "update": {
        const s = this.streams.get(key(call.account, call.config.name));
        if (s === undefined) return { error: JSERR.streamNotFound };
        const resubscribe = JSON.stringify(s.config.subjects) !== JSON.stringify(call.config.subjects);
        if (resubscribe) this.unsubscribe(s);
        s.updateConfig(call.config, now);
        if (resubscribe) await this.subscribe(s);
        this.scheduleExpiry(now);
        return this.infoOf(s);
      }
      case "delete": {
        const s = this.streams.get(key(call.account, call.name));
        if (s === undefined) return { error: JSERR.streamNotFound };
        this.unsubscribe(s);
        for (const c of [...s.consumers.values()]) this.deleteConsumer(c);
        this.streams.delete(key(s.account, s.name));
        this.byId.delete(s.id);
        s.drop();
        this.shareRecent();
        return { deleted: true };
      }
      case "info": {
        const s = this.streams.get(key(call.account, call.name));
        return s === undefined ? { error: JSERR.streamNotFound } : this.infoOf(s);
      }
      case "usage": {
        let memory = 0;
        let storage = 0;
        let consumers = 0;
        for (const s of this.streams.values()) {
          if (s.account !== call.account) continue;
          consumers += s.consumers.size;
          if (s.config.storage === "memory") memory += s.storedBytes;
          else storage += s.storedBytes;
        }
        const api = this.apiCounts.get(call.account) ?? { total: 0, errors: 0 };
        return { usage: { memory, storage, consumers, apiTotal: api.total, apiErrors: api.errors } };
      }
    }
  }

  private infoOf(s: Stream): HomeAnswer {
    return { info: streamInfo(s), config: s.config };
  }

  // ---- monitoring ------------------------------------------------------------------------------

  /** The streams homed here, for /jsz. */
  report(): JetStreamReport {
    return reportOf(this.self, this.streams.values());
  }

  // ---- time ------------------------------------------------------------------------------------

  /** Drops messages past their streams' max_age; returns when next to run, or null. */
  tick(now: number): number | null {
    let next: number | null = null;
    for (const s of this.streams.values()) {
      const at = s.expire(now);
      if (at !== null && (next === null || at < next)) next = at;
      if (s.consumers.size > 0) this.pump(s);
    }
    return next;
  }

  private scheduleExpiry(now: number): void {
    const next = this.tick(now);
    if (next !== null) this.alarm.wakeBy(next);
  }
}

function key(account: string, name: string): string {
  return `${account}\u0000${name}`;
}

