// What a connecting client presents, and what authentication makes of it.

import type { PermissionsConfig } from "./permissions.js";

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
  /** The account's JWT expires first: the client is told "Account Authentication Expired". */
  readonly accountExpires?: boolean;
}

/** `reason` is for logs and tests; the client is only ever told "Authorization Violation". */
export type AuthResult = { ok: true; identity: Identity } | { ok: false; reason: string };

export function ok(identity: Identity): AuthResult {
  return { ok: true, identity };
}

export function fail(reason: string): AuthResult {
  return { ok: false, reason };
}
