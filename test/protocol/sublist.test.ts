import { describe, expect, it } from "vitest";
import { SubjectTrie, type Sublist, type Subscription } from "../../src/protocol/sublist";
import { NaiveSublist } from "./naive-sublist";
import { groupIds, plainIds, sub, sublistConformance, type TestSub } from "./sublist-conformance";
import { mulberry32 } from "./random";

sublistConformance("NaiveSublist", () => new NaiveSublist());
sublistConformance("SubjectTrie", () => new SubjectTrie());
sublistConformance("SubjectTrie without cache", () => new SubjectTrie(0));
sublistConformance("SubjectTrie with a 2-entry cache", () => new SubjectTrie(2));

describe("SubjectTrie against the naive reference", () => {
  const TOKENS = ["a", "b", "c", "d", "*x", "x>"]; // the last two are literals that look like wildcards
  const QUEUES = ["q1", "q2", "q3"];

  for (const seed of [1, 42, 20240601]) {
    it(`agrees on random operations (seed ${seed})`, () => {
      const rnd = mulberry32(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
      const depth = () => 1 + Math.floor(rnd() * 4);

      const subjectPattern = (): string => {
        const n = depth();
        const toks: string[] = [];
        for (let i = 0; i < n; i++) toks.push(rnd() < 0.25 ? "*" : pick(TOKENS));
        if (rnd() < 0.2) toks[n - 1] = ">";
        return toks.join(".");
      };
      const publishSubject = (): string => {
        if (rnd() < 0.03) return pick(["", "a..b", ".a", "a.", "."]);
        const n = 1 + Math.floor(rnd() * 5);
        return Array.from({ length: n }, () => pick(TOKENS)).join(".");
      };

      const naive = new NaiveSublist<TestSub>();
      const tries: Sublist<TestSub>[] = [new SubjectTrie(), new SubjectTrie(0), new SubjectTrie(3)];
      const live: TestSub[] = [];
      const dead: TestSub[] = [];
      let matches = 0;

      for (let op = 0; op < 4000; op++) {
        const r = rnd();
        if (r < 0.4 || live.length === 0) {
          const s = sub(subjectPattern(), rnd() < 0.6 ? null : pick(QUEUES));
          naive.insert(s);
          for (const t of tries) t.insert(s);
          live.push(s);
        } else if (r < 0.6) {
          // Mostly live subscriptions, sometimes one already removed.
          const fromDead = dead.length > 0 && rnd() < 0.15;
          const pool = fromDead ? dead : live;
          const i = Math.floor(rnd() * pool.length);
          const s = pool[i];
          const expected = naive.remove(s);
          expect(expected).toBe(!fromDead);
          for (const t of tries) expect(t.remove(s), s.subject).toBe(expected);
          if (!fromDead) {
            live.splice(i, 1);
            dead.push(s);
          }
        } else {
          const p = publishSubject();
          const want = naive.match(p);
          for (const t of tries) {
            const got = t.match(p);
            expect(plainIds(got), p).toEqual(plainIds(want));
            expect(groupIds(got), p).toEqual(groupIds(want));
          }
          matches++;
        }
        for (const t of tries) expect(t.size).toBe(naive.size);
      }
      expect(matches).toBeGreaterThan(1000);

      // Tear down completely: everything removable once, nothing matches after.
      for (const s of live) for (const t of tries) expect(t.remove(s)).toBe(true);
      for (const t of tries) {
        expect(t.size).toBe(0);
        expect(t.match("a.b").plain).toEqual([]);
        expect(isPruned(t)).toBe(true);
      }
    });
  }
});

describe("SubjectTrie internals", () => {
  it("prunes every node once its subscriptions are gone", () => {
    const t = new SubjectTrie<TestSub>();
    const subs = ["a.b.c.d", "a.b", "a.*.c", "a.>", ">", "*.*", "x.y.z"].flatMap((s) => [
      sub(s),
      sub(s, "q"),
    ]);
    for (const s of subs) t.insert(s);
    expect(isPruned(t)).toBe(false);
    for (const s of subs.reverse()) t.remove(s);
    expect(isPruned(t)).toBe(true);
  });

  it("returns the same result object for a repeated match until a change", () => {
    const t = new SubjectTrie<TestSub>();
    t.insert(sub("a.*"));
    const r1 = t.match("a.b");
    expect(t.match("a.b")).toBe(r1);
    t.insert(sub("z"));
    expect(t.match("a.b")).toBe(r1); // a literal elsewhere leaves this entry alone
    t.insert(sub("a.b"));
    expect(t.match("a.b")).not.toBe(r1);
  });

  it("keeps the cache bounded, sweeping it down to a quarter when it overflows", () => {
    const t = new SubjectTrie<TestSub>(8);
    t.insert(sub(">"));
    for (let i = 0; i < 8; i++) t.match(`s.${i}`);
    expect(cacheSize(t)).toBe(8);
    t.match("s.8");
    expect(cacheSize(t)).toBe(2);
    let most = 0;
    for (let i = 9; i < 100; i++) {
      t.match(`s.${i}`);
      most = Math.max(most, cacheSize(t));
    }
    expect(most).toBe(8);
    // The newest stay: s.99 is answered from the cache.
    expect(t.match("s.99")).toBe(t.match("s.99"));
  });

  it("counts what nats-server's sublist stats report", () => {
    const t = new SubjectTrie<TestSub>();
    const a = sub("a.*");
    t.insert(a);
    t.insert(sub("a.b"));
    t.insert(sub("a.b", "q"));
    t.insert(sub("a.b", "q"));
    t.remove(a);
    t.match("a.b"); // miss
    t.match("a.b"); // hit
    t.match("c"); // miss, cached empty
    expect(t.counts()).toEqual({
      subscriptions: 3,
      cached: 2,
      inserts: 4,
      removes: 1,
      matches: 3,
      cacheHits: 1,
      // "a.b": one plain subscription and one queue group; "c": nothing.
      maxFanout: 2,
      totalFanout: 2,
    });
  });
});

// Peeks at private fields on purpose: pruning and the cache bound are not
// visible through the interface, only through memory.
function isPruned(t: Sublist<Subscription>): boolean {
  const root = (t as unknown as { root: { nodes: Map<string, unknown>; pwc: unknown; fwc: unknown } }).root;
  return root.nodes.size === 0 && root.pwc === null && root.fwc === null;
}

function cacheSize(t: SubjectTrie<Subscription>): number {
  return (t as unknown as { cache: Map<string, unknown> }).cache.size;
}
