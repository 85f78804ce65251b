// Operator mode (decentralized authentication): users log in with a user JWT
// issued by an account of `resolver_preload`, whose JWT a trusted operator
// signed. Decided as nats-server decides it: server/auth.go
// (processClientOrLeafAuthentication, processUserPermissionsTemplate),
// server/accounts.go (signing keys, revocations, bearer tokens, account
// expiry), server/jwt.go (trusted operators) and the checks nats-io/jwt v2
// makes when it decodes and validates a claim.
//
// The configuration was checked when it was parsed (config-operator.ts);
// what it holds is trusted here, and a JWT that does not decode trusts nothing.

import { isAccount, isOperator, isUser, type ClaimsData } from "@nats-io/jwt";
import type { OperatorConfig } from "./config-operator.js";
import { jwtConnectionTypesProblem } from "./connection-types.js";
import { fail, ok, type AuthResult, type Credentials } from "./identity.js";
import { asArray, asNumber, asObject, asString, asStrings, decodeClaims, type Json } from "./jwt-claims.js";
import { hasEmptyPermissions, permissionsFromJwt, permissionsProblem } from "./jwt-permissions.js";
import { applyScope } from "./jwt-scope.js";
import { isPublicKey, nonceSignatureProblem } from "./nkeys.js";
import type { PermissionsConfig } from "./permissions.js";

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

export class OperatorMode {
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
    const types = jwtConnectionTypesProblem(asStrings(nats.allowed_connection_types));
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
      const scoped = jwtConnectionTypesProblem(asStrings(limits.allowed_connection_types));
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
    const identity = { account: acc.key, user: subject, permissions, expiresAt };
    // Which JWT ends it decides what the client is told when it does.
    return ok(acc.exp > 0 && (exp <= 0 || acc.exp < exp) ? { ...identity, accountExpires: true } : identity);
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

/** nats-server's isRevoked: revoked when the user's or the `*` entry is at or after its issue time. */
function isRevoked(revocations: ReadonlyMap<string, number>, subject: string, issuedAt: number): boolean {
  if (revocations.size === 0) return false;
  const t = revocations.get(subject);
  if (t !== undefined && t >= issuedAt) return true;
  const all = revocations.get("*");
  return all !== undefined && all >= issuedAt;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

