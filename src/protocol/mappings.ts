// An account's subject mappings: what a message published to one subject is
// published to instead, as nats-server's account mappings (server/accounts.go
// AddWeightedMappings, selectMappedSubject). A mapping has one destination or
// several with weights (percentages, chosen per message); weights under 100 leave
// the rest to the subject itself, unless the subject is one of the destinations,
// when the rest is dropped. Destinations scoped to a `cluster` apply where the
// server is in that cluster: here, a shard in that region (REGIONS).
//
// The first mapping whose source matches is the one used. A mapping changes what a
// client or a leafnode publishes, before permissions are checked, and nothing else:
// messages between shards were mapped where they were published.

import { isValidSubject, matchesLiteral } from "./subject.js";
import { MappingError, SubjectTransform } from "./subject-transform.js";

/** One destination as configured: `subject` with `weight` percent, in `cluster` only when set. */
export interface MapDestination {
  readonly subject: string;
  readonly weight: number;
  readonly cluster: string | null;
}

/** A destination with the cumulative weight that selects it. */
interface Weighted {
  readonly transform: SubjectTransform;
  readonly upTo: number;
}

interface Mapping {
  readonly source: string;
  readonly wildcard: boolean;
  readonly all: readonly Weighted[];
  readonly byCluster: ReadonlyMap<string, readonly Weighted[]>;
  /** The same destination for a subject every time (cached). */
  readonly fixed: boolean;
}

/** Subjects mapped before, with their destinations (null: not mapped), up to this many. */
const CACHE_MAX = 4096;

export class Mappings {
  private readonly list: Mapping[] = [];
  private readonly cache = new Map<string, string | null>();

  /** The sources, for leafnodes: a leaf must send what is published to them. */
  get sources(): string[] {
    return this.list.map((m) => m.source);
  }

  get size(): number {
    return this.list.length;
  }

  /** Adds (or replaces) the mapping of `source`; throws MappingError in nats-server's words. */
  add(source: string, dests: readonly MapDestination[]): void {
    if (!isValidSubject(source)) throw new MappingError("invalid subject");
    const wildcard = source.split(".").some((t) => t === "*" || t === ">");
    const seen = new Set<string>();
    const total = new Map<string, number>();
    const all: { transform: SubjectTransform; weight: number }[] = [];
    const scoped = new Map<string, { transform: SubjectTransform; weight: number }[]>();
    for (const d of dests) {
      if (seen.has(d.subject)) throw new MappingError(`duplicate entry for ${JSON.stringify(d.subject)}`);
      seen.add(d.subject);
      if (d.weight > 100) throw new MappingError("individual weights need to be <= 100");
      const sum = (total.get(d.cluster ?? "") ?? 0) + d.weight;
      if (sum > 100) throw new MappingError("total weight needs to be <= 100");
      total.set(d.cluster ?? "", sum);
      const entry = { transform: SubjectTransform.create(source, d.subject), weight: d.weight };
      if (d.cluster === null) all.push(entry);
      else scoped.set(d.cluster, [...(scoped.get(d.cluster) ?? []), entry]);
    }
    // What the weights leave goes to the subject itself, unless it is a destination: then it is dropped.
    const weigh = (list: { transform: SubjectTransform; weight: number }[]): Weighted[] => {
      const sum = list.reduce((n, d) => n + d.weight, 0);
      if (sum !== 100 && !seen.has(source)) {
        list.push({ transform: SubjectTransform.create(source, identity(source)), weight: list.length === 0 ? 100 : 100 - sum });
      }
      let upTo = 0;
      return [...list].sort((a, b) => a.weight - b.weight).map((d) => ({ transform: d.transform, upTo: (upTo += d.weight) }));
    };
    const byCluster = new Map([...scoped].map(([c, list]) => [c, weigh(list)] as const));
    const weighted = weigh(all);
    // Cached per subject: one destination, the same for every message and in every region.
    const fixed = byCluster.size === 0 && weighted.length === 1 && weighted[0].upTo === 100 && !weighted[0].transform.random;
    const mapping: Mapping = { source, wildcard, all: weighted, byCluster, fixed };
    const i = this.list.findIndex((m) => m.source === source);
    if (i >= 0) this.list[i] = mapping;
    else this.list.push(mapping);
    this.cache.clear();
  }

  /**
   * What a message published to the literal `subject` is published to instead: null when
   * no mapping applies, "" when the mapping drops it. `cluster` is the publisher's region.
   */
  map(subject: string, cluster: string | null, rand: () => number = Math.random): string | null {
    const cached = this.cache.get(subject);
    if (cached !== undefined) return cached;
    const m = this.list.find((m) => (m.wildcard ? matchesLiteral(subject, m.source) : m.source === subject));
    if (m === undefined) return this.remember(subject, null);
    const tokens = subject.split(".");
    if (m.fixed) return this.remember(subject, m.all[0].transform.apply(tokens, rand));
    const dests = (cluster !== null ? m.byCluster.get(cluster) : undefined) ?? m.all;
    // One destination takes everything without a draw.
    const w = dests.length === 1 && dests[0].upTo === 100 ? 0 : Math.floor(rand() * 100);
    const d = dests.find((d) => w < d.upTo);
    return d === undefined ? "" : d.transform.apply(tokens, rand);
  }

  private remember(subject: string, to: string | null): string | null {
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(subject, to);
    return to;
  }
}

/** The source as a destination of itself: each `*` to the wildcard in its place. */
function identity(source: string): string {
  let n = 0;
  return source
    .split(".")
    .map((t) => (t === "*" ? `$${++n}` : t))
    .join(".");
}
