// The configuration's operator mode: trusted operators and the memory
// resolver's account JWTs (`operator`, `resolver`, `resolver_preload`,
// `system_account`), checked as nats-server checks them at start
// (server.go validateTrustedOperators, jwt.go readOperatorJWT), and a
// preloaded account's JWT checked now, where nats-server notices a bad one
// only when a user of the account connects. operator.ts uses what passes.

import { isAccount, isOperator, type ClaimsData, type Operator } from "@nats-io/jwt";
import { fail, isObject, items, key, nonEmptyString, NOT_SUPPORTED, string, type Field } from "./config-fields.js";
import { decodeClaims, type Json } from "./jwt-claims.js";
import type { AccountJetStream } from "./config-jetstream.js";
import { jetStreamOfAccountJwt } from "./jwt-jetstream.js";
import { jwtMappings } from "./config-mappings.js";
import type { Mappings } from "./mappings.js";
import { isFullPublicKey } from "./nkeys.js";

/** Decentralized auth: trusted operators and the memory resolver's account JWTs. */
export interface OperatorConfig {
  /** Operator JWTs, as given. */
  readonly operators: readonly string[];
  /** Account public key -> account JWT (`resolver_preload`). */
  readonly accounts: ReadonlyMap<string, string>;
  /** Account public key -> its JWT's JetStream limits; null where the JWT leaves JetStream off. */
  readonly jetstream: ReadonlyMap<string, AccountJetStream | null>;
  /** Account public key -> its JWT's subject mappings, for the accounts that have some. */
  readonly mappings: ReadonlyMap<string, Mappings>;
  readonly systemAccount: string | null;
}

export function operatorConfig(top: Map<string, Field>, operatorField: Field): OperatorConfig {
  const ops = operators(operatorField);
  const resolverField = top.get("resolver");
  if (!resolverField) fail(operatorField.path, 'needs resolver: "MEMORY" (with the accounts in resolver_preload)');
  resolver(resolverField);
  const preloadField = top.get("resolver_preload");
  const jetstream = new Map<string, AccountJetStream | null>();
  const mappings = new Map<string, Mappings>();
  const accounts = preloadField ? preload(preloadField, ops.trusted, jetstream, mappings) : new Map<string, string>();

  // server.go validateTrustedOperators and the system account lookup at start:
  // the configured one must be the operator's if the operator names one, a
  // single operator's becomes the default, and either must be resolvable.
  let systemAccount: string | null = null;
  const sysField = top.get("system_account");
  const fromJwt = ops.claims.flatMap((c) => {
    const sys: unknown = c.nats.system_account;
    return typeof sys === "string" && sys !== "" ? [sys] : [];
  });
  if (sysField) {
    systemAccount = nonEmptyString(sysField);
    if (fromJwt.length > 0 && !fromJwt.includes(systemAccount))
      fail(sysField.path, "differs from the system account the operator JWT names");
    if (!accounts.has(systemAccount)) fail(sysField.path, `account ${systemAccount} is not in resolver_preload`);
  } else if (ops.claims.length === 1 && fromJwt.length === 1) {
    systemAccount = fromJwt[0]!;
    if (!accounts.has(systemAccount))
      fail(operatorField.path, `names system account ${systemAccount}, which is not in resolver_preload`);
  }
  return { operators: ops.jwts, accounts, systemAccount, jetstream, mappings };
}

/** The claims of a JWT whose signature verifies (decodeClaims checks nothing else), if they are a NATS JWT's. */
function decoded<T>(f: Field, jwt: string): ClaimsData<T> {
  let c: Json;
  try {
    c = decodeClaims(jwt);
  } catch (e) {
    fail(f.path, `is not a valid JWT: ${(e as Error).message}`);
  }
  if (!isObject(c.nats) || typeof c.sub !== "string") fail(f.path, "is not a NATS JWT");
  return c as unknown as ClaimsData<T>;
}

interface Operators {
  readonly jwts: string[];
  readonly claims: ClaimsData<Operator>[];
  /** Keys that may sign account JWTs: each operator (unless strict) and its signing keys. */
  readonly trusted: ReadonlySet<string>;
}

function operators(f: Field): Operators {
  // nats-server 2.9 refuses a JSON list here ("unsupported type []interface {}"); nats-edge takes one.
  const list = items(f, true, "an operator JWT");
  if (list.length === 0) fail(f.path, "must name at least one operator JWT");
  const jwts: string[] = [];
  const claims: ClaimsData<Operator>[] = [];
  const trusted = new Set<string>();
  for (const item of list) {
    const jwt = string(item);
    // nats-server reads a file unless the value starts like a JWT (jwt.go readOperatorJWT).
    if (!jwt.startsWith("eyJ"))
      fail(item.path, "must be the operator JWT itself (eyJ…), not a file: a Worker has no file system");
    const c = decoded<Operator>(item, jwt);
    if (!isOperator(c) || !isFullPublicKey(c.sub, "O")) fail(item.path, "is not an operator JWT");
    // server.go validateTrustedOperators: with strict_signing_key_usage only the signing keys sign accounts.
    const strict = (c.nats as Record<string, unknown>)["strict_signing_key_usage"] === true;
    if (!strict) trusted.add(c.sub);
    const signingKeys: unknown = c.nats.signing_keys ?? [];
    if (!Array.isArray(signingKeys)) fail(item.path, "has signing_keys that are not a list");
    for (const sk of signingKeys) {
      const k = isObject(sk) ? sk["key"] : sk;
      if (!isFullPublicKey(k, "O")) fail(item.path, `signing key ${JSON.stringify(k)} is not an operator public nkey`);
      trusted.add(k);
    }
    jwts.push(jwt);
    claims.push(c);
  }
  return { jwts, claims, trusted };
}

function resolver(f: Field): void {
  // nats-server matches (?i)(MEM|MEMORY) anywhere in the string; only the exact words are taken here.
  if (typeof f.value === "string" && /^\s*(MEM|MEMORY)\s*$/i.test(f.value)) return;
  if (typeof f.value === "string" && /^\s*URL/i.test(f.value))
    fail(f.path, `the URL resolver is ${NOT_SUPPORTED}; use "MEMORY" with resolver_preload`);
  if (isObject(f.value))
    fail(f.path, `the full and cache resolvers are ${NOT_SUPPORTED}; use "MEMORY" with resolver_preload`);
  fail(f.path, 'must be "MEMORY"');
}

function preload(
  f: Field,
  trusted: ReadonlySet<string>,
  jetstream: Map<string, AccountJetStream | null>,
  mappings: Map<string, Mappings>,
): Map<string, string> {
  if (!isObject(f.value)) fail(f.path, "must be an object of account public key to account JWT");
  const out = new Map<string, string>();
  for (const k of Object.keys(f.value)) {
    const item: Field = { value: f.value[k], path: key(f.path, k) };
    if (!isFullPublicKey(k, "A"))
      fail(item.path, 'the key must be an account public nkey (56 characters starting with "A")');
    const jwt = string(item);
    const c = decoded<unknown>(item, jwt);
    if (!isAccount(c)) fail(item.path, "is not an account JWT");
    if (c.sub !== k) fail(item.path, `is the JWT of account ${c.sub}, not of ${k}`);
    // nats-server finds this out only when a user of the account connects (isTrustedIssuer).
    if (!trusted.has(c.iss))
      fail(item.path, `is signed by ${c.iss}, which is neither a trusted operator nor one of its signing keys`);
    out.set(k, jwt);
    jetstream.set(k, jetStreamOfAccountJwt(c.nats as unknown as Record<string, unknown>));
    const m = jwtMappings((c.nats as unknown as Record<string, unknown>).mappings, `${item.path} (its mappings)`);
    if (m !== null) mappings.set(k, m);
  }
  return out;
}
