// Scoped signing keys: an account's signing key that carries a template of
// permissions and limits. Users it issues have none of their own; they get the
// template, its {{…}} macros filled in for them.

import { asObject, asString, asStrings, Malformed, type Json } from "./jwt-claims.js";
import { isValidSubject } from "./subject.js";

/** What a template may take from the user's account. */
export interface ScopeAccount {
  readonly name: string;
  readonly tags: readonly string[];
}

/**
 * nats-server's processUserPermissionsTemplate: a scope's template with
 * {{name()}}, {{subject()}}, {{account-name()}}, {{account-subject()}},
 * {{tag(x)}} and {{account-tag(x)}} filled in for this user. Filled-in allow
 * entries that are not valid subjects are dropped, deny entries fail the user;
 * an allow list emptied that way turns into a deny of everything.
 */
export function applyScope(template: Json, user: Json, nats: Json, acc: ScopeAccount): Json {
  const lim = JSON.parse(JSON.stringify(template)) as Json;
  const pub = asObject(lim.pub) ?? {};
  const sub = asObject(lim.sub) ?? {};
  const userTags = asStrings(nats.tags) ?? [];
  const fill = (list: string[] | null, strict: boolean): string[] | null =>
    fillTemplates(list, strict, (op) => {
      switch (op) {
        case "name()":
          return asString(user.name);
        case "subject()":
          return asString(user.sub);
        case "account-name()":
          return acc.name;
        case "account-subject()":
          return asString(nats.issuer_account);
      }
      for (const [prefix, tags] of [
        ["account-tag(", acc.tags],
        ["tag(", userTags],
      ] as const) {
        if (op.startsWith(prefix) && op.endsWith(")")) {
          const want = `${op.slice(prefix.length, -1).toLowerCase()}:`;
          return tags.filter((t) => t.startsWith(want)).map((t) => t.slice(want.length));
        }
      }
      return " "; // an unknown macro must make the subject invalid
    });
  const subAllowHad = (asStrings(sub.allow)?.length ?? 0) > 0;
  const pubAllowHad = (asStrings(pub.allow)?.length ?? 0) > 0;
  sub.allow = fill(asStrings(sub.allow), false);
  sub.deny = fill(asStrings(sub.deny), true);
  pub.allow = fill(asStrings(pub.allow), false);
  pub.deny = fill(asStrings(pub.deny), true);
  const denyAll = (p: Json): void => {
    const deny = (p.deny as string[] | null) ?? [];
    if (!deny.includes(">")) deny.push(">");
    p.deny = deny;
  };
  if (subAllowHad && (sub.allow as string[]).length === 0) denyAll(sub);
  if (pubAllowHad && (pub.allow as string[]).length === 0) denyAll(pub);
  return { ...lim, pub, sub };
}

/** The list with its {{…}} tokens replaced; a tag macro yields one subject per value (their cartesian product). */
function fillTemplates(
  list: string[] | null,
  strict: boolean,
  valueOf: (op: string) => string | string[],
): string[] | null {
  const isMacro = (t: string): boolean => t.startsWith("{{") && t.endsWith("}}");
  if (list === null || !list.some((s) => s.split(".").some(isMacro))) return list;
  const out: string[] = [];
  const emit = (s: string): void => {
    if (isValidSubject(s)) out.push(s);
    else if (strict) throw new Malformed("scope template generated an invalid subject");
  };
  for (const entry of list) {
    const tagValues: string[][] = [];
    const tokens = entry.split(".").map((t) => {
      if (!isMacro(t)) return t;
      const v = valueOf(t.slice(2, -2).toLowerCase());
      if (typeof v === "string") return v;
      // An empty token marks where a tag value goes; no values leaves it empty.
      if (v.length > 0) tagValues.push(v);
      return "";
    });
    if (tagValues.length === 0) {
      emit(tokens.join("."));
      continue;
    }
    for (const combo of cartesian(tagValues)) {
      let i = 0;
      emit(tokens.map((t) => (t === "" ? (combo[i++] ?? "") : t)).join("."));
    }
  }
  return out;
}

/** Every combination, the last list varying fastest (nats-server's nArrayCartesianProduct). */
function cartesian(lists: readonly string[][]): string[][] {
  let out: string[][] = [[]];
  for (const list of lists) out = out.flatMap((prefix) => list.map((v) => [...prefix, v]));
  return out;
}
