// The reference matcher: every subscription tested token by token on every match.
// Slow and obviously right, so the trie can be checked against it.
import type { MatchResult, Sublist, Subscription } from "../../src/protocol/sublist";

export class NaiveSublist<T extends Subscription> implements Sublist<T> {
  private readonly subs: T[] = [];

  get size(): number {
    return this.subs.length;
  }

  insert(sub: T): void {
    const toks = sub.subject.split(".");
    toks.forEach((t, i) => {
      if (t === "" || (t === ">" && i !== toks.length - 1)) {
        throw new Error(`invalid subject '${sub.subject}'`);
      }
    });
    if (!this.subs.includes(sub)) this.subs.push(sub);
  }

  remove(sub: T): boolean {
    const i = this.subs.indexOf(sub);
    if (i < 0) return false;
    this.subs.splice(i, 1);
    return true;
  }

  match(subject: string): MatchResult<T> {
    const pub = subject.split(".");
    const plain: T[] = [];
    const groups = new Map<string, T[]>();
    if (pub.includes("")) return { plain, groups: [] };
    for (const sub of this.subs) {
      if (!matches(sub.subject.split("."), pub)) continue;
      if (sub.queue === null) plain.push(sub);
      else {
        const g = groups.get(sub.queue) ?? [];
        g.push(sub);
        groups.set(sub.queue, g);
      }
    }
    return { plain, groups: [...groups.values()] };
  }
}

function matches(pattern: string[], pub: string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === ">") return pub.length > i;
    if (i >= pub.length) return false;
    if (pattern[i] !== "*" && pattern[i] !== pub[i]) return false;
  }
  return pattern.length === pub.length;
}
