// A subject transform: what a subject mapping turns a published subject into, as
// nats-server's subject transforms do (server/subject_transform.go). The source is a
// subject, wildcards allowed; the destination is a subject whose tokens are literal,
// `$n` (the n-th `*` of the source), or a function between double braces:
//
//   {{wildcard(n)}}               the n-th `*` of the source
//   {{partition(k, n, m, …)}}     FNV-1a of the named wildcards (all tokens when none), mod k
//   {{splitFromLeft(n, p)}}       the n-th wildcard split in two, p characters from the left
//   {{splitFromRight(n, p)}}      … p characters from the right
//   {{sliceFromLeft(n, s)}}       the n-th wildcard cut into tokens of s characters, from the left
//   {{sliceFromRight(n, s)}}      … from the right
//   {{split(n, d)}}               the n-th wildcard split into tokens at each `d`
//   {{left(n, l)}} {{right(n, l)}} its first or last l characters
//   {{random(k)}}                 a number below k, chosen for each message
//
// and a source ending in `>` maps the rest of the subject onto a destination ending in `>`.
// Errors are nats-server's words.

import { isValidSubject } from "./subject.js";

/** A mapping that cannot be made; the message is nats-server's. */
export class MappingError extends Error {
  override name = "MappingError";
}

const BAD_SUBJECT = "invalid subject";
const INVALID = "invalid mapping destination";
const INVALID_TRANSFORM = `${INVALID}: invalid transform`;
const UNKNOWN_FUNCTION = `${INVALID}: unknown function`;
const OUT_OF_RANGE = `${INVALID}: wildcard index out of range`;
const NOT_ENOUGH_ARGS = `${INVALID}: not enough arguments passed to the function`;
const INVALID_ARG = `${INVALID}: function argument is invalid or in the wrong format`;
const TOO_MANY_ARGS = `${INVALID}: too many arguments passed to the function`;

/** nats-server's mappingDestinationErr: the error, then the token it is about. */
function destinationError(error: string, token: string): MappingError {
  return new MappingError(token === "" ? error : `${error} in ${token}`);
}

type PositionalKind = "splitFromLeft" | "splitFromRight" | "sliceFromLeft" | "sliceFromRight" | "left" | "right";

/** One token of the destination; `token` is an index into the source's tokens. */
type Part =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "wildcard"; readonly token: number }
  | { readonly kind: "partition"; readonly buckets: number; readonly tokens: readonly number[] }
  | { readonly kind: PositionalKind; readonly token: number; readonly n: number }
  | { readonly kind: "split"; readonly token: number; readonly delimiter: string }
  | { readonly kind: "random"; readonly below: number };

/** A destination function as written: its name, and its arguments as text. */
interface Call {
  readonly kind: Part["kind"];
  readonly args: readonly string[];
}

// nats-server's regular expressions: the first letter of each word in either case.
const FUNCTIONS: readonly (readonly [Part["kind"], RegExp])[] = [
  ["wildcard", /^\{\{\s*[wW]ildcard\s*\((.*)\)\s*\}\}$/],
  ["partition", /^\{\{\s*[pP]artition\s*\((.*)\)\s*\}\}$/],
  ["splitFromLeft", /^\{\{\s*[sS]plit[fF]rom[lL]eft\s*\((.*)\)\s*\}\}$/],
  ["splitFromRight", /^\{\{\s*[sS]plit[fF]rom[rR]ight\s*\((.*)\)\s*\}\}$/],
  ["sliceFromLeft", /^\{\{\s*[sS]lice[fF]rom[lL]eft\s*\((.*)\)\s*\}\}$/],
  ["sliceFromRight", /^\{\{\s*[sS]lice[fF]rom[rR]ight\s*\((.*)\)\s*\}\}$/],
  ["right", /^\{\{\s*[rR]ight\s*\((.*)\)\s*\}\}$/],
  ["left", /^\{\{\s*[lL]eft\s*\((.*)\)\s*\}\}$/],
  ["split", /^\{\{\s*[sS]plit\s*\((.*)\)\s*\}\}$/],
  ["random", /^\{\{\s*[rR]andom\s*\((.*)\)\s*\}\}$/],
];

const isFunctionToken = (t: string) => t.length > 4 && t.startsWith("{{") && t.endsWith("}}");

/** A destination token's function, `$n` as wildcard(n); null for a literal token. */
function callOf(token: string): Call | null {
  if (token.length > 1 && token[0] === "$") {
    // `$` and anything but a number after it is a literal token (`$JS`, `$SYS`).
    return /^\d+$/.test(token.slice(1)) ? { kind: "wildcard", args: [token.slice(1)] } : null;
  }
  if (!isFunctionToken(token)) return null;
  for (const [kind, re] of FUNCTIONS) {
    const m = re.exec(token);
    if (m !== null) return { kind, args: m[1].split(/,\s*/) };
  }
  throw destinationError(UNKNOWN_FUNCTION, token);
}

/** A whole number as nats-server's strconv.Atoi reads it, spaces around it allowed. */
function int(arg: string, token: string, max = 2 ** 31 - 1): number {
  const t = arg.trim();
  if (!/^[+-]?\d+$/.test(t) || Math.abs(Number(t)) > max) throw destinationError(INVALID_ARG, token);
  return Number(t);
}

/** A number of partitions or of random values: not negative. */
function count(arg: string, token: string): number {
  const n = int(arg, token);
  if (n < 0) throw destinationError(INVALID_ARG, token);
  return n;
}

export class SubjectTransform {
  private constructor(
    readonly source: string,
    readonly destination: string,
    private readonly parts: readonly Part[],
    /** Where the source's `>` stands, when the destination ends in `>` too: the tokens from there follow; -1 else. */
    private readonly rest: number,
    /** Some part is random: the same subject may map differently each time. */
    readonly random: boolean,
  ) {}

  /** The transform of `source` to `destination`; throws MappingError in nats-server's words. */
  static create(source: string, destination: string): SubjectTransform {
    checkDestination(destination);
    // The destination's tokens were checked above: function tokens may hold blanks.
    if (!isValidSubject(source)) throw new MappingError(BAD_SUBJECT);
    const stokens = source.split(".");
    const dtokens = destination.split(".");
    const sfwc = stokens[stokens.length - 1] === ">";
    const dfwc = dtokens[dtokens.length - 1] === ">";
    if (dtokens.includes("*") || sfwc !== dfwc) throw new MappingError(BAD_SUBJECT);

    // Where the source's n-th `*` stands.
    const wildcards: number[] = [];
    stokens.forEach((t, i) => t === "*" && wildcards.push(i));
    const hasWildcards = wildcards.length > 0 || sfwc;
    const at = (arg: string, token: string): number => {
      const n = int(arg, token);
      if (n > wildcards.length) throw destinationError(OUT_OF_RANGE, `${token}: [${n}]`);
      // nats-server reads an index below 1 as the subject's first token.
      return n < 1 ? 0 : wildcards[n - 1];
    };

    // A trailing `>` is not a part: the source's remaining tokens follow the parts (apply).
    const parts = (dfwc ? dtokens.slice(0, -1) : dtokens).map((token): Part => {
      const call = callOf(token);
      if (call === null) return { kind: "literal", text: token };
      const { kind, args } = call;
      // Without wildcards in the source, only what needs none of them may be used.
      if (!hasWildcards && kind !== "partition" && kind !== "random") throw destinationError(OUT_OF_RANGE, token);
      switch (kind) {
        case "wildcard":
          if (args.length === 1 && args[0] === "") throw destinationError(NOT_ENOUGH_ARGS, token);
          if (args.length > 1) throw destinationError(TOO_MANY_ARGS, token);
          return { kind, token: at(args[0], token) };
        case "partition": {
          const buckets = count(args[0], token);
          // Without wildcards, the whole subject is hashed whatever tokens are named.
          const tokens = args.slice(1).map((a) => (hasWildcards ? at(a, token) : int(a, token)));
          return { kind, buckets, tokens: hasWildcards ? tokens : [] };
        }
        case "split":
          if (args.length < 2) throw destinationError(NOT_ENOUGH_ARGS, token);
          if (args.length > 2) throw destinationError(TOO_MANY_ARGS, token);
          if (args[1].includes(" ") || args[1].includes(".")) throw destinationError(INVALID_ARG, token);
          return { kind, token: at(args[0], token), delimiter: args[1] };
        case "random":
          if (args.length !== 1) throw destinationError(NOT_ENOUGH_ARGS, token);
          return { kind, below: count(args[0], token) };
        default:
          if (args.length < 2) throw destinationError(NOT_ENOUGH_ARGS, token);
          if (args.length > 2) throw destinationError(TOO_MANY_ARGS, token);
          return { kind: kind as PositionalKind, token: at(args[0], token), n: int(args[1], token) };
      }
    });
    const random = parts.some((p) => p.kind === "random");
    return new SubjectTransform(source, destination, parts, dfwc ? stokens.length - 1 : -1, random);
  }

  /** The destination of a subject the source matches, given as its tokens. */
  apply(tokens: readonly string[], rand: () => number = Math.random): string {
    let out = "";
    for (let i = 0; i < this.parts.length; i++) {
      if (i > 0) out += ".";
      out += part(this.parts[i], tokens, rand);
    }
    if (this.rest < 0) return out;
    const rest = tokens.slice(this.rest).join(".");
    return out === "" ? rest : `${out}.${rest}`;
  }
}

/** nats-server's ValidateMapping, before the transform is made: empty tokens, blanks, unknown functions. */
function checkDestination(destination: string): void {
  let sawFwc = false;
  for (const t of destination.split(".")) {
    if (t === "" || sawFwc) throw destinationError(INVALID_TRANSFORM, t);
    if (isFunctionToken(t)) {
      callOf(t);
      continue;
    }
    if (t === ">") sawFwc = true;
    else if (/[\t\n\f\r ]/.test(t)) throw new MappingError(INVALID_TRANSFORM);
  }
}

function part(p: Part, tokens: readonly string[], rand: () => number): string {
  switch (p.kind) {
    case "literal":
      return p.text;
    case "wildcard":
      return tokens[p.token] ?? "";
    case "partition": {
      const key = p.tokens.length > 0 ? p.tokens.map((t) => tokens[t]).join("") : tokens.join(".");
      return p.buckets === 0 ? "0" : String(fnv1a(key) % p.buckets);
    }
    case "random":
      return p.below === 0 ? "0" : String(Math.floor(rand() * p.below));
    case "split":
      return tokens[p.token]
        .split(p.delimiter)
        .filter((s) => s !== "")
        .join(".");
    default:
      return positional(p.kind, tokens[p.token], p.n);
  }
}

/** The functions that cut one token by a count of characters; a token too short is left whole. */
function positional(kind: PositionalKind, s: string, n: number): string {
  if (n <= 0 || n >= s.length) return s;
  switch (kind) {
    case "splitFromLeft":
      return `${s.slice(0, n)}.${s.slice(n)}`;
    case "splitFromRight":
      return `${s.slice(0, s.length - n)}.${s.slice(s.length - n)}`;
    case "left":
      return s.slice(0, n);
    case "right":
      return s.slice(s.length - n);
    case "sliceFromLeft": {
      const out: string[] = [];
      for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
      return out.join(".");
    }
    case "sliceFromRight": {
      const out: string[] = [];
      const first = s.length % n;
      if (first > 0) out.push(s.slice(0, first));
      for (let i = first; i < s.length; i += n) out.push(s.slice(i, i + n));
      return out.join(".");
    }
  }
}

const utf8 = new TextEncoder();

/** 32-bit FNV-1a of the key's UTF-8 bytes, as Go's hash/fnv New32a. */
function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (const b of utf8.encode(key)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}
