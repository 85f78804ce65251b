// Reading the configuration document's JSON: fields by nats-server's
// spellings, typed values, and errors that start with the field's path.
//
// nats-server lower-cases every field name before matching it (opts.go:
// `switch strings.ToLower(k)`) and accepts the aliases each table lists. Two
// spellings of one setting in the same object are refused: nats-server would
// keep whichever its map iteration happened to visit last.

import { parseGoDuration } from "./duration.js";

/** A document that cannot run as written; the message starts with the field's path. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Timers in JavaScript hold at most 2^31-1 ms; a longer interval would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
export const MAX_INT32 = 2 ** 31 - 1;

export type JsonObject = { readonly [key: string]: unknown };

/** A value of the document with where it stands, for error messages. */
export interface Field {
  readonly value: unknown;
  readonly path: string;
}

/** Each accepted name, and each alias, lower-cased -> the setting's name. */
export type Spelling = ReadonlyMap<string, string>;

export function spelling(settings: Readonly<Record<string, readonly string[]>>): Spelling {
  const m = new Map<string, string>();
  for (const [name, aliases] of Object.entries(settings)) {
    m.set(name, name);
    for (const a of aliases) m.set(a, name);
  }
  return m;
}

export const NOT_SUPPORTED = "not supported by nats-edge";

/** Names a table knows but refuses, each with the reason given instead of "unknown field". */
export function refusals(
  names: readonly string[],
  why = NOT_SUPPORTED,
  more: Record<string, string> = {},
): ReadonlyMap<string, string> {
  return new Map([...names.map((n): [string, string] => [n, why]), ...Object.entries(more)]);
}

// ---------------------------------------------------------------------------
// Paths and typed values.

export function fail(path: string, problem: string): never {
  throw new ConfigError(`${path}: ${problem}`);
}

/** The path of `name` inside `path`, as the error messages print it. */
export function key(path: string, name: string): string {
  const plain = /^[A-Za-z0-9_$-]+$/.test(name);
  if (path === "") return plain ? name : JSON.stringify(name);
  return plain ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function object(f: Field): JsonObject {
  if (!isObject(f.value)) fail(f.path, "must be an object");
  return f.value;
}

/** The fields of an object by setting name; an unknown, refused or repeated setting fails. */
export function fields(
  f: Field,
  accepted: Spelling,
  refused: ReadonlyMap<string, string> = new Map(),
): Map<string, Field> {
  const obj = object(f);
  const out = new Map<string, Field>();
  const firstSpelling = new Map<string, string>();
  for (const k of Object.keys(obj)) {
    const path = key(f.path, k);
    const lower = k.toLowerCase();
    const name = accepted.get(lower);
    if (name === undefined) fail(path, refused.get(lower) ?? "unknown field");
    const first = firstSpelling.get(name);
    if (first !== undefined) fail(path, `the same setting as "${first}", given twice`);
    firstSpelling.set(name, k);
    out.set(name, { value: obj[k], path });
  }
  return out;
}

export function string(f: Field): string {
  if (typeof f.value !== "string") fail(f.path, "must be a string");
  return f.value;
}

export function nonEmptyString(f: Field): string {
  const s = string(f);
  if (s === "") fail(f.path, "must not be empty");
  return s;
}

export function boolean(f: Field): boolean {
  if (typeof f.value !== "boolean") fail(f.path, "must be true or false");
  return f.value;
}

export function integer(f: Field, min: number, max: number): number {
  const v = f.value;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    fail(f.path, `must be a whole number from ${min} to ${max}`);
  }
  return v;
}

/** Items of a list, each with its path; a lone string stands for a list of one where nats-server allows it. */
export function items(f: Field, loneString: boolean, what: string): Field[] {
  if (loneString && typeof f.value === "string") return [f];
  if (!Array.isArray(f.value))
    fail(f.path, `must be ${loneString ? `${what} or a list of them` : `a list of ${what}`}`);
  return f.value.map((value: unknown, i) => ({ value, path: `${f.path}[${i}]` }));
}

/** A Go duration string, in ms. */
export function durationMs(f: Field): number {
  const s = string(f);
  const d = parseGoDuration(s);
  if ("error" in d)
    fail(f.path, `must be a duration such as "2m", "30s" or "1m30s" (${JSON.stringify(s)}: ${d.error})`);
  return d.ns / 1e6;
}
