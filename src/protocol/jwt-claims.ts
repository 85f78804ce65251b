// Reading the claims of a NATS JWT as nats-io/jwt v2 unmarshals them in Go:
// absent fields are Go's zero values, wrongly typed ones fail the claim.

import { decode } from "@nats-io/jwt";

export type Json = Record<string, unknown>;

/** A claim nats-io/jwt would refuse to unmarshal or validate. */
export class Malformed extends Error {}

/** The claims of a JWT whose signature verifies against its `iss` (nats-io/jwt's decode). */
export function decodeClaims(token: string): Json {
  const c: unknown = decode(token);
  if (typeof c !== "object" || c === null || Array.isArray(c)) throw new Malformed("claims are not an object");
  return c as Json;
}

export function asObject(v: unknown): Json | null {
  if (v == null) return null;
  if (typeof v !== "object" || Array.isArray(v)) throw new Malformed("expected an object");
  return v as Json;
}

export function asArray(v: unknown): unknown[] | null {
  if (v == null) return null;
  if (!Array.isArray(v)) throw new Malformed("expected a list");
  return v;
}

export function asStrings(v: unknown): string[] | null {
  const a = asArray(v);
  if (a === null) return null;
  if (!a.every((x) => typeof x === "string")) throw new Malformed("expected a list of strings");
  return a as string[];
}

export function asString(v: unknown): string {
  if (v == null) return "";
  if (typeof v !== "string") throw new Malformed("expected a string");
  return v;
}

export function asNumber(v: unknown): number {
  if (v == null) return 0;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Malformed("expected a number");
  return v;
}
