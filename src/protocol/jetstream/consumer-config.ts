// A consumer's configuration: what a create request may say, the defaults
// nats-server fills in, the requests it refuses and in which words, and the
// JSON it answers with. Ported from nats-server 2.10 server/jetstream_api.go
// (jsConsumerCreateRequest) and server/consumer.go (setConsumerConfigDefaults,
// checkConsumerCfg, addConsumerWithAssignment), checked against 2.9.10's
// answers where 2.9.10 already behaved the same. Clients of 2.10 rely on its
// semantics (filter_subjects, the create action, a name for every consumer),
// so 2.10 is what we follow; where a later nats-server closed a hole we follow
// the later one, and each place says so. Checks that need the other consumers
// (a name in use, a workqueue's partitions, the stream's consumer count) are
// the caller's, with sameConsumerConfig, checkConsumerUpdate and
// checkWorkQueuePartition.

import { encode } from "../bytes.js";
import { isValidSubject } from "../subject.js";
import {
  type ApiError,
  consumerCreate,
  consumerDescriptionTooLong,
  consumerInactiveThresholdExcess,
  consumerInvalidPolicy,
  consumerInvalidSampling,
  consumerMaxPendingAckExcess,
  consumerMaxRequestBatchExceeded,
  consumerMetadataLength,
  consumerNameTooLong,
  invalidJson,
  JSERR,
  streamInvalidConfig,
} from "./api-errors.js";
import { decodeConsumerConfig } from "./consumer-config-fields.js";
import { formatGoDuration } from "./go-duration.js";
import { goAtoi } from "./go-strconv.js";
import { randomToken } from "./random-token.js";
import type { RetentionPolicy, StreamConsumerLimits } from "./stream-config.js";
import { subjectIsSubsetMatch, subjectsCollide } from "./subject-collide.js";

// The rest of a create request's handling, from here too: one import for callers.
export { parseConsumerCreateRequest, type ConsumerCreateRequest } from "./consumer-create-request.js";
export { checkConsumerUpdate, checkWorkQueuePartition, filtersOf, type OtherConsumer } from "./consumer-update.js";

export type DeliverPolicy = "all" | "last" | "new" | "by_start_sequence" | "by_start_time" | "last_per_subject";
export type AckPolicy = "none" | "all" | "explicit";
export type ReplayPolicy = "instant" | "original";
/** What a create request asks for when the consumer exists: "" creates or updates. */
export type ConsumerAction = "create" | "update" | "";

/**
 * A consumer's configuration after defaults, with nats-server's JSON names.
 * Durations are nanoseconds. Optional fields are absent when they hold Go's
 * zero value (nats-server omits them from its JSON).
 */
export interface ConsumerConfig {
  durable_name?: string;
  /** Every consumer has one from 2.10: the subject's name, or one made up for an ephemeral. */
  name?: string;
  description?: string;
  deliver_policy: DeliverPolicy;
  opt_start_seq?: number;
  /** RFC 3339 as nats-server writes it back: the offset kept, a zero one as "Z". */
  opt_start_time?: string;
  ack_policy: AckPolicy;
  /** 0 with ack policy none. */
  ack_wait: number;
  /** -1: no limit. */
  max_deliver: number;
  backoff?: number[];
  filter_subject?: string;
  filter_subjects?: string[];
  replay_policy: ReplayPolicy;
  rate_limit_bps?: number;
  sample_freq?: string;
  /** The most pull requests that may wait; 0 for a push consumer. */
  max_waiting: number;
  /** 0: no limit (ack policy none); -1 too. */
  max_ack_pending: number;
  idle_heartbeat?: number;
  flow_control?: boolean;
  headers_only?: boolean;
  max_batch?: number;
  max_expires?: number;
  max_bytes?: number;
  deliver_subject?: string;
  deliver_group?: string;
  /** Delete after this long without interest; ephemerals always have one. */
  inactive_threshold?: number;
  /** As sent: nats-server keeps 0 (the stream's count). */
  num_replicas: number;
  mem_storage?: boolean;
  metadata?: Record<string, string>;
}

/** Where the create request came from: its API subject. */
export interface ConsumerCreateSubject {
  /**
   * The stream the subject names. Not consulted here: given to
   * parseConsumerCreateRequest, it refuses a body for another stream.
   */
  stream: string;
  /** `$JS.API.CONSUMER.CREATE.<stream>.<name>` or `…DURABLE.CREATE.<stream>.<name>`; null for the bare form. */
  nameInSubject: string | null;
  /** `$JS.API.CONSUMER.CREATE.<stream>.<name>.<filter…>`. */
  filterInSubject: string | null;
  /** Not consulted here: it decides what happens to an existing consumer (see sameConsumerConfig). */
  action?: ConsumerAction;
  /**
   * The legacy `CONSUMER.DURABLE.CREATE` subject insists on a durable_name equal
   * to the subject's; `CONSUMER.CREATE.<stream>.<name>` (the default) makes the
   * name the consumer's either way.
   */
  op?: "CONSUMER.CREATE" | "CONSUMER.DURABLE.CREATE";
}

/** What the consumer's checks need to know of its stream. */
export interface ConsumerStream {
  readonly subjects: readonly string[];
  readonly retention: RetentionPolicy;
  /** Not consulted: nats-server holds neither max_bytes nor anything else of a consumer to it. */
  readonly maxMsgSize?: number;
  readonly consumerLimits?: StreamConsumerLimits;
}

/** The server's own limits on consumers (nats-server's jetstream { limits { … } }); none by default. */
export interface ConsumerServerLimits {
  readonly maxAckPending?: number;
  readonly maxRequestBatch?: number;
}

export type ConsumerConfigResult = { ok: true; config: ConsumerConfig } | { ok: false; error: ApiError };

// nats-server's limits and defaults (server/jetstream_api.go, server/consumer.go).
const MAX_NAME_LEN = 255;
const MAX_DESCRIPTION_LEN = 4 * 1024;
const MAX_METADATA_LEN = 128 * 1024;
const MS = 1_000_000;
const DEFAULT_ACK_WAIT = 30_000 * MS;
const DEFAULT_MAX_WAITING = 512;
const DEFAULT_MAX_ACK_PENDING = 1000;
const DEFAULT_EPHEMERAL_INACTIVE = 5_000 * MS;
const MIN_HEARTBEAT = 100 * MS;

/** The request's config as decoded: the fields it set. */
type Request = Omit<Partial<ConsumerConfig>, "deliver_policy"> & {
  deliver_policy?: DeliverPolicy | "undefined";
  direct?: boolean;
};

function fail(error: ApiError): { ok: false; error: ApiError } {
  return { ok: false, error };
}

/**
 * A create request's configuration (`input` is its "config" object, as
 * parseConsumerCreateRequest returns it), in nats-server's order: what the
 * subject says of the name and filter, then the defaults, then the checks every
 * config gets, then the name the consumer will have. A request that names no
 * consumer gets a new name here (newEphemeralName): the caller makes sure no
 * other consumer has it.
 */
export function checkConsumerConfig(
  input: unknown,
  req: ConsumerCreateSubject,
  stream: ConsumerStream,
  limits: ConsumerServerLimits = {},
): ConsumerConfigResult {
  const d = decodeConsumerConfig(input);
  if (!d.ok) return fail(invalidJson(d.error));
  const r = d.value as Request;

  const fromSubject = subjectRules(r, req);
  if (fromSubject !== null) return fail(fromSubject);

  const config = withDefaults(r, stream, limits);
  const problem = checkConfig(config, r, stream, limits);
  if (problem !== null) return fail(problem);

  const durable = config.durable_name ?? "";
  let name = durable !== "" ? durable : (config.name ?? "");
  if (name === "") {
    name = newEphemeralName();
    config.name = name;
  }
  // nats-server 2.10 holds only durable names to the limit (a longer ephemeral
  // name then fails in its file store); we hold every name to it.
  if (utf8Length(name) > MAX_NAME_LEN) return fail(consumerNameTooLong(MAX_NAME_LEN));
  if (!isValidName(name)) return fail(JSERR.consumerBadDurableName);
  // An ephemeral is deleted once nothing has been interested in it for a while,
  // 5s unless it says otherwise (nats-server's updateInactiveThreshold).
  if (durable === "" && (config.inactive_threshold ?? 0) <= 0) config.inactive_threshold = DEFAULT_EPHEMERAL_INACTIVE;
  return { ok: true, config };
}

// jsConsumerCreateRequest: what the subject says about the name and the filter.
function subjectRules(r: Request, req: ConsumerCreateSubject): ApiError | null {
  const durable = r.durable_name ?? "";
  const inSubject = req.nameInSubject;
  // Consumer names become directory names in nats-server's file store. From
  // 2.11 the body's name of a bare create is held to this as well.
  const named = inSubject ?? r.name ?? "";
  if (named.includes("/") || named.includes("\\")) return JSERR.consumerNameContainsPathSeparators;
  if (req.op === "CONSUMER.DURABLE.CREATE") {
    if (durable === "") return JSERR.consumerDurableNameNotSet;
    if (durable !== inSubject) return JSERR.consumerDurableNameNotMatchSubject;
  } else if (inSubject !== null) {
    if (durable !== "" && durable !== inSubject) return JSERR.consumerDurableNameNotMatchSubject;
    // The subject's name is the consumer's, whatever the body's "name" says.
    r.name = inSubject;
  } else if (durable !== "") {
    return JSERR.consumerEphemeralWithDurableName;
  }
  const filter = req.filterInSubject;
  if (filter !== null && filter !== "") {
    if ((r.filter_subjects ?? []).length > 0) return JSERR.consumerMultipleFiltersNotAllowed;
    if ((r.filter_subject ?? "") !== filter) return JSERR.consumerCreateFilterSubjectMismatch;
  }
  // A single server has no replicas to give (checked before the stream is looked up).
  if ((r.num_replicas ?? 0) > 1) return JSERR.replicasNotSupported;
  return null;
}

// setConsumerConfigDefaults.
function withDefaults(r: Request, stream: ConsumerStream, limits: ConsumerServerLimits): ConsumerConfig {
  const push = (r.deliver_subject ?? "") !== "";
  const ackPolicy = r.ack_policy ?? "none";
  const acks = ackPolicy !== "none";
  const streamLimits = stream.consumerLimits ?? {};

  let maxWaiting = r.max_waiting ?? 0;
  if (!push && maxWaiting === 0) maxWaiting = DEFAULT_MAX_WAITING;
  let ackWait = r.ack_wait ?? 0;
  if (ackWait === 0 && acks) ackWait = DEFAULT_ACK_WAIT;
  // 0 and, from 2.11, any other negative mean no limit, kept as -1 (2.10
  // echoes e.g. -5 back and treats it as unlimited).
  let maxDeliver = r.max_deliver ?? 0;
  if (maxDeliver === 0 || maxDeliver < -1) maxDeliver = -1;
  const backoff = r.backoff ?? [];
  // The first backoff is the first redelivery's wait.
  if (backoff.length > 0) ackWait = backoff[0]!;
  let maxAckPending = r.max_ack_pending ?? 0;
  if (maxAckPending < -1) maxAckPending = -1; // as max_deliver, from 2.11
  if (maxAckPending === 0) maxAckPending = streamLimits.max_ack_pending ?? 0;
  let inactive = nonNegative(r.inactive_threshold);
  if (inactive === 0) inactive = streamLimits.inactive_threshold ?? 0;
  if (acks && maxAckPending === 0) {
    maxAckPending = DEFAULT_MAX_ACK_PENDING;
    const server = limits.maxAckPending ?? 0;
    if (server > 0 && server < maxAckPending) maxAckPending = server;
  }
  let maxBatch = r.max_batch ?? 0;
  if (!push && maxBatch === 0 && (limits.maxRequestBatch ?? 0) > 0) maxBatch = limits.maxRequestBatch!;

  const config: ConsumerConfig = {
    deliver_policy: r.deliver_policy === undefined || r.deliver_policy === "undefined" ? "all" : r.deliver_policy,
    ack_policy: ackPolicy,
    ack_wait: ackWait,
    max_deliver: maxDeliver,
    replay_policy: r.replay_policy ?? "instant",
    max_waiting: maxWaiting,
    max_ack_pending: maxAckPending,
    num_replicas: r.num_replicas ?? 0,
  };
  // Go's zero values are absent. Negative durations and byte counts become 0,
  // as from 2.11 (2.10 keeps them, and a negative heartbeat then fires at once).
  const set = <K extends keyof ConsumerConfig>(k: K, v: ConsumerConfig[K] | undefined, zero: unknown) => {
    if (v !== undefined && v !== zero) config[k] = v;
  };
  set("durable_name", r.durable_name, "");
  set("name", r.name, "");
  set("description", r.description, "");
  set("opt_start_seq", r.opt_start_seq, 0);
  set("opt_start_time", r.opt_start_time, undefined);
  if (backoff.length > 0) config.backoff = backoff;
  set("filter_subject", r.filter_subject, "");
  if ((r.filter_subjects ?? []).length > 0) config.filter_subjects = r.filter_subjects;
  set("rate_limit_bps", r.rate_limit_bps, 0);
  set("sample_freq", r.sample_freq, "");
  set("idle_heartbeat", nonNegative(r.idle_heartbeat), 0);
  set("flow_control", r.flow_control, false);
  set("headers_only", r.headers_only, false);
  set("max_batch", maxBatch, 0);
  set("max_expires", nonNegative(r.max_expires), 0);
  set("max_bytes", nonNegative(r.max_bytes), 0);
  set("deliver_subject", r.deliver_subject, "");
  set("deliver_group", r.deliver_group, "");
  set("inactive_threshold", inactive, 0);
  set("mem_storage", r.mem_storage, false);
  if (r.metadata !== undefined && Object.keys(r.metadata).length > 0) config.metadata = r.metadata;
  return config;
}

function nonNegative(v: number | undefined): number {
  return v === undefined || v < 0 ? 0 : v;
}

// checkConsumerCfg, for a single server whose streams have one replica.
function checkConfig(
  c: ConsumerConfig,
  r: Request,
  stream: ConsumerStream,
  limits: ConsumerServerLimits,
): ApiError | null {
  if (c.num_replicas < 0) return JSERR.replicasCountCannotBeNegative;
  // From 2.12: a negative wait would redeliver every message at once, forever.
  if ((r.ack_wait ?? 0) < 0) return JSERR.consumerAckWaitNegative;
  const backoff = c.backoff ?? [];
  if (backoff.some((b) => b < 0)) return JSERR.consumerBackOffNegative;
  // Each redelivery takes the next backoff; 2.9.10 also refused max_deliver -1 here.
  if (backoff.length > 0 && c.max_deliver !== -1 && backoff.length > c.max_deliver) {
    return JSERR.consumerMaxDeliverBackoff;
  }
  if (utf8Length(c.description ?? "") > MAX_DESCRIPTION_LEN) return consumerDescriptionTooLong(MAX_DESCRIPTION_LEN);

  const push = c.deliver_subject !== undefined;
  const heartbeat = c.idle_heartbeat ?? 0;
  if (push) {
    const deliver = c.deliver_subject!;
    if (hasWildcardToken(deliver)) return JSERR.consumerDeliverToWildcards;
    if (!isValidSubject(deliver)) return JSERR.consumerInvalidDeliverSubject;
    // The stream would store what it delivers, and deliver it again.
    if (stream.subjects.some((s) => subjectIsSubsetMatch(deliver, s))) return JSERR.consumerDeliverCycle;
    if (c.max_waiting !== 0) return JSERR.consumerPushMaxWaiting;
    if (c.max_ack_pending > 0 && c.ack_policy === "none") return JSERR.consumerMaxPendingAckPolicyRequired;
    if (heartbeat > 0 && heartbeat < MIN_HEARTBEAT) return JSERR.consumerSmallHeartbeat;
  } else {
    if (c.ack_policy === "none" && stream.retention === "workqueue") return JSERR.consumerPullRequiresAck;
    if ((c.rate_limit_bps ?? 0) > 0) return JSERR.consumerPullWithRateLimit;
    if (c.max_waiting < 0) return JSERR.consumerMaxWaitingNegative;
    if (heartbeat > 0) return JSERR.consumerHBRequiresPush;
    if (c.flow_control === true) return JSERR.consumerFCRequiresPush;
    if ((c.max_batch ?? 0) < 0) return JSERR.consumerMaxRequestBatchNegative;
    const maxExpires = c.max_expires ?? 0;
    if (maxExpires !== 0 && maxExpires < MS) return JSERR.consumerMaxRequestExpiresTooSmall;
    const serverBatch = limits.maxRequestBatch ?? 0;
    if (serverBatch > 0 && (c.max_batch ?? 0) > serverBatch) return consumerMaxRequestBatchExceeded(serverBatch);
  }
  const serverPending = limits.maxAckPending ?? 0;
  if (serverPending > 0 && c.max_ack_pending > serverPending) return consumerMaxPendingAckExcess(serverPending);
  const streamLimits = stream.consumerLimits ?? {};
  const streamPending = streamLimits.max_ack_pending ?? 0;
  if (streamPending > 0 && c.max_ack_pending > streamPending) return consumerMaxPendingAckExcess(streamPending);
  const streamInactive = streamLimits.inactive_threshold ?? 0;
  if (streamInactive > 0 && (c.inactive_threshold ?? 0) > streamInactive) {
    return consumerInactiveThresholdExcess(formatGoDuration(streamInactive));
  }

  if (r.direct === true) {
    // nats-server's own rules first, then ours: a direct consumer serves
    // another server's mirror or source, which nothing here sets up.
    if (!push) return JSERR.consumerDirectRequiresPush;
    if (c.durable_name !== undefined) return JSERR.consumerDirectRequiresEphemeral;
    return consumerCreate("consumer direct is not supported");
  }

  const filterProblem = checkFilters(c);
  if (filterProblem !== null) return filterProblem;
  const policyProblem = checkStartPolicy(c);
  if (policyProblem !== null) return consumerInvalidPolicy(policyProblem);

  if (c.sample_freq !== undefined) {
    const s = c.sample_freq.endsWith("%") ? c.sample_freq.slice(0, -1) : c.sample_freq;
    const n = goAtoi(s);
    if (typeof n === "string") return consumerInvalidSampling(n);
    // nats-server passes the nil error of a negative number into the text.
    if (n < 0) return consumerInvalidSampling("<nil>");
  }
  // Flow control rides on heartbeats: a stalled consumer is told so in them.
  if (c.flow_control === true && heartbeat === 0) return JSERR.consumerWithFlowControlNeedsHeartbeats;
  if (c.durable_name !== undefined && c.name !== undefined && c.name !== c.durable_name) {
    return JSERR.consumerCreateDurableAndNameMismatch;
  }
  let metadataLen = 0;
  for (const [k, v] of Object.entries(c.metadata ?? {})) metadataLen += utf8Length(k) + utf8Length(v);
  if (metadataLen > MAX_METADATA_LEN) return consumerMetadataLength(`${MAX_METADATA_LEN / 1024}KB`);

  // nats-server checks these after the name, when it knows the consumer is new;
  // an update cannot change ack or deliver policy anyway.
  if (stream.retention === "workqueue") {
    if (c.ack_policy !== "explicit") return JSERR.consumerWQRequiresExplicitAck;
    if (c.deliver_policy !== "all") return JSERR.consumerWQConsumerNotDeliverAll;
  }
  return null;
}

// nats-server 2.10 no longer asks that filters lie inside the stream's subjects
// (2.9.10 refused with consumerFilterNotSubset): a stream's subjects may change,
// and a filter that matches nothing yet only delivers nothing.
function checkFilters(c: ConsumerConfig): ApiError | null {
  const one = c.filter_subject;
  const many = c.filter_subjects ?? [];
  if (one !== undefined && many.length > 0) return JSERR.consumerDuplicateFilterSubjects;
  if (one !== undefined && !isValidSubject(one)) return streamInvalidConfig("invalid subject");
  if (many.includes("")) return JSERR.consumerEmptyFilter;
  const filters = one !== undefined ? [one] : many;
  for (let i = 0; i < filters.length; i++) {
    if (!isValidSubject(filters[i]!)) return streamInvalidConfig("invalid subject");
    // A message matching two filters would be delivered as if once per filter.
    for (let k = 0; k < filters.length; k++) {
      if (k !== i && subjectsCollide(filters[i]!, filters[k]!)) return JSERR.consumerOverlappingSubjectFilters;
    }
  }
  return null;
}

// The start position options each deliver policy takes, in nats-server's words
// ("optional start start sequence" included).
function checkStartPolicy(c: ConsumerConfig): string | null {
  const badStart = (dp: string, start: string) =>
    `consumer delivery policy is deliver ${dp}, but optional start ${start} is also set`;
  const notSet = (dp: string, what: string) =>
    `consumer delivery policy is deliver ${dp}, but optional ${what} is not set`;
  const seq = (c.opt_start_seq ?? 0) > 0;
  const time = c.opt_start_time !== undefined;
  switch (c.deliver_policy) {
    case "all":
    case "last":
    case "new": {
      if (seq) return badStart(c.deliver_policy, "sequence");
      if (time) return badStart(c.deliver_policy, "time");
      return null;
    }
    case "last_per_subject":
      if (seq) return badStart("last per subject", "sequence");
      if (time) return badStart("last per subject", "time");
      if (c.filter_subject === undefined && c.filter_subjects === undefined) {
        return notSet("last per subject", "filter subject");
      }
      return null;
    case "by_start_sequence":
      if (!seq) return notSet("by start sequence", "start sequence");
      if (time) return badStart("by start sequence", "time");
      return null;
    case "by_start_time":
      if (!time) return notSet("by start time", "start time");
      if (seq) return badStart("by start time", "start sequence");
      return null;
  }
}

// nats-server's subjectIsLiteral, inverted: a `*` or `>` standing as a whole token.
function hasWildcardToken(subject: string): boolean {
  for (let i = 0; i < subject.length; i++) {
    const c = subject[i];
    if (c !== "*" && c !== ">") continue;
    if ((i === 0 || subject[i - 1] === ".") && (i + 1 === subject.length || subject[i + 1] === ".")) return true;
  }
  return false;
}

// nats-server's isValidName: names are subject tokens and file names.
const NOT_IN_NAMES: ReadonlySet<string> = new Set([" ", "\t", "\r", "\n", "\f", ".", "*", ">"]);

function isValidName(name: string): boolean {
  if (name === "") return false;
  for (const c of name) if (NOT_IN_NAMES.has(c)) return false;
  return true;
}

// Limits count the bytes Go counts.
function utf8Length(s: string): number {
  return encode(s).length;
}

/** The consumer's name: its durable name, else its name. */
export function consumerName(c: ConsumerConfig): string {
  return c.durable_name !== undefined && c.durable_name !== "" ? c.durable_name : (c.name ?? "");
}

/**
 * A name for a consumer whose request gave none: 8 characters of [0-9A-Za-z],
 * as nats-server's createConsumerName (a hash of a random NUID, each byte
 * taken modulo 62). Callers make sure no other consumer of the stream has it.
 */
export function newEphemeralName(): string {
  return randomToken(8);
}

/**
 * The configuration as nats-server writes it: its field order, and the
 * omitempty fields left out when empty. goJson() of it is nats-server's bytes.
 */
export function consumerConfigJson(c: ConsumerConfig): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const put = (k: string, v: unknown, zero: unknown) => {
    if (v !== undefined && v !== zero && !(Array.isArray(v) && v.length === 0)) o[k] = v;
  };
  put("durable_name", c.durable_name, "");
  put("name", c.name, "");
  put("description", c.description, "");
  o.deliver_policy = c.deliver_policy;
  put("opt_start_seq", c.opt_start_seq, 0);
  put("opt_start_time", c.opt_start_time, "");
  o.ack_policy = c.ack_policy;
  put("ack_wait", c.ack_wait, 0);
  put("max_deliver", c.max_deliver, 0);
  put("backoff", c.backoff, null);
  put("filter_subject", c.filter_subject, "");
  put("filter_subjects", c.filter_subjects, null);
  o.replay_policy = c.replay_policy;
  put("rate_limit_bps", c.rate_limit_bps, 0);
  put("sample_freq", c.sample_freq, "");
  put("max_waiting", c.max_waiting, 0);
  put("max_ack_pending", c.max_ack_pending, 0);
  put("idle_heartbeat", c.idle_heartbeat, 0);
  put("flow_control", c.flow_control, false);
  put("headers_only", c.headers_only, false);
  put("max_batch", c.max_batch, 0);
  put("max_expires", c.max_expires, 0);
  put("max_bytes", c.max_bytes, 0);
  put("deliver_subject", c.deliver_subject, "");
  put("deliver_group", c.deliver_group, "");
  put("inactive_threshold", c.inactive_threshold, 0);
  o.num_replicas = c.num_replicas;
  put("mem_storage", c.mem_storage, false);
  // Go writes a map's keys sorted.
  const metadata = Object.entries(c.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (metadata.length > 0) o.metadata = Object.fromEntries(metadata);
  return o;
}

/**
 * Whether two configurations (both from checkConsumerConfig) are the same, as
 * nats-server compares them (reflect.DeepEqual): a create with action "create"
 * of a consumer that exists answers with it when they are, and with
 * consumerAlreadyExists when not.
 *
 * nats-server 2.10 compares the request before it stamps an ephemeral's
 * default inactive_threshold, so it refuses to create the same ephemeral twice;
 * both sides here have the default, so the second create answers as the first.
 */
export function sameConsumerConfig(a: ConsumerConfig, b: ConsumerConfig): boolean {
  return JSON.stringify(consumerConfigJson(a)) === JSON.stringify(consumerConfigJson(b));
}
