// Who a connecting client is, decided as nats-server decides it: server/auth.go
// (processClientOrLeafAuthentication, comparePasswords, processUserPermissionsTemplate,
// buildPermissionsFromJwt), server/accounts.go (signing keys, revocations,
// bearer tokens, account expiry), server/jwt.go (trusted operators) and the
// checks nats-io/jwt v2 makes when it decodes and validates a claim.
//
// Everything the configuration implies is derived once, in the constructor;
// authenticate() then does lookups, one bcrypt or Ed25519 check at most, and
// for JWT users the decoding of the one JWT presented.

import { decode, isAccount, isOperator, isUser, type ClaimsData } from "@nats-io/jwt";
import { fromPublic } from "@nats-io/nkeys";
import { compareSync } from "bcryptjs";
import type { BrokerConfig, OperatorConfig, PermissionsConfig, SubjectPermission, UserConfig } from "./config.js";
import { DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS, DEFAULT_ALLOW_RESPONSE_MAX_MSGS } from "./permissions.js";
import { isValidSubject } from "./subject.js";

/** Credentials as CONNECT carries them (with the caller's cookies merged in). */
export interface Credentials {
  user?: string;
  pass?: string;
  auth_token?: string;
  nkey?: string;
  sig?: string;
  jwt?: string;
}

export interface Identity {
  /** "$G" for the global account; the account's public key for JWT users. */
  readonly account: string;
  /** User name, nkey, or JWT subject, for monitoring; "" when anonymous or by token. */
  readonly user: string;
  readonly permissions: PermissionsConfig | null;
  /**
   * When the connection must close, ms since the epoch: the user JWT's `exp`,
   * or its account JWT's when that comes first (nats-server closes those with
   * "Account Authentication Expired"); null when never.
   */
  readonly expiresAt: number | null;
}

/** `reason` is for logs and tests; the client is only ever told "Authorization Violation". */
export type AuthResult = { ok: true; identity: Identity } | { ok: false; reason: string };

const GLOBAL_ACCOUNT = "$G";
/** nats-server's nonceRawLen: 11 random bytes, 15 characters of base64. */
const NONCE_RAW_LEN = 11;
/** What a WebSocket client is to `allowed_connection_types` (jwt.ConnectionTypeWebsocket). */
const CONNECTION_TYPE = "WEBSOCKET";
const KNOWN_CONNECTION_TYPES = new Set(["STANDARD", "WEBSOCKET", "LEAFNODE", "LEAFNODE_WS", "MQTT", "MQTT_WS", "IN_PROCESS"]);
/** nats-server's isBcrypt: only these prefixes make a secret a bcrypt hash. */
const BCRYPT = /^\$2[abxy]\$\d{2}\$/;

const encoder = new TextEncoder();

/** A nonce for INFO, as nats-server makes it (generateNonce). */
export function newNonce(): string {
  const raw = new Uint8Array(NONCE_RAW_LEN);
  crypto.getRandomValues(raw);
  let bin = "";
  for (const b of raw) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export class Authenticator {
  /** INFO `auth_required`. */
  readonly required: boolean;
  /** INFO `nonce`: only with nkey users or an operator, as nats-server's nonceRequired. */
  readonly needsNonce: boolean;

  private readonly configured: boolean;
  private readonly token: string | null;
  private readonly users = new Map<string, UserConfig>();
  private readonly nkeys = new Map<string, UserConfig>();
  private readonly noAuthUser: string | null;
  private readonly operator: OperatorMode | null;

  constructor(
    config: BrokerConfig,
    private readonly allowAnonymous: boolean,
  ) {
    for (const u of config.users) {
      if (u.nkey !== null) this.nkeys.set(u.nkey, u);
      else if (u.user !== null) this.users.set(u.user, u);
    }
    // An empty token is no token, as nats-server tests `authorization != ""`.
    this.token = config.token === "" ? null : config.token;
    this.noAuthUser = config.noAuthUser;
    this.operator = config.operator === null ? null : new OperatorMode(config.operator);
    this.configured = this.operator !== null || this.token !== null || this.users.size > 0 || this.nkeys.size > 0;
    this.required = this.configured || !allowAnonymous;
    this.needsNonce = this.operator !== null || this.nkeys.size > 0;
  }

  authenticate(creds: Credentials, nonce: string | null, now: number): AuthResult {
    if (!this.configured) {
      // Like nats-server without authorization, credentials are not even looked at.
      if (this.allowAnonymous) return ok({ account: GLOBAL_ACCOUNT, user: "", permissions: null, expiresAt: null });
      return fail("anonymous access is disabled (ALLOW_ANONYMOUS)");
    }
    // nats-server refuses users and operators together; with an operator only JWTs count.
    if (this.operator !== null) return this.operator.authenticate(creds, nonce, now);

    const nkey = creds.nkey ?? "";
    if (this.nkeys.size > 0 && nkey !== "") {
      const u = this.nkeys.get(nkey);
      if (u === undefined) return fail(`unknown nkey ${nkey}`);
      const bad = nonceSignatureProblem(nkey, creds.sig, nonce);
      if (bad !== null) return fail(bad);
      return ok({ account: u.account, user: nkey, permissions: u.permissions, expiresAt: null });
    }

    let name = creds.user ?? "";
    let pass = creds.pass ?? "";
    const token = creds.auth_token ?? "";
    let user: UserConfig | undefined;
    if (this.users.size > 0) {
      // no_auth_user stands in only when the client sent no user, password or
      // token (nkey, jwt and sig do not count), by taking on the user's name
      // and stored password, which compare equal only when stored in plain:
      // nats-server cannot use a bcrypt user here (nats-io/nats-server#6928).
      if (this.noAuthUser !== null && name === "" && pass === "" && token === "") {
        const u = this.users.get(this.noAuthUser);
        if (u !== undefined) {
          name = this.noAuthUser;
          pass = u.password ?? "";
        }
      }
      if (name !== "") {
        user = this.users.get(name);
        if (user === undefined) return fail(`unknown user "${name}"`);
      }
    }
    if (user !== undefined) {
      if (!comparePasswords(user.password ?? "", pass)) return fail(`wrong password for user "${name}"`);
      return ok({ account: user.account, user: name, permissions: user.permissions, expiresAt: null });
    }
    if (this.token !== null) {
      if (!comparePasswords(this.token, token)) return fail(token === "" ? "no credentials" : "wrong token");
      return ok({ account: GLOBAL_ACCOUNT, user: "", permissions: null, expiresAt: null });
    }
    return fail("no credentials");
  }
}

// ---------------------------------------------------------------------------
// Operator mode: user JWTs issued by accounts of `resolver_preload`.

type Json = Record<string, unknown>;

interface Account {
  readonly key: string;
  /** Why users of this account are refused, when its JWT is unusable. */
  readonly problem: string | null;
  readonly name: string;
  readonly tags: readonly string[];
  /** Seconds since the epoch; 0 when unset. */
  readonly exp: number;
  readonly nbf: number;
  /** Keys that may issue its users: the account itself and its signing keys, with a scope's template or null. */
  readonly signers: ReadonlyMap<string, Json | null>;
  readonly revocations: ReadonlyMap<string, number>;
  readonly disallowBearer: boolean;
  readonly defaultPermissions: PermissionsConfig | null;
}

/** A claim nats-io/jwt would refuse to unmarshal or validate. */
class Malformed extends Error {}

class OperatorMode {
  /** Operator identity keys (unless strict_signing_key_usage) and signing keys. */
  private readonly trusted = new Set<string>();
  /** Signing keys of operators with strict_signing_key_usage: accounts they issue cannot sign users themselves. */
  private readonly strict = new Set<string>();
  private readonly accounts = new Map<string, Account>();

  constructor(op: OperatorConfig) {
    for (const token of op.operators) {
      try {
        this.trust(token);
      } catch {
        // An operator JWT that does not verify or decode trusts nothing.
      }
    }
    for (const [key, token] of op.accounts) this.accounts.set(key, this.account(key, token));
  }

  private trust(token: string): void {
    const c = decodeClaims(token);
    if (!isOperator(c as unknown as ClaimsData<unknown>) || !isPublicKey(c.iss, "O") || !isPublicKey(c.sub, "O")) return;
    const nats = asObject(c.nats) ?? {};
    const strict = nats.strict_signing_key_usage === true;
    if (!strict) this.trusted.add(c.sub);
    for (const k of asArray(nats.signing_keys) ?? []) {
      if (!isPublicKey(k, "O")) continue;
      this.trusted.add(k);
      if (strict) this.strict.add(k);
    }
  }

  authenticate(creds: Credentials, nonce: string | null, now: number): AuthResult {
    if (!creds.jwt) return fail("a user JWT is required");
    try {
      return this.check(creds, creds.jwt, nonce, Math.floor(now / 1000));
    } catch (e) {
      return fail(`user JWT not valid: ${message(e)}`);
    }
  }

  private check(creds: Credentials, token: string, nonce: string | null, now: number): AuthResult {
    // decode() verifies the signature against the claimed issuer; the chain
    // from that issuer to a trusted operator is checked below.
    const c = decodeClaims(token);
    if (!isUser(c as unknown as ClaimsData<unknown>)) return fail("not a user JWT");
    if (!isPublicKey(c.iss, "A")) return fail("user JWT issuer is not an account key");
    const subject = asString(c.sub);
    const exp = asNumber(c.exp);
    const nbf = asNumber(c.nbf);
    // nats-io/jwt ClaimsData.Validate, with seconds as its granularity.
    if (exp > 0 && now > exp) return fail("user JWT has expired");
    if (nbf > 0 && nbf > now) return fail("user JWT is not yet valid");
    const nats = asObject(c.nats) ?? {};
    const issuerAccount = asString(nats.issuer_account);
    if (issuerAccount !== "" && !isPublicKey(issuerAccount, "A")) return fail("issuer_account is not an account public key");
    const invalid = permissionsProblem(nats);
    if (invalid !== null) return fail(invalid);
    const types = connectionTypesProblem(nats.allowed_connection_types);
    if (types !== null) return fail(types);

    const accountKey = issuerAccount !== "" ? issuerAccount : (c.iss as string);
    const acc = this.accounts.get(accountKey);
    if (acc === undefined) return fail(`account ${accountKey} is not in resolver_preload`);
    if (acc.problem !== null) return fail(acc.problem);
    if (acc.nbf > 0 && acc.nbf > now) return fail("account JWT is not yet valid");
    // Account.checkExpiration counts an account expired from its `exp` second on.
    if (acc.exp > 0 && now >= acc.exp) return fail("account JWT has expired");
    if (!acc.signers.has(c.iss as string)) return fail("user JWT issuer is neither the account nor one of its signing keys");

    // A scoped signing key issues users without permissions of their own: its
    // template, filled in for the user, is all they get.
    let limits = nats;
    const scope = acc.signers.get(c.iss as string);
    if (scope) {
      if (!hasEmptyPermissions(nats)) return fail("scoped users require no permissions or limits set");
      limits = applyScope(scope, c, nats, acc);
      // nats-server checks connection types before applying the template;
      // the template's own restriction is honoured here too.
      const scoped = connectionTypesProblem(limits.allowed_connection_types);
      if (scoped !== null) return fail(scoped);
    }

    const bearer = limits.bearer_token === true;
    if (bearer && acc.disallowBearer) return fail("account does not allow bearer tokens");
    if (!bearer) {
      const bad = nonceSignatureProblem(subject, creds.sig, nonce);
      if (bad !== null) return fail(bad);
    }
    if (isRevoked(acc.revocations, subject, asNumber(c.iat))) return fail("user JWT has been revoked");
    // Without the client's address and a time zone database neither can be
    // checked, and a restriction that cannot be checked must not be ignored.
    if (typeof limits.src === "string" ? limits.src !== "" : (asArray(limits.src)?.length ?? 0) > 0) {
      return fail("user JWT restricts source networks (src), which cannot be checked here");
    }
    if (asArray(limits.times)?.length) return fail("user JWT restricts connect times (times), which is not supported");

    const permissions = permissionsFromJwt(limits) ?? acc.defaultPermissions;
    const ends = [exp, acc.exp].filter((t) => t > 0);
    const expiresAt = ends.length > 0 ? Math.min(...ends) * 1000 : null;
    return ok({ account: acc.key, user: subject, permissions, expiresAt });
  }

  /** An account of resolver_preload, checked as nats-server's verifyAccountClaims and updateAccountClaims do. */
  private account(key: string, token: string): Account {
    const unusable = (problem: string): Account => ({
      key,
      problem,
      name: "",
      tags: [],
      exp: 0,
      nbf: 0,
      signers: new Map(),
      revocations: new Map(),
      disallowBearer: false,
      defaultPermissions: null,
    });
    try {
      const c = decodeClaims(token);
      if (!isAccount(c as unknown as ClaimsData<unknown>)) return unusable(`account ${key}: not an account JWT`);
      if (c.sub !== key) return unusable(`account ${key}: its JWT is for ${String(c.sub)}`);
      if (!isPublicKey(c.iss, "O") || !this.trusted.has(c.iss as string)) {
        return unusable(`account ${key}: JWT not signed by a trusted operator`);
      }
      const nats = asObject(c.nats) ?? {};
      const signers = new Map<string, Json | null>();
      for (const sk of asArray(nats.signing_keys) ?? []) {
        if (typeof sk === "string") {
          if (!isPublicKey(sk, "A")) return unusable(`account ${key}: "${sk}" is not a valid account signing key`);
          signers.set(sk, null);
          continue;
        }
        const scope = asObject(sk);
        if (scope === null || scope.kind !== "user_scope") return unusable(`account ${key}: unknown signing key scope`);
        if (!isPublicKey(scope.key, "A")) return unusable(`account ${key}: ${String(scope.key)} is not an account public key`);
        signers.set(scope.key as string, asObject(scope.template) ?? {});
      }
      if (!this.strict.has(c.iss as string)) signers.set(key, null);
      const revocations = new Map<string, number>();
      for (const [pk, t] of Object.entries(asObject(nats.revocations) ?? {})) revocations.set(pk, asNumber(t));
      const defaults = asObject(nats.default_permissions);
      return {
        key,
        problem: null,
        name: asString(c.name),
        tags: asStrings(nats.tags) ?? [],
        exp: asNumber(c.exp),
        nbf: asNumber(c.nbf),
        signers,
        revocations,
        disallowBearer: asObject(nats.limits)?.disallow_bearer === true,
        defaultPermissions: defaults === null ? null : permissionsFromJwt(defaults),
      };
    } catch (e) {
      return unusable(`account ${key}: ${message(e)}`);
    }
  }
}

/** nats-server's buildPermissionsFromJwt, with validateResponsePermissions' defaults. */
function permissionsFromJwt(p: Json): PermissionsConfig | null {
  const pub = asObject(p.pub);
  const sub = asObject(p.sub);
  let publish = permissionOf(pub);
  const subscribe = permissionOf(sub);
  const resp = asObject(p.resp);
  let allowResponses: PermissionsConfig["allowResponses"] = null;
  if (resp !== null) {
    const max = asNumber(resp.max);
    const ttlNanos = asNumber(resp.ttl);
    allowResponses = {
      maxMsgs: max === 0 ? DEFAULT_ALLOW_RESPONSE_MAX_MSGS : max,
      // A negative ttl never expires; a positive one is kept at least 1 ms.
      expiresMs: ttlNanos === 0 ? DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS : ttlNanos < 0 ? 0 : Math.ceil(ttlNanos / 1e6),
    };
    publish = { allow: publish?.allow ?? [], deny: publish?.deny ?? null };
  }
  if (publish === null && subscribe === null && allowResponses === null) return null;
  return { publish, subscribe, allowResponses };
}

// A pub or sub block counts only when one of its lists has entries; then a
// present but empty `allow` is kept as an (empty) allow list, as Go's JSON
// decoding keeps an empty slice, which for publish allows nothing.
function permissionOf(p: Json | null): SubjectPermission | null {
  if (p === null) return null;
  const allow = asStrings(p.allow);
  const deny = asStrings(p.deny);
  if (!allow?.length && !deny?.length) return null;
  return { allow, deny };
}

/** nats-io/jwt Permissions.Validate: subjects well formed, queues only for subscribe. */
function permissionsProblem(nats: Json): string | null {
  for (const [field, queues] of [["pub", false], ["sub", true]] as const) {
    const p = asObject(nats[field]);
    if (p === null) continue;
    for (const entry of [...(asStrings(p.allow) ?? []), ...(asStrings(p.deny) ?? [])]) {
      const parts = entry.split(" ");
      if (parts.length > 2) return `permission subject "${entry}" contains too many spaces`;
      if (parts.length === 2 && !queues) return `permission subject "${entry}" is not allowed to contain queue`;
      const bad = parts.some((s) => s === "" || s.startsWith(".") || s.endsWith(".") || s.includes(".."));
      if (bad) return `permission subject "${entry}" is not valid`;
    }
  }
  return null;
}

/**
 * server/auth.go convertAllowedConnectionTypes and connectionTypeAllowed: an
 * empty list allows every type; names unknown to nats-server are dropped, and
 * a list of nothing but unknown names allows none.
 */
function connectionTypesProblem(v: unknown): string | null {
  const types = asStrings(v);
  if (types === null || types.length === 0) return null;
  let known = 0;
  for (const t of types) {
    const upper = t.toUpperCase();
    if (!KNOWN_CONNECTION_TYPES.has(upper)) continue;
    known++;
    if (upper === CONNECTION_TYPE) return null;
  }
  return known === 0
    ? "allowed_connection_types names no known connection type"
    : `allowed_connection_types does not include ${CONNECTION_TYPE}`;
}

/** nats-io/jwt's UserClaims.HasEmptyPermissions: the permissions-and-limits part is Go's zero value. */
function hasEmptyPermissions(n: Json): boolean {
  const emptyPermission = (v: unknown): boolean => {
    const p = asObject(v);
    return v == null || (p !== null && p.allow == null && p.deny == null);
  };
  return (
    emptyPermission(n.pub) &&
    emptyPermission(n.sub) &&
    n.resp == null &&
    !n.subs &&
    !n.data &&
    !n.payload &&
    n.src == null &&
    n.times == null &&
    !n.times_location &&
    !n.bearer_token &&
    n.allowed_connection_types == null
  );
}

/**
 * nats-server's processUserPermissionsTemplate: a scope's template with
 * {{name()}}, {{subject()}}, {{account-name()}}, {{account-subject()}},
 * {{tag(x)}} and {{account-tag(x)}} filled in for this user. Filled-in allow
 * entries that are not valid subjects are dropped, deny entries fail the user;
 * an allow list emptied that way turns into a deny of everything.
 */
function applyScope(template: Json, user: Json, nats: Json, acc: Account): Json {
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

/** nats-server's isRevoked: revoked when the user's or the `*` entry is at or after its issue time. */
function isRevoked(revocations: ReadonlyMap<string, number>, subject: string, issuedAt: number): boolean {
  if (revocations.size === 0) return false;
  const t = revocations.get(subject);
  if (t !== undefined && t >= issuedAt) return true;
  const all = revocations.get("*");
  return all !== undefined && all >= issuedAt;
}

// ---------------------------------------------------------------------------
// Secrets and signatures.

/** nats-server's comparePasswords: bcrypt when the stored secret is a bcrypt hash, else plain. */
function comparePasswords(stored: string, given: string): boolean {
  if (!BCRYPT.test(stored)) return constantTimeEqual(stored, given);
  try {
    // Go's bcrypt computes `$2x$` exactly as `$2a$`; bcryptjs only knows the latter.
    return compareSync(given, stored[2] === "x" ? `$2a${stored.slice(3)}` : stored);
  } catch {
    return false;
  }
}

/** Equality whose time depends only on the stored secret's length. */
function constantTimeEqual(stored: string, given: string): boolean {
  let diff = stored.length ^ given.length;
  for (let i = 0; i < stored.length; i++) {
    diff |= stored.charCodeAt(i) ^ (i < given.length ? given.charCodeAt(i) : 0);
  }
  return diff === 0;
}

/** Why `sig` is not `publicKey`'s signature of the nonce, or null when it is. */
function nonceSignatureProblem(publicKey: string, sig: string | undefined, nonce: string | null): string | null {
  if (nonce === null) return "no nonce was issued to sign";
  if (!sig) return "signature missing";
  const bytes = decodeSignature(sig);
  if (bytes === null) return "signature not valid base64";
  try {
    if (fromPublic(publicKey).verify(encoder.encode(nonce), bytes)) return null;
  } catch {
    // a malformed key or a signature of the wrong length
  }
  return "signature not verified";
}

const RAW_URL_ALPHABET = /^[A-Za-z0-9_-]*$/;
const STD_ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * base64 as nats-server reads `sig`: raw URL-safe first (what the clients
 * send), then standard with padding; Go skips CR and LF in both.
 */
function decodeSignature(sig: string): Uint8Array | null {
  const s = sig.replace(/[\r\n]/g, "");
  let b64: string;
  if (RAW_URL_ALPHABET.test(s) && s.length % 4 !== 1) b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  else if (STD_ALPHABET.test(s) && s.length % 4 === 0) b64 = s;
  else return null;
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

function isPublicKey(v: unknown, prefix: "O" | "A" | "U"): v is string {
  if (typeof v !== "string" || v[0] !== prefix) return false;
  try {
    fromPublic(v);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Reading claims: absent fields are Go's zero values, wrongly typed ones fail
// the claim as Go's JSON decoding would.

/** The claims of a JWT whose signature verifies against its `iss` (nats-io/jwt's decode). */
function decodeClaims(token: string): Json {
  const c: unknown = decode(token);
  if (typeof c !== "object" || c === null || Array.isArray(c)) throw new Malformed("claims are not an object");
  return c as Json;
}

function asObject(v: unknown): Json | null {
  if (v == null) return null;
  if (typeof v !== "object" || Array.isArray(v)) throw new Malformed("expected an object");
  return v as Json;
}

function asArray(v: unknown): unknown[] | null {
  if (v == null) return null;
  if (!Array.isArray(v)) throw new Malformed("expected a list");
  return v;
}

function asStrings(v: unknown): string[] | null {
  const a = asArray(v);
  if (a === null) return null;
  if (!a.every((x) => typeof x === "string")) throw new Malformed("expected a list of strings");
  return a as string[];
}

function asString(v: unknown): string {
  if (v == null) return "";
  if (typeof v !== "string") throw new Malformed("expected a string");
  return v;
}

function asNumber(v: unknown): number {
  if (v == null) return 0;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Malformed("expected a number");
  return v;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function ok(identity: Identity): AuthResult {
  return { ok: true, identity };
}

function fail(reason: string): AuthResult {
  return { ok: false, reason };
}
