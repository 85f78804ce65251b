// The configuration's users and accounts: the `authorization` block (a token,
// a single user, or a users list in the global account) and the `accounts`
// block (users per account), with the combinations nats-server refuses
// (opts.go processConfigFileLine, parseAccounts, parseUsers).

import { accountJetStreamOf, type AccountJetStream } from "./config-jetstream.js";
import { accountNameProblem, GLOBAL_ACCOUNT } from "./account.js";
import {
  fail,
  fields,
  isObject,
  items,
  key,
  MAX_TIMER_MS,
  nonEmptyString,
  NOT_SUPPORTED,
  refusals,
  spelling,
  string,
  type Field,
} from "./config-fields.js";
import { mappings } from "./config-mappings.js";
import { permissions } from "./config-permissions.js";
import { CONFIG_CONNECTION_TYPES, WEBSOCKET } from "./connection-types.js";
import { isFullPublicKey } from "./nkeys.js";
import { isBcrypt } from "./passwords.js";
import type { Mappings } from "./mappings.js";
import type { PermissionsConfig } from "./permissions.js";

/** A user from `authorization` (account "$G") or from an account's `users`. */
export interface UserConfig {
  /** Login name; absent for nkey users. */
  readonly user: string | null;
  /** Plain or bcrypt (`$2a$…`) password; null for nkey users. */
  readonly password: string | null;
  /** The user's public nkey (`U…`), for nonce-signing users. */
  readonly nkey: string | null;
  readonly account: string;
  readonly permissions: PermissionsConfig | null;
}

/** nats-server's AUTH_TIMEOUT (const.go): the wait for CONNECT without TLS. */
export const DEFAULT_AUTH_TIMEOUT_MS = 2000;

const AUTHORIZATION = spelling({
  user: ["username"],
  password: ["pass"],
  token: [],
  timeout: [],
  users: [],
  default_permissions: ["default_permission", "permissions"],
});
const AUTHORIZATION_REFUSED = refusals(["auth_callout"]);

const USER = spelling({
  user: ["username"],
  password: ["pass"],
  nkey: [],
  permissions: ["permission", "authorization"],
  allowed_connection_types: ["connection_types", "clients"],
});

const ACCOUNT = spelling({ users: [], default_permissions: [], jetstream: [], mappings: ["maps"] });
const ACCOUNT_REFUSED = refusals(["nkey", "imports", "exports", "limits"]);

/** Every login name and nkey seen so far, with where: nats-server refuses a second one. */
export type Seen = Map<string, string>;

export interface Authorization {
  readonly token: string | null;
  readonly users: UserConfig[];
  /** Login names of the `users` list, which alone may be the no_auth_user. */
  readonly listed: ReadonlySet<string>;
  readonly timeoutMs: number;
  /** The first field that sets credentials, which operator mode refuses. */
  readonly anyCredentials: Field | null;
}

export function authorization(f: Field, seen: Seen, accountUsersPath: string | null): Authorization {
  const m = fields(f, AUTHORIZATION, AUTHORIZATION_REFUSED);
  const tokenField = m.get("token");
  const userField = m.get("user");
  const passwordField = m.get("password");
  const usersField = m.get("users");
  const defaultsField = m.get("default_permissions");

  let timeoutMs = DEFAULT_AUTH_TIMEOUT_MS;
  const timeout = m.get("timeout");
  if (timeout) {
    // Seconds, fractions allowed; nats-server reads anything but a number as 1 second.
    const v = timeout.value;
    if (typeof v !== "number" || v < 0 || v * 1000 > MAX_TIMER_MS) {
      fail(timeout.path, `must be a number of seconds from 0 to ${MAX_TIMER_MS / 1000}`);
    }
    if (v > 0) timeoutMs = Math.round(v * 1e6) / 1e3;
  }

  const token = tokenField ? secret(tokenField, true) : null;
  const single = userField ? nonEmptyString(userField) : null;
  if (passwordField && !userField)
    fail(passwordField.path, 'needs "user" (nats-server ignores a password without one)');

  // The combinations nats-server refuses (opts.go processConfigFileLine, parseAccounts).
  if (token !== null && single !== null) fail(f.path, "cannot have both a user/password and a token");
  if (usersField && single !== null) fail(usersField.path, "cannot be combined with a single user/password");
  if (usersField && token !== null) fail(usersField.path, "cannot be combined with a token");
  if (accountUsersPath !== null && single !== null)
    fail(userField!.path, `cannot be combined with users in accounts (${accountUsersPath})`);
  if (accountUsersPath !== null && token !== null)
    fail(tokenField!.path, `cannot be combined with users in accounts (${accountUsersPath})`);
  // nats-server applies these only to the users list and ignores them otherwise.
  if (defaultsField && !usersField)
    fail(defaultsField.path, 'applies only to a "users" list (nats-server ignores it for a single user or a token)');

  const defaults = defaultsField ? permissions(defaultsField) : null;
  const list = usersField ? users(usersField, GLOBAL_ACCOUNT, defaults, seen) : [];
  const listed = new Set(list.flatMap((u) => (u.user !== null ? [u.user] : [])));
  if (single !== null) {
    const password = passwordField ? secret(passwordField) : "";
    list.push({ user: single, password, nkey: null, account: GLOBAL_ACCOUNT, permissions: null });
  }
  const anyCredentials = tokenField ?? userField ?? usersField ?? null;
  return { token, users: list, listed, timeoutMs, anyCredentials };
}

export interface Accounts {
  readonly names: string[];
  readonly users: UserConfig[];
  /** The accounts whose block sets `jetstream`: their limits, or null for disabled. */
  readonly jetstream: Map<string, AccountJetStream | null>;
  /** The accounts with subject mappings. */
  readonly mappings: Map<string, Mappings>;
  /** The `users` field of the first account that has users, for error messages. */
  readonly firstUsersPath: string | null;
}

export function accounts(f: Field, seen: Seen): Accounts {
  const names: string[] = [];
  const all: UserConfig[] = [];
  const jetstream = new Map<string, AccountJetStream | null>();
  const maps = new Map<string, Mappings>();
  let firstUsersPath: string | null = null;
  if (Array.isArray(f.value)) {
    // nats-server also takes a plain list of account names, accounts without users.
    for (const item of items(f, false, "account names")) {
      const name = string(item);
      accountName(name, item.path);
      if (names.includes(name)) fail(item.path, `duplicate account ${JSON.stringify(name)}`);
      names.push(name);
    }
    return { names, users: all, jetstream, mappings: maps, firstUsersPath };
  }
  if (!isObject(f.value)) fail(f.path, "must be an object of accounts (or a list of account names)");
  for (const name of Object.keys(f.value)) {
    const af: Field = { value: f.value[name], path: key(f.path, name) };
    accountName(name, af.path);
    const m = fields(af, ACCOUNT, ACCOUNT_REFUSED);
    const dp = m.get("default_permissions");
    const defaults = dp ? permissions(dp) : null;
    const uf = m.get("users");
    const list = uf ? users(uf, name, defaults, seen) : [];
    if (list.length > 0) firstUsersPath ??= uf!.path;
    const js = m.get("jetstream");
    if (js) jetstream.set(name, accountJetStreamOf(js));
    const mf = m.get("mappings");
    if (mf) maps.set(name, mappings(mf));
    names.push(name);
    all.push(...list);
  }
  return { names, users: all, jetstream, mappings: maps, firstUsersPath };
}

function accountName(name: string, path: string): void {
  const problem = accountNameProblem(name);
  if (problem !== null) fail(path, problem);
}

function user(f: Field, account: string, defaults: PermissionsConfig | null, seen: Seen): UserConfig {
  const m = fields(f, USER);
  const userField = m.get("user");
  const passwordField = m.get("password");
  const nkeyField = m.get("nkey");
  const name = userField ? nonEmptyString(userField) : null;
  const password = passwordField ? secret(passwordField) : null;
  const perms = m.get("permissions");

  // Every nats-edge connection is a WebSocket: a user limited to other kinds could never connect.
  const types = m.get("allowed_connection_types");
  if (types) {
    const list = items(types, true, "a connection type").map((t) => {
      const ct = string(t).toUpperCase();
      if (!CONFIG_CONNECTION_TYPES.has(ct)) fail(t.path, `unknown connection type ${JSON.stringify(t.value)}`);
      return ct;
    });
    if (list.length > 0 && !list.includes(WEBSOCKET)) {
      fail(types.path, "leaves out WEBSOCKET, the only kind of connection nats-edge has: this user could never connect");
    }
  }

  let nkey: string | null = null;
  if (nkeyField) {
    nkey = string(nkeyField);
    if (!isFullPublicKey(nkey, "U"))
      fail(nkeyField.path, 'must be a user public nkey (56 characters starting with "U")');
    if (name !== null || passwordField) fail(f.path, "an nkey user takes no user or password");
  } else if (name === null) {
    fail(f.path, 'needs a "user" or an "nkey"');
  }

  const id = nkey ?? name!;
  const idPath = (nkeyField ?? userField)!.path;
  const before = seen.get(id);
  if (before !== undefined)
    fail(idPath, `duplicate ${nkey ? "nkey" : "user"} ${JSON.stringify(id)} (also at ${before})`);
  seen.set(id, idPath);

  return {
    user: name,
    // A user listed without a password logs in with an empty one, as in nats-server.
    password: nkey ? null : (password ?? ""),
    nkey,
    account,
    // nats-server applies default permissions only to users with no permissions of their own.
    permissions: perms ? permissions(perms) : defaults,
  };
}

function users(f: Field, account: string, defaults: PermissionsConfig | null, seen: Seen): UserConfig[] {
  return items(f, false, "users").map((u) => user(u, account, defaults, seen));
}

/**
 * A password or token, plain or bcrypt. nats-server takes one for a bcrypt
 * hash when isBcrypt says so; a malformed hash, or the $2x$ variant bcryptjs
 * cannot check, would then refuse every login without a word, so those are
 * refused here.
 */
export function secret(f: Field, nonEmpty = false): string {
  const s = nonEmpty ? nonEmptyString(f) : string(f);
  if (!isBcrypt(s)) return s;
  if (s[2] === "x") fail(f.path, `bcrypt hashes of the $2x$ variant are ${NOT_SUPPORTED}; use $2a$, $2b$ or $2y$`);
  const cost = Number(s.slice(4, 6));
  if (cost < 4 || cost > 31) fail(f.path, `bcrypt cost ${cost} is outside 4 to 31`);
  if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(s)) {
    fail(f.path, "starts like a bcrypt hash but is not one (60 characters: $2b$<cost>$<53 characters of salt and hash>)");
  }
  return s;
}
