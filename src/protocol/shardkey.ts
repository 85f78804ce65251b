// Which shard owns the interest in a subject. A subject's key is its first
// `depth` tokens; the owner is a hash of the key. A subscription with a wildcard
// among those tokens cannot be keyed: it is registered with every owner.

const DOT = 0x2e;

/**
 * The key of a subscription subject, or null when a wildcard token (`*`, `>`) is
 * among its first `depth` tokens.
 */
export function subscriptionKey(subject: string, depth: number): string | null {
  let start = 0;
  let tokens = 0;
  for (let i = 0; i <= subject.length; i++) {
    if (i < subject.length && subject.charCodeAt(i) !== DOT) continue;
    if (i - start === 1) {
      const c = subject.charCodeAt(start);
      if (c === 0x2a /* * */ || c === 0x3e /* > */) return null;
    }
    if (++tokens === depth) return subject.slice(0, i);
    start = i + 1;
  }
  return subject;
}

/** The key of a publish subject: its first `depth` tokens, wildcard characters being literal there. */
export function publishKey(subject: string, depth: number): string {
  let tokens = 0;
  for (let i = 0; i < subject.length; i++) {
    if (subject.charCodeAt(i) === DOT && ++tokens === depth) return subject.slice(0, i);
  }
  return subject;
}

/**
 * The shard that owns `key` among `shards`: FNV-1a over the key's UTF-16 code
 * units, then murmur3's finalizer. FNV-1a alone is weak in its low bits (modulo
 * a power of two they depend only on the low bits of each character, so keys
 * that differ in their last characters, like sequential ids, can all land on a
 * few shards); the finalizer mixes every bit into every other.
 */
export function ownerOf(key: string, shards: number): number {
  if (shards <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % shards;
}

/**
 * A subject as the cluster handles it: the account's name is its first token,
 * so the account is part of every key and a wildcard of one account never
 * matches another's subjects.
 */
export function clusterSubject(account: string, subject: string): string {
  return `${account}.${subject}`;
}

/** The shard that owns a subject published in `account`, keyed on `depth` tokens after the account. */
export function ownerOfSubject(account: string, subject: string, depth: number, shards: number): number {
  return ownerOf(publishKey(clusterSubject(account, subject), depth + 1), shards);
}
