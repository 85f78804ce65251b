// The subject trie: which subscriptions a published subject reaches.
//
// Modelled on nats-server's sublist (server/sublist.go, server/gsl/gsl.go): one
// level per token, each level holding literal children in a map plus one `*` slot
// and one `>` slot, so a match walks at most two branches per token instead of
// testing every subscription. Results are cached per subject, since a connection
// usually publishes to the same few subjects over and over.

export interface Subscription {
  readonly subject: string;
  readonly queue: string | null;
}

export interface MatchResult<T extends Subscription> {
  /** Plain (non-queue) subscriptions matching the subject. */
  readonly plain: readonly T[];
  /** One array per matching queue group name (all members of that group that match). */
  readonly groups: readonly (readonly T[])[];
}

export interface Sublist<T extends Subscription> {
  insert(sub: T): void; // identity is the object itself; the same object inserted twice is a caller bug
  remove(sub: T): boolean; // true when it was present
  match(subject: string): MatchResult<T>; // subject is a literal publish subject
  readonly size: number;
}

/** nats-server's slCacheMax. */
export const DEFAULT_MATCH_CACHE_SIZE = 1024;

/**
 * The counts behind nats-server's SublistStats (server/sublist.go), raw so that
 * several sublists can be summed before rates and averages are taken.
 */
export interface SublistCounts {
  subscriptions: number;
  /** Subjects whose results are cached. */
  cached: number;
  inserts: number;
  removes: number;
  matches: number;
  cacheHits: number;
  /** Over the cached results: the largest and the sum of (plain subscriptions + queue groups). */
  maxFanout: number;
  totalFanout: number;
}

const DOT = 0x2e;
const STAR = 0x2a;
const GT = 0x3e;

const LITERAL = 0;
const PWC = 1; // `*`
const FWC = 2; // `>`

// Shared by every miss; frozen because callers receive it by reference.
const EMPTY: MatchResult<never> = Object.freeze({
  plain: Object.freeze([]),
  groups: Object.freeze([]),
});

class Level<T> {
  readonly nodes = new Map<string, Node<T>>();
  pwc: Node<T> | null = null;
  fwc: Node<T> | null = null;
}

class Node<T> {
  next: Level<T> | null = null;
  // Allocated on first use: most nodes are interior and hold no subscription.
  plain: Set<T> | null = null;
  queues: Map<string, Set<T>> | null = null;
}

/**
 * A {@link Sublist} backed by a token trie with a bounded match cache.
 *
 * Results returned by {@link match} are shared (the same object is handed to every
 * caller that matches the same subject until the next change that affects it) and
 * must be treated as read-only. They are never mutated afterwards by the trie, so
 * holding one across an insert/remove is safe: it is a snapshot.
 *
 * `insert` throws on a subject the trie cannot hold (empty token, or a token after
 * `>`); callers validate with `isValidSubject` first to answer `-ERR 'Invalid Subject'`.
 */
export class SubjectTrie<T extends Subscription> implements Sublist<T> {
  private readonly root = new Level<T>();
  private count = 0;
  // Map iteration order is insertion order, so the first key is the oldest entry.
  private readonly cache = new Map<string, MatchResult<T>>();
  private inserts = 0;
  private removes = 0;
  private matches = 0;
  // Misses, not hits, are counted: a hit then costs one increment, a miss is slow anyway.
  private misses = 0;

  /** @param cacheSize maximum cached subjects; 0 disables the cache. */
  constructor(private readonly cacheSize: number = DEFAULT_MATCH_CACHE_SIZE) {}

  get size(): number {
    return this.count;
  }

  insert(sub: T): void {
    const toks = tokenize(sub.subject);
    if (toks === null) throw new Error(`sublist: invalid subject '${sub.subject}'`);
    // Validate everything before touching the trie so a bad subject leaves no debris.
    let wildcard = false;
    for (let i = 0; i < toks.length; i++) {
      const k = kindOf(toks[i]);
      if (k === FWC && i !== toks.length - 1) {
        throw new Error(`sublist: invalid subject '${sub.subject}'`);
      }
      if (k !== LITERAL) wildcard = true;
    }

    let l = this.root;
    let n: Node<T> | null = null;
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i];
      n = childOf(l, t);
      if (n === null) {
        n = new Node<T>();
        const k = kindOf(t);
        if (k === PWC) l.pwc = n;
        else if (k === FWC) l.fwc = n;
        else l.nodes.set(t, n);
      }
      if (i < toks.length - 1) l = n.next ??= new Level<T>();
    }
    const leaf = n as Node<T>;

    let set: Set<T>;
    if (sub.queue === null) {
      set = leaf.plain ??= new Set<T>();
    } else {
      const queues = (leaf.queues ??= new Map<string, Set<T>>());
      let g = queues.get(sub.queue);
      if (g === undefined) queues.set(sub.queue, (g = new Set<T>()));
      set = g;
    }
    // A repeated insert is a caller bug; ignoring it keeps `size` honest.
    if (set.has(sub)) return;
    set.add(sub);
    this.count++;
    this.inserts++;
    this.invalidate(sub.subject, wildcard);
  }

  remove(sub: T): boolean {
    const toks = tokenize(sub.subject);
    if (toks === null) return false;
    // The path walked, kept for pruning bottom-up.
    const levels: Level<T>[] = [];
    const nodes: Node<T>[] = [];
    let l: Level<T> | null = this.root;
    let wildcard = false;
    for (let i = 0; i < toks.length; i++) {
      if (l === null) return false;
      const n: Node<T> | null = childOf(l, toks[i]);
      if (n === null) return false;
      if (kindOf(toks[i]) !== LITERAL) wildcard = true;
      levels.push(l);
      nodes.push(n);
      l = n.next;
    }

    const leaf = nodes[nodes.length - 1];
    if (sub.queue === null) {
      if (leaf.plain === null || !leaf.plain.delete(sub)) return false;
      if (leaf.plain.size === 0) leaf.plain = null;
    } else {
      const queues = leaf.queues;
      if (queues === null) return false;
      const g = queues.get(sub.queue);
      if (g === undefined || !g.delete(sub)) return false;
      if (g.size === 0) {
        queues.delete(sub.queue);
        if (queues.size === 0) leaf.queues = null;
      }
    }
    this.count--;
    this.removes++;

    // Prune empty nodes so a trie that saw churn (inboxes come and go) does not
    // keep growing; stop at the first node still in use, its ancestors are too.
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i];
      if (!isEmptyNode(n)) break;
      const lv = levels[i];
      const k = kindOf(toks[i]);
      if (k === PWC) lv.pwc = null;
      else if (k === FWC) lv.fwc = null;
      else lv.nodes.delete(toks[i]);
      if (i > 0 && isEmptyLevel(lv)) nodes[i - 1].next = null;
    }
    this.invalidate(sub.subject, wildcard);
    return true;
  }

  /** See the class comment: the result is shared and read-only. */
  match(subject: string): MatchResult<T> {
    this.matches++;
    const hit = this.cache.get(subject);
    if (hit !== undefined) return hit;
    this.misses++;
    const result = this.unmatchedAtTop(subject) ? EMPTY : this.walk(subject);
    if (result === null) return EMPTY;

    if (this.cacheSize > 0) {
      this.cache.set(subject, result);
      if (this.cache.size > this.cacheSize) this.sweep();
    }
    return result;
  }

  /**
   * Down to a quarter of the cache, the oldest first, as nats-server's reduceCacheCount
   * (slCacheMax 1024, slCacheSweep 256). One entry out per entry in would walk a Map's
   * deleted slots from its start each time: with subjects used once (acks, inboxes), that
   * cost more than the match.
   */
  private sweep(): void {
    const keep = this.cacheSize >> 2;
    for (const key of this.cache.keys()) {
      if (this.cache.size <= keep) break;
      this.cache.delete(key);
    }
  }

  /**
   * Whether no subscription can match because none starts with the subject's first
   * token (and none with a wildcard): acks and replies to inboxes of other servers are
   * answered without tokenizing them.
   */
  private unmatchedAtTop(subject: string): boolean {
    const root = this.root;
    if (root.pwc !== null || root.fwc !== null) return false;
    const dot = subject.indexOf(".");
    return !root.nodes.has(dot < 0 ? subject : subject.slice(0, dot));
  }

  /** The subscriptions `subject` matches; null for a malformed subject. */
  private walk(subject: string): MatchResult<T> | null {
    // Empty tokens ("foo..bar", ".foo", "foo.") can reach no subscription.
    const toks = tokenize(subject);
    if (toks === null) return null;
    const out = new Collector<T>();
    matchLevel(this.root, toks, 0, out);
    return out.result();
  }

  /** For monitoring; the fan-out walks the cache, as nats-server's Stats does. */
  counts(): SublistCounts {
    let maxFanout = 0;
    let totalFanout = 0;
    for (const r of this.cache.values()) {
      const n = r.plain.length + r.groups.length;
      totalFanout += n;
      if (n > maxFanout) maxFanout = n;
    }
    return {
      subscriptions: this.count,
      cached: this.cache.size,
      inserts: this.inserts,
      removes: this.removes,
      matches: this.matches,
      cacheHits: this.matches - this.misses,
      maxFanout,
      totalFanout,
    };
  }

  // Like nats-server, drop only what the change can affect: a literal
  // subscription changes the result of exactly one publish subject; a wildcard
  // may change any, and clearing beats scanning every key with a matcher.
  private invalidate(subject: string, wildcard: boolean): void {
    if (this.cache.size === 0) return;
    if (wildcard) this.cache.clear();
    else this.cache.delete(subject);
  }
}

/** Gathers results, merging members of one queue group found at several nodes. */
class Collector<T extends Subscription> {
  readonly plain: T[] = [];
  readonly groups: T[][] = [];
  private groupIndex: Map<string, number> | null = null;

  add(n: Node<T>): void {
    if (n.plain !== null) for (const s of n.plain) this.plain.push(s);
    if (n.queues === null) return;
    const index = (this.groupIndex ??= new Map<string, number>());
    for (const [name, members] of n.queues) {
      let i = index.get(name);
      if (i === undefined) {
        i = this.groups.length;
        index.set(name, i);
        this.groups.push([]);
      }
      const g = this.groups[i];
      for (const s of members) g.push(s);
    }
  }

  result(): MatchResult<T> {
    if (this.plain.length === 0 && this.groups.length === 0) return EMPTY;
    return { plain: this.plain, groups: this.groups };
  }
}

// Walks literal and `*` branches in step with the tokens; a `>` slot met at a
// level matches whatever remains, which is at least the current token, so
// `foo.>` never matches `foo`.
function matchLevel<T extends Subscription>(
  start: Level<T> | null,
  toks: readonly string[],
  from: number,
  out: Collector<T>,
): void {
  let l = start;
  let n: Node<T> | null = null;
  let pwc: Node<T> | null = null;
  for (let i = from; i < toks.length; i++) {
    if (l === null) return;
    if (l.fwc !== null) out.add(l.fwc);
    pwc = l.pwc;
    if (pwc !== null) matchLevel(pwc.next, toks, i + 1, out);
    n = l.nodes.get(toks[i]) ?? null;
    l = n === null ? null : n.next;
  }
  // Only the nodes of the last token hold subscriptions that end here.
  if (n !== null) out.add(n);
  if (pwc !== null) out.add(pwc);
}

/** Splits on '.'; null when a token is empty, which no subscription can match. */
function tokenize(subject: string): string[] | null {
  const toks: string[] = [];
  const len = subject.length;
  let start = 0;
  for (let i = 0; i < len; i++) {
    if (subject.charCodeAt(i) === DOT) {
      if (i === start) return null;
      toks.push(subject.slice(start, i));
      start = i + 1;
    }
  }
  if (start >= len) return null; // "" or a trailing '.'
  toks.push(subject.slice(start));
  return toks;
}

// Wildcards only as whole tokens: "foo*" and "*-" are literals.
function kindOf(t: string): number {
  if (t.length !== 1) return LITERAL;
  const c = t.charCodeAt(0);
  return c === STAR ? PWC : c === GT ? FWC : LITERAL;
}

function childOf<T>(l: Level<T>, t: string): Node<T> | null {
  const k = kindOf(t);
  if (k === PWC) return l.pwc;
  if (k === FWC) return l.fwc;
  return l.nodes.get(t) ?? null;
}

function isEmptyLevel<T>(l: Level<T>): boolean {
  return l.nodes.size === 0 && l.pwc === null && l.fwc === null;
}

function isEmptyNode<T>(n: Node<T>): boolean {
  return n.plain === null && n.queues === null && (n.next === null || isEmptyLevel(n.next));
}
