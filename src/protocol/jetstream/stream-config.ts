// A stream's configuration: what a create or update request may say, the
// defaults nats-server fills in, the requests it refuses and in which words, and
// the JSON it answers with. Ported from nats-server 2.9.10 server/stream.go
// (checkStreamCfg, configUpdateCheck) and server/jetstream_api.go
// (jsStreamCreateRequest, jsStreamUpdateRequest), checked against its answers.
// Where a later nats-server closed a hole, we follow the later one (each place
// says so). Checks that need the other streams (name in use, subjects claimed
// by another stream, account limits) are the caller's, with subjectsOverlap.

import { isValidSubject } from "../subject.js";
import { type ApiError, invalidJson, JSERR, streamCreate, streamInvalidConfig } from "./api-errors.js";
import { decodeGoStruct } from "./go-decode.js";
import { STREAM_CONFIG_FIELDS } from "./stream-config-fields.js";
import { subjectIsSubsetMatch, subjectsCollide } from "./subject-collide.js";

export type RetentionPolicy = "limits" | "interest" | "workqueue";
export type DiscardPolicy = "old" | "new";
export type StorageType = "file" | "memory";

export interface Placement {
  cluster?: string;
  tags?: string[];
}

/** Defaults for the stream's consumers (nats-server 2.10). */
export interface StreamConsumerLimits {
  inactive_threshold?: number;
  max_ack_pending?: number;
}

/**
 * A stream's configuration after defaults, with nats-server's JSON names.
 * Durations are nanoseconds; -1 means unlimited. Optional fields are absent when
 * they hold Go's zero value (nats-server omits them from its JSON).
 */
export interface StreamConfig {
  name: string;
  description?: string;
  subjects: string[];
  retention: RetentionPolicy;
  max_consumers: number;
  max_msgs: number;
  max_bytes: number;
  max_age: number;
  max_msgs_per_subject: number;
  max_msg_size: number;
  discard: DiscardPolicy;
  storage: StorageType;
  num_replicas: number;
  no_ack?: boolean;
  duplicate_window: number;
  placement?: Placement;
  /** 2.10; kept as sent. Storage compression is invisible to clients. */
  compression?: "none" | "s2";
  /** 2.10: the sequence the stream's first message gets. */
  first_seq?: number;
  allow_direct: boolean;
  mirror_direct: boolean;
  discard_new_per_subject?: boolean;
  sealed: boolean;
  deny_delete: boolean;
  deny_purge: boolean;
  allow_rollup_hdrs: boolean;
  consumer_limits?: StreamConsumerLimits;
  metadata?: Record<string, string>;
}

export interface StreamLimits {
  /**
   * The server's max_payload. nats-server does not hold max_msg_size to it (2.9.10
   * takes a max_msg_size of 9999999 under the default 1 MiB max_payload): no
   * message larger than max_payload reaches a stream anyway.
   */
  readonly maxPayload: number;
  /** The account requires every stream to set max_bytes. */
  readonly maxBytesRequired?: boolean;
  /** The account's limit on one stream's max_bytes; 0 or absent for none. */
  readonly maxStreamBytes?: number;
}

export type StreamConfigResult = { ok: true; config: StreamConfig } | { ok: false; error: ApiError };

// nats-server's limits (server/jetstream_api.go, server/stream.go).
const MAX_NAME_LEN = 255;
const MAX_DESCRIPTION_LEN = 4 * 1024;
const MAX_METADATA_LEN = 128 * 1024;
const MAX_REPLICAS = 5;
const MS = 1_000_000;
const DEFAULT_DUPLICATE_WINDOW = 2 * 60 * 1000 * MS;
const MIN_WINDOW = 100 * MS;

/** The request as decoded: the fields it set, by JSON name. */
type Request = Partial<StreamConfig> & {
  template_owner?: string;
  mirror?: unknown;
  sources?: unknown;
  subject_transform?: unknown;
  republish?: unknown;
};

function fail(error: ApiError): { ok: false; error: ApiError } {
  return { ok: false, error };
}

function invalid(text: string): { ok: false; error: ApiError } {
  return fail(streamInvalidConfig(text));
}

function decode(input: unknown): { ok: true; req: Request } | { ok: false; error: ApiError } {
  const d = decodeGoStruct(input, "StreamConfig", STREAM_CONFIG_FIELDS);
  return d.ok ? { ok: true, req: d.value as Request } : fail(invalidJson(d.error));
}

/**
 * A STREAM.CREATE request's configuration (`input` is the parsed JSON body;
 * unparsable JSON is the caller's invalidJson()), for the stream named in the
 * subject. In nats-server's order: the body's name must be the subject's, then
 * the create-only refusals, then the defaults and checks every config gets.
 */
export function checkStreamConfig(input: unknown, nameInSubject: string, limits: StreamLimits): StreamConfigResult {
  const d = decode(input);
  if (!d.ok) return d;
  const req = d.req;
  if ((req.name ?? "") !== nameInSubject) return fail(JSERR.streamMismatch);
  // Stream names become directory names in nats-server's file store.
  if (nameInSubject.includes("/") || nameInSubject.includes("\\")) {
    return fail(JSERR.streamNameContainsPathSeparators);
  }
  if (req.sealed === true) return invalid("stream configuration for create can not be sealed");
  if (req.mirror_direct === true && req.mirror === undefined) {
    return invalid("stream has no mirror but does have mirror direct");
  }
  const r = withDefaults(req, limits);
  if (!r.ok) return r;
  if (r.config.num_replicas > 1) return fail(JSERR.replicasNotSupported);
  // Templates are gone from nats-server 2.10; a config naming one is refused as
  // 2.9.10 refuses a template it does not own.
  if ((req.template_owner ?? "") !== "") return fail(streamCreate("stream not owned by template"));
  return r;
}

/**
 * A STREAM.UPDATE request's configuration against the stream's current one
 * (`old`, null when no stream has the subject's name: nats-server checks the
 * request before it looks the stream up, so an invalid request to a missing
 * stream is answered with what is wrong with it, not "stream not found").
 */
export function checkStreamUpdate(
  old: StreamConfig | null,
  input: unknown,
  nameInSubject: string,
  limits: StreamLimits,
): StreamConfigResult {
  const d = decode(input);
  if (!d.ok) return d;
  const req = d.req;
  const r = withDefaults(req, limits);
  if (!r.ok) return r;
  const cfg = r.config;
  if (cfg.name !== nameInSubject) return fail(JSERR.streamMismatch);
  if (old === null) return fail(JSERR.streamNotFound);
  if (cfg.name !== old.name) return invalid("stream configuration name must match original");
  // 2.9.10 takes num_replicas 3 on a single server and echoes it; 2.11 refuses as create does.
  if (cfg.num_replicas > 1) return fail(JSERR.replicasNotSupported);
  if (cfg.max_consumers !== old.max_consumers) {
    return invalid("stream configuration update can not change MaxConsumers");
  }
  if (cfg.storage !== old.storage) return invalid("stream configuration update can not change storage type");
  if (cfg.retention !== old.retention) return invalid("stream configuration update can not change retention policy");
  if ((req.template_owner ?? "") !== "") return invalid("stream configuration update can not be owned by a template");
  // Sealed, deny_delete and deny_purge are promises to readers: once made, kept.
  if (!cfg.sealed && old.sealed) return invalid("stream configuration update can not unseal a sealed stream");
  if (!cfg.deny_delete && old.deny_delete) {
    return invalid("stream configuration update can not cancel deny message deletes");
  }
  if (!cfg.deny_purge && old.deny_purge) return invalid("stream configuration update can not cancel deny purge");
  if (cfg.sealed) {
    // A sealed stream loses nothing and takes nothing: no expiry, no deletes,
    // no purges, no rollups. The duplicate window keeps what max_age gave it.
    cfg.max_age = 0;
    cfg.discard = "new";
    cfg.deny_delete = true;
    cfg.deny_purge = true;
    cfg.allow_rollup_hdrs = false;
  }
  return { ok: true, config: cfg };
}

// nats-server's checkStreamCfg, for a single server.
function withDefaults(req: Request, limits: StreamLimits): StreamConfigResult {
  const name = req.name ?? "";
  if (!isValidName(name)) return invalid("stream name is required and can not contain '.', '*', '>'");
  if (utf8Length(name) > MAX_NAME_LEN) {
    return invalid(`stream name is too long, maximum allowed is ${MAX_NAME_LEN}`);
  }
  const description = req.description ?? "";
  if (utf8Length(description) > MAX_DESCRIPTION_LEN) {
    return invalid(`stream description is too long, maximum allowed is ${MAX_DESCRIPTION_LEN}`);
  }
  const metadata = req.metadata ?? {};
  let metadataLen = 0;
  for (const [k, v] of Object.entries(metadata)) metadataLen += utf8Length(k) + utf8Length(v);
  if (metadataLen > MAX_METADATA_LEN) {
    return invalid(`stream metadata exceeds maximum size of ${MAX_METADATA_LEN} bytes`);
  }

  let replicas = req.num_replicas ?? 0;
  if (replicas === 0) replicas = 1;
  if (replicas > MAX_REPLICAS) return invalid(`maximum replicas is ${MAX_REPLICAS}`);
  if (replicas < 0) return fail(JSERR.replicasCountCannotBeNegative);

  const maxAge = req.max_age ?? 0;
  // 2.9.10 lets a negative max_age through to the duplicate window checks, which
  // then refuse it in their own words; 2.11 says what is wrong.
  if (maxAge < 0) return invalid("max age can not be negative");
  let duplicates = req.duplicate_window ?? 0;
  if (duplicates === 0) {
    duplicates = maxAge !== 0 && maxAge < DEFAULT_DUPLICATE_WINDOW ? maxAge : DEFAULT_DUPLICATE_WINDOW;
  }
  if (maxAge > 0 && maxAge < MIN_WINDOW) return invalid("max age needs to be >= 100ms");
  if (duplicates < 0) return invalid("duplicates window can not be negative");
  if (maxAge !== 0 && duplicates > maxAge) return invalid("duplicates window can not be larger then max age");
  if (duplicates > 0 && duplicates < MIN_WINDOW) return invalid("duplicates window needs to be >= 100ms");

  const denyPurge = req.deny_purge ?? false;
  const allowRollup = req.allow_rollup_hdrs ?? false;
  if (denyPurge && allowRollup) return invalid("roll-ups require the purge permission");

  const discard = req.discard ?? "old";
  const maxMsgsPer = unlimited(req.max_msgs_per_subject);
  const discardNewPer = req.discard_new_per_subject ?? false;
  if (discardNewPer) {
    if (discard !== "new") return invalid("discard new per subject requires discard new policy to be set");
    if (maxMsgsPer <= 0) return invalid("discard new per subject requires max msgs per subject > 0");
  }

  // Each of these needs machinery a stream object here does not have.
  if (req.mirror !== undefined) return invalid("stream mirrors are not supported");
  if (req.sources !== undefined && !(Array.isArray(req.sources) && req.sources.length === 0)) {
    return invalid("stream sources are not supported");
  }
  if (req.republish !== undefined) return invalid("stream republish is not supported");
  if (req.subject_transform !== undefined) return invalid("stream subject transforms are not supported");

  const noAck = req.no_ack ?? false;
  const subjects = req.subjects !== undefined && req.subjects.length > 0 ? req.subjects : [name];
  const problem = subjectsProblem(subjects, noAck);
  if (problem !== null) return invalid(problem);

  const maxBytes = unlimited(req.max_bytes);
  if (limits.maxBytesRequired === true && maxBytes <= 0) return fail(JSERR.streamMaxBytesRequired);
  const maxStreamBytes = limits.maxStreamBytes ?? 0;
  if (maxStreamBytes > 0 && maxBytes > maxStreamBytes) return fail(JSERR.streamMaxStreamBytesExceeded);

  // Two subjects of one stream that share a message would store it twice.
  for (const a of subjects) {
    for (const b of subjects) {
      if (a !== b && subjectsCollide(b, a)) {
        return invalid(`subject ${JSON.stringify(a)} overlaps with ${JSON.stringify(b)}`);
      }
    }
  }

  const config: StreamConfig = {
    name,
    subjects,
    retention: req.retention ?? "limits",
    max_consumers: unlimited(req.max_consumers),
    max_msgs: unlimited(req.max_msgs),
    max_bytes: maxBytes,
    max_age: maxAge,
    max_msgs_per_subject: maxMsgsPer,
    max_msg_size: unlimited(req.max_msg_size),
    discard,
    storage: req.storage ?? "file",
    num_replicas: replicas,
    duplicate_window: duplicates,
    allow_direct: req.allow_direct ?? false,
    mirror_direct: req.mirror_direct ?? false,
    sealed: req.sealed ?? false,
    deny_delete: req.deny_delete ?? false,
    deny_purge: denyPurge,
    allow_rollup_hdrs: allowRollup,
  };
  if (description !== "") config.description = description;
  if (noAck) config.no_ack = true;
  if (req.placement !== undefined) config.placement = req.placement;
  if (req.compression !== undefined) config.compression = req.compression;
  if ((req.first_seq ?? 0) > 0) config.first_seq = req.first_seq;
  if (discardNewPer) config.discard_new_per_subject = true;
  if (req.consumer_limits !== undefined) config.consumer_limits = req.consumer_limits;
  if (Object.keys(metadata).length > 0) config.metadata = metadata;
  return { ok: true, config };
}

/**
 * 0 (unset) means unlimited, which nats-server stores as -1; so, from 2.11, does
 * any other negative (2.9.10 keeps and echoes e.g. -5, which acts as unlimited).
 */
function unlimited(v: number | undefined): number {
  return v === undefined || v === 0 || v < -1 ? -1 : v;
}

// nats-server's isValidName: names are subject tokens and file names.
function isValidName(name: string): boolean {
  if (name === "") return false;
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\n" || c === "\f" || c === "." || c === "*" || c === ">") {
      return false;
    }
  }
  return true;
}

function subjectsProblem(subjects: readonly string[], noAck: boolean): string | null {
  const seen = new Set<string>();
  for (const subject of subjects) {
    if (seen.has(subject)) return "duplicate subjects detected";
    // The stream would answer API requests with PubAcks.
    if (subjectIsSubsetMatch(subject, "$JS.API.>")) return "subjects overlap with jetstream api";
    if (!isValidSubject(subject)) return "invalid subject";
    seen.add(subject);
    // From 2.11: a stream that would also store (and ack) JetStream's own traffic,
    // acks and API included, must not ack. 2.9.10 only refuses subjects inside $JS.API.
    if (noAck) continue;
    if (subject === ">") return "capturing all subjects requires no-ack to be true";
    for (const internal of ["$JS.>", "$JSC.>", "$NRG.>"]) {
      if (subjectsCollide(subject, internal) && !subjectIsSubsetMatch(subject, "$JS.EVENT.>")) {
        return "subjects that overlap with jetstream api require no-ack to be true";
      }
    }
    if (subjectsCollide(subject, "$SYS.>") && !subjectIsSubsetMatch(subject, "$SYS.ACCOUNT.>")) {
      return "subjects that overlap with system api require no-ack to be true";
    }
  }
  return null;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The configuration as nats-server 2.9.10 writes it: its field order, and the
 * omitempty fields left out when empty (the 2.10 ones appear only when set).
 * goJson() of it is nats-server's bytes; JSON.stringify differs only in not
 * escaping `<`, `>` and `&`.
 */
export function streamConfigJson(c: StreamConfig): Record<string, unknown> {
  const o: Record<string, unknown> = { name: c.name };
  if (c.description !== undefined && c.description !== "") o.description = c.description;
  if (c.subjects.length > 0) o.subjects = c.subjects;
  o.retention = c.retention;
  o.max_consumers = c.max_consumers;
  o.max_msgs = c.max_msgs;
  o.max_bytes = c.max_bytes;
  o.max_age = c.max_age;
  o.max_msgs_per_subject = c.max_msgs_per_subject;
  if (c.max_msg_size !== 0) o.max_msg_size = c.max_msg_size;
  o.discard = c.discard;
  o.storage = c.storage;
  o.num_replicas = c.num_replicas;
  if (c.no_ack === true) o.no_ack = true;
  if (c.duplicate_window !== 0) o.duplicate_window = c.duplicate_window;
  if (c.placement !== undefined) o.placement = placementJson(c.placement);
  if (c.compression !== undefined) o.compression = c.compression;
  if (c.first_seq !== undefined && c.first_seq !== 0) o.first_seq = c.first_seq;
  o.allow_direct = c.allow_direct;
  o.mirror_direct = c.mirror_direct;
  if (c.discard_new_per_subject === true) o.discard_new_per_subject = true;
  o.sealed = c.sealed;
  o.deny_delete = c.deny_delete;
  o.deny_purge = c.deny_purge;
  o.allow_rollup_hdrs = c.allow_rollup_hdrs;
  if (c.consumer_limits !== undefined) o.consumer_limits = consumerLimitsJson(c.consumer_limits);
  if (c.metadata !== undefined && Object.keys(c.metadata).length > 0) o.metadata = sortedMap(c.metadata);
  return o;
}

function placementJson(p: Placement): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (p.cluster !== undefined && p.cluster !== "") o.cluster = p.cluster;
  if (p.tags !== undefined && p.tags.length > 0) o.tags = p.tags;
  return o;
}

function consumerLimitsJson(l: StreamConsumerLimits): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (l.inactive_threshold !== undefined && l.inactive_threshold !== 0) o.inactive_threshold = l.inactive_threshold;
  if (l.max_ack_pending !== undefined && l.max_ack_pending !== 0) o.max_ack_pending = l.max_ack_pending;
  return o;
}

// Go writes a map's keys sorted.
function sortedMap(m: Record<string, string>): Record<string, string> {
  const o: Record<string, string> = {};
  for (const k of Object.keys(m).sort()) o[k] = m[k]!;
  return o;
}

/**
 * Whether a create request's configuration is the existing stream's: nats-server
 * answers a repeated create with the stream, and a different one with
 * streamNameExist. Go compares the structs, where an absent 2.10 field and its
 * zero value ("none", {}) are the same.
 */
export function sameStreamConfig(a: StreamConfig, b: StreamConfig): boolean {
  return JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));
}

function comparable(c: StreamConfig): Record<string, unknown> {
  const o = streamConfigJson(c);
  if (o.compression === "none") delete o.compression;
  if (o.consumer_limits !== undefined && Object.keys(o.consumer_limits as object).length === 0) {
    delete o.consumer_limits;
  }
  return o;
}

/** Whether any subject of `a` could match a message any subject of `b` matches (nats-server's SubjectsCollide). */
export function subjectsOverlap(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a) for (const y of b) if (subjectsCollide(x, y)) return true;
  return false;
}
