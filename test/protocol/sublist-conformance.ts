// One behavioural suite for every Sublist implementation (the naive reference and
// the trie), so they cannot drift apart. Cases follow nats-server's sublist tests.
import { describe, expect, it } from "vitest";
import type { MatchResult, Sublist, Subscription } from "../../src/protocol/sublist";

export interface TestSub extends Subscription {
  readonly id: string;
}

let nextId = 0;
export function sub(subject: string, queue: string | null = null, id?: string): TestSub {
  return { subject, queue, id: id ?? `${subject}${queue === null ? "" : ` ${queue}`}#${nextId++}` };
}

/** Plain subscriptions as sorted ids. */
export function plainIds(r: MatchResult<TestSub>): string[] {
  return r.plain.map((s) => s.id).sort();
}

/**
 * Queue groups as name -> sorted ids. Fails if a group is empty, mixes queue
 * names, or if one name appears in two arrays (groups must be merged).
 */
export function groupIds(r: MatchResult<TestSub>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const g of r.groups) {
    if (g.length === 0) throw new Error("empty group array in result");
    const name = g[0].queue;
    if (name === null) throw new Error("plain subscription in a queue group");
    if (g.some((s) => s.queue !== name)) throw new Error(`group '${name}' mixes queue names`);
    if (name in out) throw new Error(`group '${name}' appears twice`);
    out[name] = g.map((s) => s.id).sort();
  }
  return out;
}

function ids(...subs: TestSub[]): string[] {
  return subs.map((s) => s.id).sort();
}

export function sublistConformance(
  name: string,
  make: <T extends Subscription>() => Sublist<T>,
): void {
  describe(`Sublist conformance: ${name}`, () => {
    const fresh = () => make<TestSub>();

    it("matches a literal subject exactly", () => {
      const sl = fresh();
      const s = sub("foo.bar");
      sl.insert(s);
      expect(plainIds(sl.match("foo.bar"))).toEqual(ids(s));
      for (const miss of ["foo", "foo.baz", "foo.bar.baz", "bar.foo", "fo.bar", "foo.ba"]) {
        expect(plainIds(sl.match(miss)), miss).toEqual([]);
      }
    });

    it("matches `*` at every position, one token only", () => {
      const sl = fresh();
      const first = sub("*.b.c");
      const middle = sub("a.*.c");
      const last = sub("a.b.*");
      const all = sub("*.*.*");
      for (const s of [first, middle, last, all]) sl.insert(s);
      expect(plainIds(sl.match("a.b.c"))).toEqual(ids(first, middle, last, all));
      expect(plainIds(sl.match("x.b.c"))).toEqual(ids(first, all));
      expect(plainIds(sl.match("a.x.c"))).toEqual(ids(middle, all));
      expect(plainIds(sl.match("a.b.x"))).toEqual(ids(last, all));
      expect(plainIds(sl.match("x.y.z"))).toEqual(ids(all));
      expect(plainIds(sl.match("a.b"))).toEqual([]);
      expect(plainIds(sl.match("a.b.c.d"))).toEqual([]);
    });

    it("`*` alone matches any single-token subject", () => {
      const sl = fresh();
      const s = sub("*");
      sl.insert(s);
      expect(plainIds(sl.match("foo"))).toEqual(ids(s));
      expect(plainIds(sl.match("foo.bar"))).toEqual([]);
    });

    it("`*` does not match across tokens", () => {
      const sl = fresh();
      const s = sub("foo.*");
      sl.insert(s);
      expect(plainIds(sl.match("foo.bar"))).toEqual(ids(s));
      expect(plainIds(sl.match("foo.bar.baz"))).toEqual([]);
      expect(plainIds(sl.match("foo"))).toEqual([]);
    });

    it("`>` matches one or more tokens, never zero", () => {
      const sl = fresh();
      const tail = sub("foo.>");
      const all = sub(">");
      const mixed = sub("foo.*.>");
      for (const s of [tail, all, mixed]) sl.insert(s);
      expect(plainIds(sl.match("foo"))).toEqual(ids(all));
      expect(plainIds(sl.match("foo.bar"))).toEqual(ids(tail, all));
      expect(plainIds(sl.match("foo.bar.baz"))).toEqual(ids(tail, all, mixed));
      expect(plainIds(sl.match("foo.bar.baz.qux"))).toEqual(ids(tail, all, mixed));
      expect(plainIds(sl.match("bar.foo"))).toEqual(ids(all));
    });

    it("treats `*` and `>` inside a longer token as literal characters", () => {
      const sl = fresh();
      const dash = sub("foo.*-");
      const star = sub("foo*");
      const gt = sub("foo.>bar");
      const pwc = sub("foo.*");
      for (const s of [dash, star, gt, pwc]) sl.insert(s);
      expect(plainIds(sl.match("foo.*-"))).toEqual(ids(dash, pwc));
      expect(plainIds(sl.match("foo.bar"))).toEqual(ids(pwc));
      expect(plainIds(sl.match("foo*"))).toEqual(ids(star));
      expect(plainIds(sl.match("foox"))).toEqual([]);
      expect(plainIds(sl.match("foo.>bar"))).toEqual(ids(gt, pwc));
      expect(plainIds(sl.match("foo.x.bar"))).toEqual([]);
    });

    it("matches nothing for subjects with empty tokens", () => {
      const sl = fresh();
      for (const s of [sub(">"), sub("*"), sub("foo.>"), sub("foo.*.bar"), sub("*.*")]) sl.insert(s);
      for (const bad of ["", ".", "..", "foo..bar", ".foo", "foo.", "foo.bar.", ".foo.bar"]) {
        const r = sl.match(bad);
        expect(r.plain, JSON.stringify(bad)).toEqual([]);
        expect(r.groups, JSON.stringify(bad)).toEqual([]);
      }
    });

    it("rejects subjects it cannot hold, leaving size unchanged", () => {
      const sl = fresh();
      for (const bad of ["", ".", "foo..bar", ".foo", "foo.", "foo.>.bar", ">.foo"]) {
        expect(() => sl.insert(sub(bad)), JSON.stringify(bad)).toThrow();
      }
      expect(sl.size).toBe(0);
      const ok = sub("foo.bar");
      sl.insert(ok);
      expect(plainIds(sl.match("foo.bar"))).toEqual(ids(ok));
      expect(plainIds(sl.match("foo.x"))).toEqual([]);
    });

    it("groups queue subscribers by queue name, apart from plain ones", () => {
      const sl = fresh();
      const a = sub("foo.bar", "q1");
      const b = sub("foo.bar", "q1");
      const c = sub("foo.bar", "q2");
      const d = sub("foo.bar");
      for (const s of [a, b, c, d]) sl.insert(s);
      const r = sl.match("foo.bar");
      expect(plainIds(r)).toEqual(ids(d));
      expect(groupIds(r)).toEqual({ q1: ids(a, b), q2: ids(c) });
      expect(r.groups).toHaveLength(2);
    });

    it("merges one queue group across the nodes that match", () => {
      const sl = fresh();
      const x = sub("foo.*", "q1");
      const y = sub("foo.bar", "q1");
      const z = sub("foo.>", "q1");
      const w = sub(">", "q2");
      const v = sub("*.bar", "q2");
      const other = sub("foo.baz", "q1");
      for (const s of [x, y, z, w, v, other]) sl.insert(s);
      const r = sl.match("foo.bar");
      expect(plainIds(r)).toEqual([]);
      expect(groupIds(r)).toEqual({ q1: ids(x, y, z), q2: ids(w, v) });
      expect(r.groups).toHaveLength(2);
    });

    it("returns false when removing what is not there", () => {
      const sl = fresh();
      const s = sub("foo.bar");
      expect(sl.remove(s)).toBe(false);
      sl.insert(s);
      expect(sl.remove(sub("foo.bar"))).toBe(false); // same subject, other object
      expect(sl.remove(sub("foo.bar", "q1"))).toBe(false);
      expect(sl.remove(sub("foo.bar.baz"))).toBe(false);
      expect(sl.remove(sub("foo"))).toBe(false);
      expect(sl.remove(sub("foo.*"))).toBe(false);
      expect(sl.remove(sub("foo.>"))).toBe(false);
      expect(sl.remove(sub("foo..bar"))).toBe(false);
      expect(sl.remove(s)).toBe(true);
      expect(sl.remove(s)).toBe(false);
      expect(sl.size).toBe(0);
    });

    it("tracks size across inserts and removes", () => {
      const sl = fresh();
      expect(sl.size).toBe(0);
      const subs = [sub("a"), sub("a.b"), sub("a.*"), sub("a.>"), sub("a", "q"), sub("a", "q")];
      subs.forEach((s, i) => {
        sl.insert(s);
        expect(sl.size).toBe(i + 1);
      });
      subs.forEach((s, i) => {
        expect(sl.remove(s)).toBe(true);
        expect(sl.size).toBe(subs.length - i - 1);
      });
    });

    it("matches nothing once everything is removed, and accepts new subscriptions", () => {
      const sl = fresh();
      const subjects = ["a", "a.b", "a.b.c", "a.*", "a.*.c", "*.b", "a.>", ">", "*"];
      const subs = subjects.flatMap((s) => [sub(s), sub(s, "q")]);
      for (const s of subs) sl.insert(s);
      for (const p of ["a", "a.b", "a.b.c", "x.b", "a.x.c"]) expect(sl.match(p).plain.length).toBeGreaterThan(0);
      for (const s of subs) expect(sl.remove(s)).toBe(true);
      expect(sl.size).toBe(0);
      for (const p of ["a", "a.b", "a.b.c", "x.b", "a.x.c", "z"]) {
        const r = sl.match(p);
        expect(r.plain, p).toEqual([]);
        expect(r.groups, p).toEqual([]);
      }
      const again = sub("a.b");
      sl.insert(again);
      expect(plainIds(sl.match("a.b"))).toEqual(ids(again));
    });

    it("keeps sibling subscriptions when one is removed", () => {
      const sl = fresh();
      const deep = sub("a.b.c");
      const mid = sub("a.b");
      const q1 = sub("a.b", "q");
      const q2 = sub("a.b", "q");
      for (const s of [deep, mid, q1, q2]) sl.insert(s);
      sl.remove(deep);
      expect(plainIds(sl.match("a.b"))).toEqual(ids(mid));
      sl.remove(mid);
      expect(groupIds(sl.match("a.b"))).toEqual({ q: ids(q1, q2) });
      sl.remove(q1);
      expect(groupIds(sl.match("a.b"))).toEqual({ q: ids(q2) });
      sl.remove(q2);
      expect(sl.match("a.b").groups).toEqual([]);
      sl.insert(deep);
      expect(plainIds(sl.match("a.b.c"))).toEqual(ids(deep));
    });

    it("shows inserts and removes at once, even right after a match", () => {
      const sl = fresh();
      expect(plainIds(sl.match("foo.bar"))).toEqual([]);
      const lit = sub("foo.bar");
      sl.insert(lit);
      expect(plainIds(sl.match("foo.bar"))).toEqual(ids(lit));
      const wc = sub("foo.*");
      sl.insert(wc);
      expect(plainIds(sl.match("foo.bar"))).toEqual(ids(lit, wc));
      const fwc = sub(">");
      sl.insert(fwc);
      expect(plainIds(sl.match("foo.bar"))).toEqual(ids(lit, wc, fwc));
      const q = sub("foo.bar", "q");
      sl.insert(q);
      expect(groupIds(sl.match("foo.bar"))).toEqual({ q: ids(q) });
      const before = sl.match("foo.bar");
      sl.remove(lit);
      expect(plainIds(sl.match("foo.bar"))).toEqual(ids(wc, fwc));
      sl.remove(wc);
      expect(plainIds(sl.match("foo.bar"))).toEqual(ids(fwc));
      sl.remove(fwc);
      sl.remove(q);
      expect(sl.match("foo.bar").plain).toEqual([]);
      expect(sl.match("foo.bar").groups).toEqual([]);
      // A result already handed out is a snapshot, untouched by later changes.
      expect(plainIds(before)).toEqual(ids(lit, wc, fwc));
      expect(groupIds(before)).toEqual({ q: ids(q) });
    });

    it("invalidates other cached subjects that a wildcard change affects", () => {
      const sl = fresh();
      const pubs = ["a.b", "a.c", "x.b"];
      for (const p of pubs) expect(sl.match(p).plain).toEqual([]);
      const wc = sub("a.*");
      sl.insert(wc);
      expect(plainIds(sl.match("a.b"))).toEqual(ids(wc));
      expect(plainIds(sl.match("a.c"))).toEqual(ids(wc));
      expect(plainIds(sl.match("x.b"))).toEqual([]);
      const lit = sub("x.b");
      sl.insert(lit);
      expect(plainIds(sl.match("x.b"))).toEqual(ids(lit));
      expect(plainIds(sl.match("a.b"))).toEqual(ids(wc));
      sl.remove(wc);
      for (const p of ["a.b", "a.c"]) expect(sl.match(p).plain).toEqual([]);
      expect(plainIds(sl.match("x.b"))).toEqual(ids(lit));
    });

    it("holds many subscriptions on one subject", () => {
      const sl = fresh();
      const plain = Array.from({ length: 1000 }, () => sub("hot.subject"));
      const queued = Array.from({ length: 500 }, (_, i) => sub("hot.subject", `q${i % 5}`));
      for (const s of [...plain, ...queued]) sl.insert(s);
      expect(sl.size).toBe(1500);
      const r = sl.match("hot.subject");
      expect(r.plain).toHaveLength(1000);
      expect(new Set(r.plain).size).toBe(1000);
      expect(r.groups).toHaveLength(5);
      for (const g of r.groups) expect(g).toHaveLength(100);
      for (const s of plain.slice(0, 600)) sl.remove(s);
      expect(sl.match("hot.subject").plain).toHaveLength(400);
      expect(sl.size).toBe(900);
    });
  });
}
