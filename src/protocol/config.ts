// The broker's configuration document (the NATS_CONFIG binding): JSON that
// nats-server itself would accept as its configuration file, with nats-server's
// field names and meanings for everything supported here. Anything unsupported
// or malformed is refused with an error naming the field, never ignored.
//
// Deliberate differences from nats-server 2.9, each explained where it is checked:
// - refused where nats-server silently ignores or misreads a value: a password
//   without a user, permissions under `authorization` without a users list, a
//   non-numeric `authorization.timeout` (read as 1 s), empty permission lists
//   (read as "allow everything"), a queue group in a publish permission,
//   resolver settings without an operator, a token or users next to an operator,
//   a malformed bcrypt hash, an allowed origin that is not an http(s) origin, a
//   user whose connection types leave out WEBSOCKET, and one setting given
//   under two spellings;
// - refused because nats-edge cannot honour it: account names that cannot be
//   subject tokens, a system account outside operator mode, limits beyond what
//   workerd carries, and a preloaded account JWT that is not the key's or not
//   signed by a trusted key (nats-server notices only when a user connects);
// - accepted although nats-server 2.9 refuses it: `operator` as a JSON list, and
//   the `token_cookie`, `user_cookie` and `pass_cookie` of later versions;
// - accepted and ignored: the WebSocket listener settings (see WEBSOCKET below).

import { decode, isAccount, isOperator, type ClaimsData, type Operator } from "@nats-io/jwt";
import { fromPublic } from "@nats-io/nkeys";
import { isValidSubject } from "./subject.js";

/** allow/deny lists of subject patterns; null when the list is absent. */
export interface SubjectPermission {
  readonly allow: readonly string[] | null;
  readonly deny: readonly string[] | null;
}

/** `allow_responses`: publishing to reply subjects of messages received. */
export interface ResponsePermission {
  /** Replies allowed per request received; nats-server's default is 1; 0 for no limit. */
  readonly maxMsgs: number;
  /** How long a reply subject stays allowed, in ms; 0 for no limit. */
  readonly expiresMs: number;
}

export interface PermissionsConfig {
  readonly publish: SubjectPermission | null;
  readonly subscribe: SubjectPermission | null;
  readonly allowResponses: ResponsePermission | null;
}

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

export interface WebSocketConfig {
  readonly sameOrigin: boolean;
  /** Origins as nats-server compares them (scheme://host[:port]); empty: any. */
  readonly allowedOrigins: readonly string[];
  readonly jwtCookie: string | null;
  readonly tokenCookie: string | null;
  readonly usernameCookie: string | null;
  readonly passwordCookie: string | null;
}

/** Decentralized auth: trusted operators and the memory resolver's account JWTs. */
export interface OperatorConfig {
  /** Operator JWTs, as given. */
  readonly operators: readonly string[];
  /** Account public key -> account JWT (`resolver_preload`). */
  readonly accounts: ReadonlyMap<string, string>;
  readonly systemAccount: string | null;
}

export interface BrokerConfig {
  /** `authorization.token` (plain or bcrypt); null when not set. */
  readonly token: string | null;
  readonly users: readonly UserConfig[];
  /** Account names declared (always includes "$G"). */
  readonly accounts: readonly string[];
  /** `authorization.timeout`, ms (nats-server's default: 2 s). */
  readonly authTimeoutMs: number;
  readonly noAuthUser: string | null;
  readonly operator: OperatorConfig | null;
  /** Limits; null where the document does not set them (the environment's settings apply). */
  readonly maxPayload: number | null;
  readonly maxConnections: number | null;
  readonly maxSubscriptions: number | null;
  readonly maxControlLine: number | null;
  readonly maxPending: number | null;
  /** ms; null when not set (nats-server's default is 2 minutes). */
  readonly pingIntervalMs: number | null;
  readonly pingMax: number | null;
  readonly websocket: WebSocketConfig;
}

/** A document that cannot run as written; the message starts with the field's path. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** nats-server's AUTH_TIMEOUT (const.go): the wait for CONNECT without TLS. */
const DEFAULT_AUTH_TIMEOUT_MS = 2000;
/** nats-server's DEFAULT_ALLOW_RESPONSE_MAX_MSGS and DEFAULT_ALLOW_RESPONSE_EXPIRATION. */
const DEFAULT_RESPONSE_MAX_MSGS = 1;
const DEFAULT_RESPONSE_EXPIRES_MS = 2 * 60 * 1000;
/** nats-server's MAX_PAYLOAD_SIZE, which max_pending may not be below when max_payload is not set. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** Timers in JavaScript hold at most 2^31-1 ms; a longer interval would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_INT32 = 2 ** 31 - 1;
const GLOBAL_ACCOUNT = "$G";

/** What an absent or empty NATS_CONFIG means: no authentication, every limit from the environment. */
export const EMPTY_CONFIG: BrokerConfig = Object.freeze({
  token: null,
  users: Object.freeze([]),
  accounts: Object.freeze([GLOBAL_ACCOUNT]),
  authTimeoutMs: DEFAULT_AUTH_TIMEOUT_MS,
  noAuthUser: null,
  operator: null,
  maxPayload: null,
  maxConnections: null,
  maxSubscriptions: null,
  maxControlLine: null,
  maxPending: null,
  pingIntervalMs: null,
  pingMax: null,
  websocket: Object.freeze({
    sameOrigin: false,
    allowedOrigins: Object.freeze([]),
    jwtCookie: null,
    tokenCookie: null,
    usernameCookie: null,
    passwordCookie: null,
  }),
});

type JsonObject = { readonly [key: string]: unknown };

interface Field {
  readonly value: unknown;
  readonly path: string;
}

// ---------------------------------------------------------------------------
// Field tables. nats-server lower-cases every field name before matching it
// (opts.go: `switch strings.ToLower(k)`) and accepts the aliases listed here.
// Two spellings of one setting in the same object are refused: nats-server
// would keep whichever its map iteration happened to visit last.

type Spelling = ReadonlyMap<string, string>;

function spelling(settings: Readonly<Record<string, readonly string[]>>): Spelling {
  const m = new Map<string, string>();
  for (const [name, aliases] of Object.entries(settings)) {
    m.set(name, name);
    for (const a of aliases) m.set(a, name);
  }
  return m;
}

const NOT_SUPPORTED = "not supported by nats-edge";

function refusals(
  names: readonly string[],
  why = NOT_SUPPORTED,
  more: Record<string, string> = {},
): ReadonlyMap<string, string> {
  return new Map([...names.map((n): [string, string] => [n, why]), ...Object.entries(more)]);
}

const TOP = spelling({
  authorization: [],
  accounts: [],
  operator: ["operators", "root", "roots", "root_operator", "root_operators"],
  resolver: ["account_resolver", "accounts_resolver"],
  resolver_preload: [],
  system_account: ["system"],
  no_auth_user: [],
  max_payload: [],
  max_connections: ["max_conn"],
  max_subscriptions: ["max_subs"],
  max_control_line: [],
  max_pending: [],
  ping_interval: [],
  ping_max: [],
  websocket: ["ws"],
});
// nats-server's other top-level settings (opts.go processConfigFileLine),
// named so that a document written for it gets a precise answer.
const TOP_REFUSED = refusals(
  [
    "client_advertise", "server_name", "debug", "trace", "trace_verbose", "logtime", "mappings", "maps",
    "disable_sublist_cache", "no_sublist_cache", "http", "https", "http_port", "monitor_port", "https_port",
    "http_base_path", "cluster", "gateway", "leaf", "leafnodes", "store_dir", "storedir", "jetstream", "logfile",
    "log_file", "logfile_size_limit", "log_size_limit", "syslog", "remote_syslog", "pidfile", "pid_file",
    "ports_file_dir", "prof_port", "max_traced_msg_len", "max_sub_tokens", "max_subscription_tokens", "tls", "ocsp",
    "allow_non_tls", "write_deadline", "lame_duck_duration", "lame_duck_grace_period", "resolver_tls",
    "resolver_pinned_accounts", "no_system_account", "no_system", "no_sys_acc", "no_header_support", "trusted",
    "trusted_keys", "connect_error_reports", "reconnect_error_reports", "mqtt", "server_tags", "default_js_domain",
  ],
  NOT_SUPPORTED,
  Object.fromEntries(
    ["listen", "port", "host", "net"].map((k) => [
      k,
      `${NOT_SUPPORTED}: Cloudflare provides the listener (nats-server running the same file takes its port from -p)`,
    ]),
  ),
);

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

const ACCOUNT = spelling({ users: [], default_permissions: [] });
const ACCOUNT_REFUSED = refusals(["nkey", "imports", "exports", "jetstream", "mappings", "maps", "limits"]);

const PERMISSIONS = spelling({
  publish: ["pub", "import"],
  subscribe: ["sub", "export"],
  allow_responses: ["publish_allow_responses"],
});
const SUBJECT_PERMISSION = spelling({ allow: [], deny: [] });
const ALLOW_RESPONSES = spelling({
  max: ["max_msgs", "max_messages", "max_responses"],
  expires: ["expiration", "ttl"],
});

// `listen`, `host`, `port`, `no_tls` and `compression` are checked and then
// ignored: Cloudflare provides the listener and its TLS, and the Workers
// runtime answers a client's permessage-deflate offer itself, whatever
// `compression` says (invisible to the NATS protocol above it; see
// docs/benchmarks.md). They are accepted so that the same file can start
// nats-server for a side-by-side run, which needs a port and, without
// certificates, no_tls.
const WEBSOCKET = spelling({
  same_origin: [],
  allowed_origins: ["allowed_origin", "allow_origins", "allow_origin", "origins", "origin"],
  jwt_cookie: [],
  token_cookie: [],
  user_cookie: [],
  pass_cookie: [],
  listen: [],
  host: ["net"],
  port: [],
  no_tls: [],
  compression: ["compress"],
});
const WEBSOCKET_REFUSED = refusals(
  ["tls", "advertise", "handshake_timeout", "authorization", "authentication", "no_auth_user"],
  NOT_SUPPORTED,
  {
    username_cookie: 'unknown field (nats-server calls it "user_cookie")',
    password_cookie: 'unknown field (nats-server calls it "pass_cookie")',
  },
);

// ---------------------------------------------------------------------------
// Paths and primitive readers.

function fail(path: string, problem: string): never {
  throw new ConfigError(`${path}: ${problem}`);
}

function key(path: string, name: string): string {
  const plain = /^[A-Za-z0-9_$-]+$/.test(name);
  if (path === "") return plain ? name : JSON.stringify(name);
  return plain ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function object(f: Field): JsonObject {
  if (!isObject(f.value)) fail(f.path, "must be an object");
  return f.value;
}

function fields(f: Field, accepted: Spelling, refused: ReadonlyMap<string, string> = new Map()): Map<string, Field> {
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

function string(f: Field): string {
  if (typeof f.value !== "string") fail(f.path, "must be a string");
  return f.value;
}

function nonEmptyString(f: Field): string {
  const s = string(f);
  if (s === "") fail(f.path, "must not be empty");
  return s;
}

function boolean(f: Field): boolean {
  if (typeof f.value !== "boolean") fail(f.path, "must be true or false");
  return f.value;
}

function integer(f: Field, min: number, max: number): number {
  const v = f.value;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    fail(f.path, `must be a whole number from ${min} to ${max}`);
  }
  return v;
}

/** Items of a list, each with its path; a lone string stands for a list of one where nats-server allows it. */
function items(f: Field, loneString: boolean, what: string): Field[] {
  if (loneString && typeof f.value === "string") return [f];
  if (!Array.isArray(f.value))
    fail(f.path, `must be ${loneString ? `${what} or a list of them` : `a list of ${what}`}`);
  return f.value.map((value: unknown, i) => ({ value, path: `${f.path}[${i}]` }));
}

// ---------------------------------------------------------------------------
// Durations.

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3, // U+00B5
  "μs": 1e3, // U+03BC
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/**
 * Go's time.ParseDuration, which nats-server applies to every duration string
 * ("1m30s", "1.5h", "-2s", "0"): the length in nanoseconds, or why the text
 * is not a duration. Fractions are scaled as Go does (float(frac) * unit/scale).
 */
export function parseGoDuration(text: string): { ns: number } | { error: string } {
  let s = text;
  let negative = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    negative = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return { ns: 0 };
  if (s === "") return { error: "not a duration" };
  let total = 0;
  let i = 0;
  while (i < s.length) {
    const intStart = i;
    while (i < s.length && isDigit(s[i]!)) i++;
    const whole = s.slice(intStart, i);
    let fraction = "";
    if (s[i] === ".") {
      const fracStart = ++i;
      while (i < s.length && isDigit(s[i]!)) i++;
      fraction = s.slice(fracStart, i);
    }
    if (whole === "" && fraction === "") return { error: "not a duration" };
    const unitStart = i;
    while (i < s.length && s[i] !== "." && !isDigit(s[i]!)) i++;
    const unit = s.slice(unitStart, i);
    if (unit === "") return { error: "missing unit" };
    const scale = UNIT_NS[unit];
    if (scale === undefined) return { error: `unknown unit "${unit}"` };
    total += Number(whole || "0") * scale;
    if (fraction !== "") total += Math.trunc(Number(fraction) * (scale / 10 ** fraction.length));
    if (total > 9223372036854775807) return { error: "too long" };
  }
  return { ns: negative ? -total : total };
}

function durationMs(f: Field): number {
  const s = string(f);
  const d = parseGoDuration(s);
  if ("error" in d)
    fail(f.path, `must be a duration such as "2m", "30s" or "1m30s" (${JSON.stringify(s)}: ${d.error})`);
  return d.ns / 1e6;
}

// ---------------------------------------------------------------------------
// Keys, secrets, subjects.

/** A public nkey of the given kind ("U" user, "A" account, "O" operator), checksum included. */
function isPublicKey(k: unknown, kind: "U" | "A" | "O"): k is string {
  if (typeof k !== "string" || k.length !== 56 || k[0] !== kind) return false;
  try {
    fromPublic(k);
    return true;
  } catch {
    return false;
  }
}

/**
 * A password or token, plain or bcrypt. nats-server takes one for a bcrypt hash
 * when it matches ^\$2[abxy]\$\d{2}\$ (auth.go isBcrypt); a malformed hash, or
 * the $2x$ variant bcryptjs cannot check, would then refuse every login
 * without a word, so those are refused here.
 */
function secret(f: Field, nonEmpty = false): string {
  const s = nonEmpty ? nonEmptyString(f) : string(f);
  if (!/^\$2[abxy]\$\d\d\$/.test(s)) return s;
  if (s[2] === "x") fail(f.path, `bcrypt hashes of the $2x$ variant are ${NOT_SUPPORTED}; use $2a$, $2b$ or $2y$`);
  const cost = Number(s.slice(4, 6));
  if (cost < 4 || cost > 31) fail(f.path, `bcrypt cost ${cost} is outside 4 to 31`);
  if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(s)) {
    fail(f.path, "starts like a bcrypt hash but is not one (60 characters: $2b$<cost>$<53 characters of salt and hash>)");
  }
  return s;
}

/**
 * One permission entry. nats-server (opts.go checkPermSubjectArray) accepts a
 * valid subject, or "subject queue": the text split at whitespace into exactly
 * two fields, the first a valid subject; the queue part is not checked further
 * and may hold wildcards, matched as client.go queueMatches does.
 */
function permissionSubject(f: Field, kind: "publish" | "subscribe"): string {
  const s = string(f);
  if (isValidSubject(s)) return s;
  const parts = s.trim().split(/\s+/);
  if (parts.length === 2 && isValidSubject(parts[0]!)) {
    // nats-server accepts the queue form in a publish list too, where it can never match a subject.
    if (kind === "publish")
      fail(f.path, `${JSON.stringify(s)} names a queue group, which only a subscribe permission can have`);
    return `${parts[0]} ${parts[1]}`;
  }
  fail(f.path, `${JSON.stringify(s)} is not a valid subject${kind === "subscribe" ? ', nor "subject queue"' : ""}`);
}

// ---------------------------------------------------------------------------
// Permissions.

function subjectList(f: Field, kind: "publish" | "subscribe"): string[] {
  const list = items(f, true, "a subject").map((item) => permissionSubject(item, kind));
  // nats-server reads an empty list as no list at all, which allows everything:
  // rarely what was meant by writing it, so it is refused.
  if (list.length === 0)
    fail(f.path, `an empty list restricts nothing; leave it out to allow everything, or deny ">" to allow nothing`);
  return list;
}

function subjectPermission(f: Field, kind: "publish" | "subscribe"): SubjectPermission {
  if (typeof f.value === "string" || Array.isArray(f.value)) return { allow: subjectList(f, kind), deny: null };
  if (!isObject(f.value)) fail(f.path, 'must be a subject, a list of subjects, or {"allow": …, "deny": …}');
  const m = fields(f, SUBJECT_PERMISSION);
  if (m.size === 0)
    fail(f.path, 'an empty object restricts nothing; leave it out to allow everything, or deny ">" to allow nothing');
  const allow = m.get("allow");
  const deny = m.get("deny");
  return { allow: allow ? subjectList(allow, kind) : null, deny: deny ? subjectList(deny, kind) : null };
}

function allowResponses(f: Field): ResponsePermission | null {
  if (typeof f.value === "boolean") {
    return f.value ? { maxMsgs: DEFAULT_RESPONSE_MAX_MSGS, expiresMs: DEFAULT_RESPONSE_EXPIRES_MS } : null;
  }
  if (!isObject(f.value)) fail(f.path, 'must be true, false or {"max": …, "expires": …}');
  const m = fields(f, ALLOW_RESPONSES);
  // nats-server (opts.go parseAllowResponses): 0 keeps the default, a negative
  // value means no limit, and `expires` must be a duration string.
  let maxMsgs = DEFAULT_RESPONSE_MAX_MSGS;
  const max = m.get("max");
  if (max) {
    const n = integer(max, -MAX_INT32, MAX_INT32);
    if (n !== 0) maxMsgs = Math.max(n, 0);
  }
  let expiresMs = DEFAULT_RESPONSE_EXPIRES_MS;
  const expires = m.get("expires");
  if (expires) {
    if (typeof expires.value !== "string")
      fail(expires.path, 'must be a duration string such as "1m" (nats-server takes no number here)');
    const ms = durationMs(expires);
    if (ms !== 0) expiresMs = Math.max(ms, 0);
  }
  return { maxMsgs, expiresMs };
}

/**
 * `allow_responses` without a publish allow list leaves a user free to publish
 * only reply subjects: nats-server (auth.go validateResponsePermissions) turns
 * the implicit "allow everything" into an empty allow list, keeping any deny
 * list. The returned permissions carry that empty list.
 */
function permissions(f: Field): PermissionsConfig {
  const m = fields(f, PERMISSIONS);
  const pub = m.get("publish");
  const sub = m.get("subscribe");
  const resp = m.get("allow_responses");
  let publish = pub ? subjectPermission(pub, "publish") : null;
  const subscribe = sub ? subjectPermission(sub, "subscribe") : null;
  const responses = resp ? allowResponses(resp) : null;
  if (responses !== null && (publish === null || publish.allow === null)) {
    publish = { allow: [], deny: publish?.deny ?? null };
  }
  return { publish, subscribe, allowResponses: responses };
}

// ---------------------------------------------------------------------------
// Users and accounts.

const CONNECTION_TYPES = new Set(["STANDARD", "WEBSOCKET", "LEAFNODE", "LEAFNODE_WS", "MQTT", "MQTT_WS"]);

/** Every login name and nkey seen so far, with where: nats-server refuses a second one. */
type Seen = Map<string, string>;

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
      if (!CONNECTION_TYPES.has(ct)) fail(t.path, `unknown connection type ${JSON.stringify(t.value)}`);
      return ct;
    });
    if (list.length > 0 && !list.includes("WEBSOCKET")) {
      fail(types.path, "leaves out WEBSOCKET, the only kind of connection nats-edge has: this user could never connect");
    }
  }

  let nkey: string | null = null;
  if (nkeyField) {
    nkey = string(nkeyField);
    if (!isPublicKey(nkey, "U")) fail(nkeyField.path, 'must be a user public nkey (56 characters starting with "U")');
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

// Account names become subject tokens inside nats-edge (and in nats-server's
// own $SYS.REQ.ACCOUNT.<name>.* imports, which fail for such names).
function accountName(name: string, path: string): void {
  if (name === "" || /[.*>\s]/.test(name))
    fail(path, 'account names cannot be empty or contain ".", "*", ">" or whitespace');
  if (name === GLOBAL_ACCOUNT) fail(path, `"${GLOBAL_ACCOUNT}" is a reserved account`);
  if (name === "$SYS") fail(path, "is nats-server's system account, which nats-edge does not have");
}

interface Accounts {
  readonly names: string[];
  readonly users: UserConfig[];
  /** The `users` field of the first account that has users, for error messages. */
  readonly firstUsersPath: string | null;
}

function accounts(f: Field, seen: Seen): Accounts {
  const names: string[] = [];
  const all: UserConfig[] = [];
  let firstUsersPath: string | null = null;
  if (Array.isArray(f.value)) {
    // nats-server also takes a plain list of account names, accounts without users.
    for (const item of items(f, false, "account names")) {
      const name = string(item);
      accountName(name, item.path);
      if (names.includes(name)) fail(item.path, `duplicate account ${JSON.stringify(name)}`);
      names.push(name);
    }
    return { names, users: all, firstUsersPath };
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
    names.push(name);
    all.push(...list);
  }
  return { names, users: all, firstUsersPath };
}

interface Authorization {
  readonly token: string | null;
  readonly users: UserConfig[];
  /** Login names of the `users` list, which alone may be the no_auth_user. */
  readonly listed: ReadonlySet<string>;
  readonly timeoutMs: number;
  /** The first field that sets credentials, which operator mode refuses. */
  readonly anyCredentials: Field | null;
}

function authorization(f: Field, seen: Seen, accountUsersPath: string | null): Authorization {
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

// ---------------------------------------------------------------------------
// Operator mode: trusted operators and the memory resolver's account JWTs.

/** The claims of a JWT whose signature verifies; `decode` checks nothing else. */
function decoded<T>(f: Field, jwt: string): ClaimsData<T> {
  let c: ClaimsData<T>;
  try {
    c = decode<T>(jwt);
  } catch (e) {
    fail(f.path, `is not a valid JWT: ${(e as Error).message}`);
  }
  if (!isObject(c.nats) || typeof c.sub !== "string") fail(f.path, "is not a NATS JWT");
  return c;
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
    if (!isOperator(c) || !isPublicKey(c.sub, "O")) fail(item.path, "is not an operator JWT");
    // server.go validateTrustedOperators: with strict_signing_key_usage only the signing keys sign accounts.
    const strict = (c.nats as Record<string, unknown>)["strict_signing_key_usage"] === true;
    if (!strict) trusted.add(c.sub);
    const signingKeys: unknown = c.nats.signing_keys ?? [];
    if (!Array.isArray(signingKeys)) fail(item.path, "has signing_keys that are not a list");
    for (const sk of signingKeys) {
      const k = isObject(sk) ? sk["key"] : sk;
      if (!isPublicKey(k, "O")) fail(item.path, `signing key ${JSON.stringify(k)} is not an operator public nkey`);
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

function preload(f: Field, trusted: ReadonlySet<string>): Map<string, string> {
  if (!isObject(f.value)) fail(f.path, "must be an object of account public key to account JWT");
  const out = new Map<string, string>();
  for (const k of Object.keys(f.value)) {
    const item: Field = { value: f.value[k], path: key(f.path, k) };
    if (!isPublicKey(k, "A"))
      fail(item.path, 'the key must be an account public nkey (56 characters starting with "A")');
    const jwt = string(item);
    const c = decoded<unknown>(item, jwt);
    if (!isAccount(c)) fail(item.path, "is not an account JWT");
    if (c.sub !== k) fail(item.path, `is the JWT of account ${c.sub}, not of ${k}`);
    // nats-server finds this out only when a user of the account connects (isTrustedIssuer).
    if (!trusted.has(c.iss))
      fail(item.path, `is signed by ${c.iss}, which is neither a trusted operator nor one of its signing keys`);
    out.set(k, jwt);
  }
  return out;
}

function operatorConfig(top: Map<string, Field>, operatorField: Field): OperatorConfig {
  const ops = operators(operatorField);
  const resolverField = top.get("resolver");
  if (!resolverField) fail(operatorField.path, 'needs resolver: "MEMORY" (with the accounts in resolver_preload)');
  resolver(resolverField);
  const preloadField = top.get("resolver_preload");
  const accounts = preloadField ? preload(preloadField, ops.trusted) : new Map<string, string>();

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
  return { operators: ops.jwts, accounts, systemAccount };
}

// ---------------------------------------------------------------------------
// Limits and WebSocket.

/**
 * A limit: null when absent or 0, which nats-server reads as "the default"
 * (opts.go setBaselineOptions), so the environment's setting applies.
 * max_subscriptions is the exception, where 0 itself means no limit.
 */
function limitOf(f: Field | undefined, min: number, max: number, zeroMeansDefault = true): number | null {
  if (!f) return null;
  if (zeroMeansDefault && f.value === 0) return null;
  return integer(f, min, max);
}

function pingInterval(f: Field | undefined): number | null {
  if (!f) return null;
  // A whole number is seconds, nats-server's older form (it warns and converts).
  const ms = typeof f.value === "number" ? integer(f, 0, Math.floor(MAX_TIMER_MS / 1000)) * 1000 : durationMs(f);
  if (ms < 0 || ms > MAX_TIMER_MS) fail(f.path, `must be from 0 to ${MAX_TIMER_MS} ms`);
  return ms === 0 ? null : ms;
}

// nats-server keeps scheme, host and port of each allowed origin, the port
// defaulting to 443 for https and 80 otherwise (websocket.go wsSetOriginOptions),
// and skips, with only a log line, an entry that is not an absolute URL. Here
// an entry must be a browser origin (http or https, a host, an optional port)
// and is kept in its serialized form, which drops a default port.
function allowedOrigin(f: Field): string {
  const s = string(f);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    fail(f.path, `${JSON.stringify(s)} is not an origin such as "https://example.com" or "http://localhost:8080"`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    fail(f.path, `${JSON.stringify(s)}: an origin's scheme is http or https`);
  const bare = u.username === "" && u.password === "" && (u.pathname === "/" || u.pathname === "");
  if (!bare || u.search !== "" || u.hash !== "") {
    fail(f.path, `${JSON.stringify(s)}: an origin is only scheme, host and port`);
  }
  return u.origin;
}

function listenValue(f: Field): void {
  if (typeof f.value === "number") {
    integer(f, -1, 65535);
    return;
  }
  const s = typeof f.value === "string" ? f.value : "";
  const port = s.slice(s.lastIndexOf(":") + 1);
  if (!s.includes(":") || port === "" || !/^\d+$/.test(port) || Number(port) > 65535)
    fail(f.path, 'must be a port or "host:port"');
}

function websocket(f: Field | undefined, operatorMode: boolean): WebSocketConfig {
  if (!f) return EMPTY_CONFIG.websocket;
  const m = fields(f, WEBSOCKET, WEBSOCKET_REFUSED);
  const cookie = (name: string): string | null => {
    const c = m.get(name);
    return c ? nonEmptyString(c) : null;
  };
  const listen = m.get("listen");
  if (listen) listenValue(listen);
  const host = m.get("host");
  if (host) string(host);
  const port = m.get("port");
  if (port) integer(port, -1, 65535);
  const noTls = m.get("no_tls");
  if (noTls) boolean(noTls);
  const compression = m.get("compression");
  if (compression) boolean(compression);

  const jwtCookie = cookie("jwt_cookie");
  // websocket.go validateWebsocketOptions: a JWT from a cookie needs trusted operators.
  if (jwtCookie !== null && !operatorMode)
    fail(m.get("jwt_cookie")!.path, "needs operator (a JWT is only checked against trusted operators)");
  const same = m.get("same_origin");
  const origins = m.get("allowed_origins");
  return {
    sameOrigin: same ? boolean(same) : false,
    allowedOrigins: origins ? items(origins, true, "an origin").map(allowedOrigin) : [],
    jwtCookie,
    tokenCookie: cookie("token_cookie"),
    usernameCookie: cookie("user_cookie"),
    passwordCookie: cookie("pass_cookie"),
  };
}

// ---------------------------------------------------------------------------

/**
 * Parses and checks the configuration document. Throws ConfigError naming the
 * first field that nats-edge cannot honour exactly as nats-server would.
 */
export function parseConfig(text: string): BrokerConfig {
  if (text.trim() === "") return EMPTY_CONFIG;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc)) throw new ConfigError("not a JSON object: the document must be an object of settings");
  const top = fields({ value: doc, path: "" }, TOP, TOP_REFUSED);

  const operatorField = top.get("operator");
  const operator = operatorField ? operatorConfig(top, operatorField) : null;
  if (!operator) {
    for (const name of ["resolver", "resolver_preload"]) {
      const f = top.get(name);
      if (f) fail(f.path, "is only used with operator");
    }
    const sys = top.get("system_account");
    if (sys) fail(sys.path, "nats-edge has no system account; it is accepted only with operator, as the operator's");
  }

  const seen: Seen = new Map();
  const accountsField = top.get("accounts");
  if (accountsField && operator)
    fail(accountsField.path, "cannot be combined with operator: accounts come from resolver_preload");
  const acc = accountsField ? accounts(accountsField, seen) : { names: [], users: [], firstUsersPath: null };
  const authField = top.get("authorization");
  const auth = authField ? authorization(authField, seen, acc.firstUsersPath) : null;
  if (operator && auth?.anyCredentials) {
    fail(auth.anyCredentials.path, "cannot be combined with operator: users come from JWTs signed by the operator's accounts");
  }

  let noAuthUser: string | null = null;
  const nau = top.get("no_auth_user");
  if (nau) {
    noAuthUser = nonEmptyString(nau);
    // auth.go validateNoAuthUser: a user (not an nkey) of the users lists.
    if (operator) fail(nau.path, "not compatible with operator");
    const known = auth?.listed.has(noAuthUser) || acc.users.some((u) => u.user === noAuthUser);
    if (!known)
      fail(nau.path, `${JSON.stringify(noAuthUser)} is not a user in authorization.users or in an account's users`);
  }

  const maxPayload = limitOf(top.get("max_payload"), 1, 32 * 1024 * 1024 - 8 * 1024);
  const maxPending = limitOf(top.get("max_pending"), 1024, 1024 * 1024 * 1024);
  // server.go validateOptions, with nats-server's default standing in for an absent max_payload.
  if (maxPending !== null && (maxPayload ?? DEFAULT_MAX_PAYLOAD) > maxPending) {
    const payload = maxPayload ?? `${DEFAULT_MAX_PAYLOAD}, nats-server's default`;
    fail(top.get("max_pending")!.path, `must be at least max_payload (${payload})`);
  }

  return {
    token: auth?.token ?? null,
    users: [...(auth?.users ?? []), ...acc.users],
    accounts: [GLOBAL_ACCOUNT, ...acc.names],
    authTimeoutMs: auth?.timeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS,
    noAuthUser,
    operator,
    maxPayload,
    maxConnections: limitOf(top.get("max_connections"), 1, MAX_INT32),
    maxSubscriptions: limitOf(top.get("max_subscriptions"), 0, 1_000_000, false),
    maxControlLine: limitOf(top.get("max_control_line"), 32, 1024 * 1024),
    maxPending,
    pingIntervalMs: pingInterval(top.get("ping_interval")),
    pingMax: limitOf(top.get("ping_max"), 1, MAX_INT32),
    websocket: websocket(top.get("websocket"), operator !== null),
  };
}
