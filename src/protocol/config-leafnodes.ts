// The configuration's `leafnodes` block, as nats-server reads it (opts.go
// parseLeafNodes, parseLeafAuthorization): who may connect as a leafnode and
// which account each is bound to. Without an `authorization` of its own, a
// leafnode authenticates as a client does, with the users, nkeys or JWTs of the
// rest of the document (auth.go isLeafNodeAuthorized).

import { GLOBAL_ACCOUNT } from "./account.js";
import {
  boolean,
  fail,
  fields,
  integer,
  items,
  MAX_TIMER_MS,
  nonEmptyString,
  refusals,
  spelling,
  string,
  type Field,
} from "./config-fields.js";
import { secret } from "./config-users.js";
import { isFullPublicKey } from "./nkeys.js";

/** A leafnode login of `leafnodes.authorization`: a user and password, or an nkey. */
export interface LeafUser {
  readonly user: string | null;
  readonly password: string | null;
  readonly nkey: string | null;
  /** The account the connection is bound to. */
  readonly account: string;
}

export interface LeafnodeConfig {
  /** `leafnodes.authorization`'s logins; empty when leafnodes authenticate as clients. */
  readonly users: readonly LeafUser[];
  /** `leafnodes.authorization.timeout`, ms; null when not set (the client one applies). */
  readonly authTimeoutMs: number | null;
}

export const EMPTY_LEAFNODES: LeafnodeConfig = Object.freeze({ users: Object.freeze([]), authTimeoutMs: null });

// `listen`, `host`, `port`, `advertise` and `no_advertise` are checked and ignored:
// Cloudflare provides the listener (leafnodes reach it at /leafnode), and the same
// file can start nats-server as the hub of a side-by-side run.
const LEAFNODES = spelling({
  authorization: [],
  listen: [],
  host: ["net"],
  port: [],
  advertise: ["cluster_advertise"],
  no_advertise: [],
});
const LEAFNODES_REFUSED = refusals(["remotes", "tls", "compression", "min_version", "reconnect", "reconnect_delay", "isolate_leafnode_interest", "write_deadline"]);

const AUTHORIZATION = spelling({ user: ["username"], password: ["pass"], account: [], nkey: [], users: [], timeout: [] });
const AUTHORIZATION_REFUSED = refusals(["token", "permissions", "proxy_required"]);
const USER = spelling({ user: ["username"], password: ["pass"], account: [] });

/** `accounts`: the names an `account` may take; null in operator mode (accounts are public keys, known from JWTs). */
export function leafnodes(f: Field | undefined, accounts: readonly string[] | null): LeafnodeConfig {
  if (!f) return EMPTY_LEAFNODES;
  const m = fields(f, LEAFNODES, LEAFNODES_REFUSED);
  const port = m.get("port");
  if (port) integer(port, -1, 65535);
  for (const name of ["listen", "host", "advertise"]) {
    const v = m.get(name);
    if (v) string(v);
  }
  const noAdvertise = m.get("no_advertise");
  if (noAdvertise) boolean(noAdvertise);
  const auth = m.get("authorization");
  return auth ? authorization(auth, accounts) : EMPTY_LEAFNODES;
}

function authorization(f: Field, accounts: readonly string[] | null): LeafnodeConfig {
  const m = fields(f, AUTHORIZATION, AUTHORIZATION_REFUSED);
  const account = (af: Field | undefined): string => {
    if (!af) return GLOBAL_ACCOUNT;
    const name = nonEmptyString(af);
    if (accounts === null) {
      if (!isFullPublicKey(name, "A")) fail(af.path, "in operator mode, an account is its public key (56 characters starting with \"A\")");
    } else if (!accounts.includes(name)) fail(af.path, `account ${JSON.stringify(name)} is not defined in accounts`);
    return name;
  };
  let authTimeoutMs: number | null = null;
  const timeout = m.get("timeout");
  if (timeout) {
    const v = timeout.value;
    if (typeof v !== "number" || v < 0 || v * 1000 > MAX_TIMER_MS) fail(timeout.path, `must be a number of seconds from 0 to ${MAX_TIMER_MS / 1000}`);
    if (v > 0) authTimeoutMs = Math.round(v * 1e6) / 1e3;
  }
  const userField = m.get("user");
  const passwordField = m.get("password");
  const nkeyField = m.get("nkey");
  const usersField = m.get("users");
  if (passwordField && !userField) fail(passwordField.path, 'needs "user"');
  const given = [userField, nkeyField, usersField].filter((x) => x !== undefined);
  if (given.length > 1) fail(given[1]!.path, 'takes one of "user", "nkey" or "users"');
  const users: LeafUser[] = [];
  if (userField) {
    users.push({ user: nonEmptyString(userField), password: passwordField ? secret(passwordField) : "", nkey: null, account: account(m.get("account")) });
  } else if (nkeyField) {
    const nkey = string(nkeyField);
    if (!isFullPublicKey(nkey, "U")) fail(nkeyField.path, 'must be a user public nkey (56 characters starting with "U")');
    users.push({ user: null, password: null, nkey, account: account(m.get("account")) });
  } else if (usersField) {
    const acc = m.get("account");
    if (acc) fail(acc.path, 'applies to a single "user" or "nkey"; give each of "users" its own account');
    const seen = new Set<string>();
    for (const u of items(usersField, false, "users")) {
      const um = fields(u, USER);
      const name = um.get("user");
      if (!name) fail(u.path, 'needs a "user"');
      const user = nonEmptyString(name);
      if (seen.has(user)) fail(name.path, `duplicate user ${JSON.stringify(user)}`);
      seen.add(user);
      const pw = um.get("password");
      users.push({ user, password: pw ? secret(pw) : "", nkey: null, account: account(um.get("account")) });
    }
  } else {
    const acc = m.get("account");
    if (acc) fail(acc.path, 'needs "user" or "nkey"');
  }
  return { users, authTimeoutMs };
}
