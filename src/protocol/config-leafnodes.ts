// The configuration's `leafnodes` block, as nats-server reads it (opts.go
// parseLeafNodes, parseLeafAuthorization, parseRemoteLeafNodes): who may connect
// as a leafnode and which account each is bound to, and the hubs nats-edge dials
// as a leaf itself (`remotes`). Without an `authorization` of its own, a leafnode
// authenticates as a client does, with the users, nkeys or JWTs of the rest of
// the document (auth.go isLeafNodeAuthorized).
//
// One difference: a remote's `credentials` is the content of a .creds file, not
// its path, since a Worker has no files.

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

/** A hub nats-edge dials as a leaf (a `remotes` entry). */
export interface LeafRemote {
  /** Where it is, tried in turn: `nats-leaf://`, `nats://` or `tcp://` (TCP), `tls://`, `ws://`, `wss://`; credentials may be in them. */
  readonly urls: readonly string[];
  /** The local account the link joins (nats-server's `account`, `local`). */
  readonly account: string;
  /** A user JWT and its seed, from the content of a .creds file; null without. */
  readonly credentials: { readonly jwt: string; readonly seed: string } | null;
}

export interface LeafnodeConfig {
  /** `leafnodes.authorization`'s logins; empty when leafnodes authenticate as clients. */
  readonly users: readonly LeafUser[];
  /** `leafnodes.authorization.timeout`, ms; null when not set (the client one applies). */
  readonly authTimeoutMs: number | null;
  readonly remotes: readonly LeafRemote[];
}

export const EMPTY_LEAFNODES: LeafnodeConfig = Object.freeze({ users: Object.freeze([]), authTimeoutMs: null, remotes: Object.freeze([]) });

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
  remotes: [],
});
const LEAFNODES_REFUSED = refusals(["tls", "compression", "min_version", "reconnect", "reconnect_delay", "isolate_leafnode_interest", "write_deadline"]);

const AUTHORIZATION = spelling({ user: ["username"], password: ["pass"], account: [], nkey: [], users: [], timeout: [] });
const AUTHORIZATION_REFUSED = refusals(["token", "permissions", "proxy_required"]);
const USER = spelling({ user: ["username"], password: ["pass"], account: [] });
const REMOTE = spelling({ url: [], urls: [], account: ["local"], credentials: ["creds"], ws_no_masking: [] });
const REMOTE_REFUSED = refusals(["tls", "hub", "deny_imports", "deny_exports", "compression", "ws_compression", "nkey", "signature_cb", "first_info_timeout", "no_randomize", "proxy", "disabled", "request_isolation", "jetstream_cluster_migrate"]);
const SCHEMES = ["nats-leaf:", "nats:", "tcp:", "tls:", "ws:", "wss:"];

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
  const remotesField = m.get("remotes");
  const remotes = remotesField ? items(remotesField, false, "remotes").map((r) => remote(r, accounts)) : [];
  return { ...(auth ? authorization(auth, accounts) : EMPTY_LEAFNODES), remotes };
}

function remote(f: Field, accounts: readonly string[] | null): LeafRemote {
  const m = fields(f, REMOTE, REMOTE_REFUSED);
  const url = m.get("url");
  const urlsField = m.get("urls");
  if (!url && !urlsField) fail(f.path, 'needs a "url" (or "urls")');
  const urls = [...(url ? [url] : []), ...(urlsField ? items(urlsField, true, "a URL") : [])].map(remoteUrl);
  const noMasking = m.get("ws_no_masking");
  if (noMasking) boolean(noMasking);
  const acc = m.get("account");
  const creds = m.get("credentials");
  return { urls, account: acc ? accountName(acc, accounts) : GLOBAL_ACCOUNT, credentials: creds ? credentials(creds) : null };
}

function remoteUrl(f: Field): string {
  const s = nonEmptyString(f);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    fail(f.path, `${JSON.stringify(s)} is not a URL such as "nats-leaf://hub.example.com:7422" or "wss://hub.example.com/leafnode"`);
  }
  if (!SCHEMES.includes(u.protocol)) fail(f.path, `${JSON.stringify(s)}: the scheme must be one of ${SCHEMES.map((x) => x.slice(0, -1)).join(", ")}`);
  if (u.hostname === "") fail(f.path, `${JSON.stringify(s)} names no host`);
  return s;
}

function accountName(f: Field, accounts: readonly string[] | null): string {
  const name = nonEmptyString(f);
  if (accounts === null) {
    if (!isFullPublicKey(name, "A")) fail(f.path, 'in operator mode, an account is its public key (56 characters starting with "A")');
  } else if (!accounts.includes(name)) fail(f.path, `account ${JSON.stringify(name)} is not defined in accounts`);
  return name;
}

/** The two armoured blocks of a .creds file (nats-server's credsRe): the user JWT, then its seed. */
const CREDS_BLOCK = /\s*(?:(?:-{3,}[^\n]*-{3,}\r?\n)([\w\-.=]+)(?:\r?\n-{3,}[^\n]*-{3,}(?:\r?\n|$)))/g;

function credentials(f: Field): { jwt: string; seed: string } {
  const s = nonEmptyString(f);
  const blocks = [...s.matchAll(CREDS_BLOCK)].map((b) => b[1]);
  if (blocks.length < 2) {
    fail(f.path, "must be the content of a .creds file (a Worker has no files): the user JWT and its seed, each between ----- lines");
  }
  const [jwt, seed] = blocks;
  if (!seed.startsWith("SU")) fail(f.path, "the second block must be a user seed (starting with \"SU\")");
  return { jwt, seed };
}

function authorization(f: Field, accounts: readonly string[] | null): LeafnodeConfig {
  const m = fields(f, AUTHORIZATION, AUTHORIZATION_REFUSED);
  const account = (af: Field | undefined): string => (af ? accountName(af, accounts) : GLOBAL_ACCOUNT);
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
  return { users, authTimeoutMs, remotes: [] };
}
