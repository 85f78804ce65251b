// Publish and subscribe permissions as nats-server enforces them
// (server/client.go: setPermissions, canSubscribe, queueMatches,
// pubAllowedFullCheck, checkDenySub; server/auth.go validateResponsePermissions).
//
// A compiled Permissions holds nothing that depends on a connection, so one
// instance may serve every connection of a user; what does depend on the
// connection (reply subjects it may answer) lives in a ResponseTracker.

import { SubjectTrie, type MatchResult, type Subscription } from "./sublist.js";

// The texts live with the other client-facing errors; re-exported because a
// permission check and its -ERR always travel together.
export { publishViolation, subscribeViolation } from "./errors.js";

/** allow/deny lists of subject patterns; null when the list is absent. */
export interface SubjectPermission {
  readonly allow: readonly string[] | null;
  readonly deny: readonly string[] | null;
}

/** `allow_responses`: publishing to reply subjects of messages received. */
export interface ResponsePermission {
  /** Replies allowed per request received; nats-server's default is 1; 0 for no limit. */
  readonly maxMsgs: number;
  /** How long a reply subject stays allowed, in ms; 0 for no limit. */
  readonly expiresMs: number;
}

export interface PermissionsConfig {
  readonly publish: SubjectPermission | null;
  readonly subscribe: SubjectPermission | null;
  readonly allowResponses: ResponsePermission | null;
}

/** nats-server's DEFAULT_ALLOW_RESPONSE_MAX_MSGS, for `allow_responses: true` or a 0 `max`. */
export const DEFAULT_ALLOW_RESPONSE_MAX_MSGS = 1;
/** nats-server's DEFAULT_ALLOW_RESPONSE_EXPIRATION (2 minutes), for `allow_responses: true` or a 0 `expires`. */
export const DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS = 2 * 60 * 1000;

// nats-server's maxPermCacheSize and maxDenyPermCacheSize (client.go), and
// pruneSize: how many entries go at once when a cache is full.
const PUBLISH_CACHE_SIZE = 128;
const DELIVERY_CACHE_SIZE = 256;
const PRUNE_SIZE = 32;

/** nats-server's replyPermLimit: past this many tracked replies, stale ones are pruned. */
export const REPLY_PERM_LIMIT = 4096;
/**
 * The most reply subjects a ResponseTracker holds. nats-server prunes only
 * used-up and expired entries, so a responder flooded with requests inside the
 * expiry window grows without bound; here the oldest is forgotten instead.
 */
export const MAX_TRACKED_REPLIES = 4 * REPLY_PERM_LIMIT;

/**
 * nats-server's validateResponsePermissions: `allow_responses` turns the
 * implicit "publish anything" off, so a responder may publish only its
 * replies. A missing publish allow list becomes an empty one; a deny list stays.
 */
export function publishWithResponses(
  publish: SubjectPermission | null,
  responses: ResponsePermission | null,
): SubjectPermission | null {
  if (responses === null || (publish !== null && publish.allow !== null)) return publish;
  return { allow: [], deny: publish?.deny ?? null };
}

interface Entry extends Subscription {
  readonly subject: string;
  readonly queue: string | null;
}

export class Permissions {
  /** `allow_responses` as configured (null when absent); see ResponseTracker. */
  readonly responses: ResponsePermission | null;
  /** True when canDeliver can ever be false: the subscribe deny list names a subject. */
  readonly hasDeliveryFilter: boolean;

  private readonly pubAllow: SubjectTrie<Entry> | null;
  private readonly pubDeny: SubjectTrie<Entry> | null;
  private readonly subAllow: SubjectTrie<Entry> | null;
  private readonly subDeny: SubjectTrie<Entry> | null;
  private readonly deliveryDeny: SubjectTrie<Entry> | null;
  // Map order is insertion order, so pruning drops the oldest entries first.
  private readonly publishCache = new Map<string, boolean>();
  private readonly deliveryCache = new Map<string, boolean>();

  private constructor(cfg: PermissionsConfig) {
    this.responses = cfg.allowResponses;
    const publish = publishWithResponses(cfg.publish, cfg.allowResponses);

    // setPermissions: an empty publish allow list still exists (and allows
    // nothing), while an empty subscribe allow list is no list at all.
    this.pubAllow = publish !== null && publish.allow !== null ? trieOf(publish.allow, false) : null;
    this.pubDeny = publish !== null && nonEmpty(publish.deny) ? trieOf(publish.deny, false) : null;
    const subscribe = cfg.subscribe;
    this.subAllow = subscribe !== null && nonEmpty(subscribe.allow) ? trieOf(subscribe.allow, true) : null;
    this.subDeny = subscribe !== null && nonEmpty(subscribe.deny) ? trieOf(subscribe.deny, true) : null;

    // loadMsgDenyFilter inserts each deny entry whole as a subject; a
    // "subject queue" entry then holds a space and can never match a message,
    // so only the plain entries filter deliveries.
    const plainDenies = subscribe?.deny?.filter((s) => !/\s/.test(s)) ?? [];
    this.deliveryDeny = plainDenies.length > 0 ? trieOf(plainDenies, false) : null;
    this.hasDeliveryFilter = this.deliveryDeny !== null && this.deliveryDeny.size > 0;
  }

  static compile(cfg: PermissionsConfig): Permissions {
    return new Permissions(cfg);
  }

  /**
   * Whether the allow and deny lists let a client publish to `subject` (allow
   * first, then deny). Under `allow_responses` a refusal here may still be
   * overturned by the connection's ResponseTracker.
   */
  canPublish(subject: string): boolean {
    if (this.pubAllow === null && this.pubDeny === null) return true;
    const hit = this.publishCache.get(subject);
    if (hit !== undefined) return hit;
    let allowed = true;
    if (this.pubAllow !== null) allowed = this.pubAllow.match(subject).plain.length > 0;
    if (allowed && this.pubDeny !== null) allowed = this.pubDeny.match(subject).plain.length === 0;
    remember(this.publishCache, subject, allowed, PUBLISH_CACHE_SIZE);
    return allowed;
  }

  /**
   * nats-server's canSubscribe. The subject is matched against the lists as
   * given, so a wildcard token only meets wildcards: allow `foo.*` admits SUB
   * `foo.*` and `foo.bar`, allow `foo.bar` does not admit SUB `foo.*`.
   * Entries "subject queue" govern queue subscriptions: a queue subscription
   * is judged by the queue entries matching its subject when there are any,
   * else by the plain ones; queue names in entries may be wildcards.
   */
  canSubscribe(subject: string, queue: string | null): boolean {
    const q = queue ?? "";
    let allowed = true;
    if (this.subAllow !== null) {
      const r = this.subAllow.match(subject);
      allowed = r.plain.length > 0;
      if (q !== "" && r.groups.length > 0) allowed = queueMatches(q, r.groups);
    }
    if (allowed && this.subDeny !== null) {
      const r = this.subDeny.match(subject);
      allowed = r.plain.length === 0;
      if (q !== "" && r.groups.length > 0) allowed = !queueMatches(q, r.groups);
    }
    return allowed;
  }

  /**
   * Whether a message on `subject` may be delivered to a client holding these
   * permissions. A deny clause does not stop a broader wildcard subscription
   * (deny `foo.bar` still admits SUB `foo.*`), so the messages it names are
   * dropped at delivery instead (checkDenySub).
   *
   * nats-server arms this filter per connection, on the first wildcard SUB
   * that covers a deny entry; here it is always armed. The two differ only
   * where nats-server would deliver a denied subject: through a wildcard that
   * overlaps a deny entry without covering it (deny `foo.*`, SUB `*.bar`), or a
   * queue subscription its deny list let through.
   */
  canDeliver(subject: string): boolean {
    if (this.deliveryDeny === null) return true;
    const hit = this.deliveryCache.get(subject);
    if (hit !== undefined) return hit;
    const allowed = this.deliveryDeny.match(subject).plain.length === 0;
    remember(this.deliveryCache, subject, allowed, DELIVERY_CACHE_SIZE);
    return allowed;
  }
}

/**
 * `allow_responses` for one connection: the reply subjects of messages it
 * received, which it may publish to even where its publish permissions say no
 * (client.go deliverMsg, pubAllowedFullCheck, pruneReplyPerms).
 *
 * `maxMsgs` <= 0 means no limit on replies per request, `expiresMs` <= 0 no
 * expiry; nats-server's defaults for a 0 in the configuration (1 reply, 2
 * minutes) are applied where the configuration is read.
 */
export class ResponseTracker {
  private readonly maxMsgs: number;
  private readonly expiresMs: number;
  // reply -> when it was received and how many responses went to it. Kept in
  // arrival order (a repeat moves to the back), so the oldest is first.
  private readonly replies = new Map<string, { t: number; n: number }>();
  // The size that sets off the next prune; raised after a prune that freed
  // little, so a busy responder is not rescanned on every request.
  private pruneAt: number;

  constructor(
    perm: ResponsePermission,
    private readonly limit: number = MAX_TRACKED_REPLIES,
  ) {
    this.maxMsgs = perm.maxMsgs;
    this.expiresMs = perm.expiresMs;
    this.pruneAt = Math.min(limit, REPLY_PERM_LIMIT);
  }

  /** How many reply subjects are tracked, for tests and monitoring. */
  get size(): number {
    return this.replies.size;
  }

  /** A message with reply subject `reply` was delivered to the connection. */
  received(reply: string, now: number): void {
    if (reply.length === 0) return;
    // A repeat resets the count and the clock, as nats-server's assignment does.
    this.replies.delete(reply);
    this.replies.set(reply, { t: now, n: 0 });
    if (this.replies.size > this.pruneAt) this.prune(now);
  }

  /**
   * Whether publishing to `subject` is allowed as a response; counts it when
   * so. Ask only after the publish permissions said no, as nats-server does:
   * a publish they allow uses up nothing.
   */
  allows(subject: string, now: number): boolean {
    const r = this.replies.get(subject);
    if (r === undefined) return false;
    r.n++;
    if (this.maxMsgs > 0 && r.n > this.maxMsgs) {
      this.replies.delete(subject);
      return false;
    }
    if (this.expiresMs > 0 && now - r.t > this.expiresMs) {
      this.replies.delete(subject);
      return false;
    }
    // The last allowed response: nothing more can be sent to it, so forget it
    // now rather than at the next prune (nats-server refuses the next one).
    if (this.maxMsgs > 0 && r.n >= this.maxMsgs) this.replies.delete(subject);
    return true;
  }

  // Used-up entries are already gone (see allows), and entries are in arrival
  // order, so expired ones are at the front: pruning costs what it removes.
  // Past the limit, the oldest eighth goes in the same pass.
  private prune(now: number): void {
    const keep = this.replies.size > this.limit ? this.limit - (this.limit >> 3) : Infinity;
    for (const [reply, r] of this.replies) {
      const expired = this.expiresMs > 0 && now - r.t > this.expiresMs;
      if (!expired && this.replies.size <= keep) break;
      this.replies.delete(reply);
    }
    this.pruneAt = Math.min(this.limit, Math.max(REPLY_PERM_LIMIT, 2 * this.replies.size));
  }
}

function nonEmpty(list: readonly string[] | null): list is readonly string[] {
  return list !== null && list.length > 0;
}

/**
 * A trie of permission entries. With `queues`, an entry may be "subject queue"
 * (split on whitespace, as nats-server's splitSubjectQueue does); entries it
 * cannot hold are skipped, as nats-server ignores their insert error.
 */
function trieOf(list: readonly string[], queues: boolean): SubjectTrie<Entry> {
  // No match cache: canPublish and canDeliver keep their own, and SUB is rare.
  const trie = new SubjectTrie<Entry>(0);
  for (const raw of list) {
    let subject = raw;
    let queue: string | null = null;
    if (queues) {
      const fields = raw.trim().split(/\s+/);
      if (fields.length > 2 || fields[0] === "") continue;
      subject = fields[0];
      queue = fields.length === 2 ? fields[1] : null;
    }
    try {
      trie.insert({ subject, queue });
    } catch {
      // An empty token or a token after `>`: nothing could match it anyway.
    }
  }
  return trie;
}

function remember(cache: Map<string, boolean>, subject: string, value: boolean, max: number): void {
  cache.set(subject, value);
  if (cache.size <= max) return;
  let n = 0;
  for (const key of cache.keys()) {
    cache.delete(key);
    if (++n > PRUNE_SIZE) break;
  }
}

/** nats-server's queueMatches: the queue equals an entry's, or fits its wildcard. */
function queueMatches(queue: string, groups: MatchResult<Entry>["groups"]): boolean {
  if (groups.length === 0) return true;
  for (const group of groups) {
    // '*' and '>' are also valid in queue names, so the literal name is tried first.
    const name = group[0].queue as string;
    if (queue === name || (hasWildcard(name) && isSubsetMatch(queue, name))) return true;
  }
  return false;
}

/** nats-server's subjectHasWildcard: a `*` or `>` standing as a whole token. */
function hasWildcard(subject: string): boolean {
  const len = subject.length;
  for (let i = 0; i < len; i++) {
    const c = subject.charCodeAt(i);
    if (c !== 0x2a && c !== 0x3e) continue;
    if ((i === 0 || subject.charCodeAt(i - 1) === 0x2e) && (i + 1 === len || subject.charCodeAt(i + 1) === 0x2e)) {
      return true;
    }
  }
  return false;
}

/**
 * nats-server's subjectIsSubsetMatch(subject, test): whether everything
 * `subject` matches is matched by `test`. Ported as is, including that a test
 * token merely starting with `*` acts as a wildcard.
 */
function isSubsetMatch(subject: string, test: string): boolean {
  const tokens = subject.split(".");
  const tts = test.split(".");
  for (let i = 0; i < tts.length; i++) {
    if (i >= tokens.length) return false;
    const t2 = tts[i];
    if (t2.length === 0) return false;
    if (t2 === ">") return true;
    const t1 = tokens[i];
    if (t1.length === 0 || t1 === ">") return false;
    if (t1 === "*") {
      if (t2 !== "*") return false;
      continue;
    }
    if (t2[0] !== "*" && t1 !== t2) return false;
  }
  return tokens.length === tts.length;
}
