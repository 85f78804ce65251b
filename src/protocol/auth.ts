// Who a connecting client is, decided as nats-server decides it: server/auth.go
// (processClientOrLeafAuthentication, comparePasswords) for a token, users with
// passwords, nkey users and no_auth_user; operator mode (user JWTs) is
// operator.ts.
//
// Everything the configuration implies is derived once, in the constructor;
// authenticate() then does lookups, one bcrypt or Ed25519 check at most, and
// for JWT users the decoding of the one JWT presented.

import { GLOBAL_ACCOUNT } from "./account.js";
import type { BrokerConfig } from "./config.js";
import type { UserConfig } from "./config-users.js";
import { fail, ok, type AuthResult, type Credentials, type Identity } from "./identity.js";
import { nonceSignatureProblem } from "./nkeys.js";
import { OperatorMode } from "./operator.js";
import { comparePasswords } from "./passwords.js";

export type { AuthResult, Credentials, Identity } from "./identity.js";
export { newNonce } from "./nkeys.js";

/**
 * Whether the configuration asks clients for credentials: a token, users or
 * nkey users, or an operator. Without any, every client is anonymous, and
 * admitted only when anonymous access is allowed.
 */
export function authorizationConfigured(config: BrokerConfig): boolean {
  // An empty token is no token, as nats-server tests `authorization != ""`.
  const token = config.token !== null && config.token !== "";
  return config.operator !== null || token || config.users.some((u) => u.nkey !== null || u.user !== null);
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
    // An empty token is no token (see authorizationConfigured).
    this.token = config.token === "" ? null : config.token;
    this.noAuthUser = config.noAuthUser;
    this.operator = config.operator === null ? null : new OperatorMode(config.operator);
    this.configured = authorizationConfigured(config);
    this.required = this.configured || !allowAnonymous;
    this.needsNonce = this.operator !== null || this.nkeys.size > 0;
  }

  /**
   * The no_auth_user, for a client that acts before sending CONNECT: nats-server
   * registers that user directly then, without comparing passwords (so a bcrypt
   * one works here). Null when none is configured.
   */
  noAuthIdentity(): Identity | null {
    const u = this.noAuthUser === null ? undefined : this.users.get(this.noAuthUser);
    if (u === undefined) return null;
    return { account: u.account, user: this.noAuthUser!, permissions: u.permissions, expiresAt: null };
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
