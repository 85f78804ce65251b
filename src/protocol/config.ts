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
// - accepted and ignored: the WebSocket listener settings (see config-websocket.ts).
//
// This file holds the document's top level; each block has a file of its own
// with the block's shape and its reader: config-users.ts (authorization,
// accounts), config-permissions.ts (its shape is permissions.ts', which
// enforces it), config-operator.ts, config-websocket.ts, config-jetstream.ts,
// config-leafnodes.ts, config-mappings.ts, all built on config-fields.ts. The parts never
// import this file: it assembles them.

import { GLOBAL_ACCOUNT } from "./account.js";
import {
  ConfigError,
  durationMs,
  fail,
  fields,
  integer,
  isObject,
  MAX_INT32,
  MAX_TIMER_MS,
  nonEmptyString,
  NOT_SUPPORTED,
  refusals,
  spelling,
  type Field,
} from "./config-fields.js";
import { DEFAULT_JETSTREAM, jetstreamConfig, type JetStreamConfig } from "./config-jetstream.js";
import { operatorConfig, type OperatorConfig } from "./config-operator.js";
import { accounts, authorization, DEFAULT_AUTH_TIMEOUT_MS, type Seen, type UserConfig } from "./config-users.js";
import { EMPTY_LEAFNODES, leafnodes, type LeafnodeConfig } from "./config-leafnodes.js";
import { mappings } from "./config-mappings.js";
import type { Mappings } from "./mappings.js";
import { EMPTY_WEBSOCKET, websocket, type WebSocketConfig } from "./config-websocket.js";

export { ConfigError } from "./config-fields.js";
export { parseGoDuration } from "./duration.js";

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
  /** Whether JetStream runs, its limits, and the accounts' own (config-jetstream.ts). */
  readonly jetstream: JetStreamConfig;
  /** Who may connect as a leafnode, and to which account (config-leafnodes.ts). */
  readonly leafnodes: LeafnodeConfig;
  /** Subject mappings by account: the top level's for "$G", each account's own (config-mappings.ts). */
  readonly mappings: ReadonlyMap<string, Mappings>;
}

/** nats-server's MAX_PAYLOAD_SIZE, which max_pending may not be below when max_payload is not set. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

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
  websocket: EMPTY_WEBSOCKET,
  jetstream: DEFAULT_JETSTREAM,
  leafnodes: EMPTY_LEAFNODES,
  mappings: new Map(),
});

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
  jetstream: [],
  leafnodes: ["leaf"],
  mappings: ["maps"],
});
// nats-server's other top-level settings (opts.go processConfigFileLine),
// named so that a document written for it gets a precise answer.
const TOP_REFUSED = refusals(
  [
    "client_advertise", "server_name", "debug", "trace", "trace_verbose", "logtime",
    "disable_sublist_cache", "no_sublist_cache", "http", "https", "http_port", "monitor_port", "https_port",
    "http_base_path", "cluster", "gateway", "store_dir", "storedir", "logfile",
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
  const acc = accountsField
    ? accounts(accountsField, seen)
    : { names: [], users: [], jetstream: new Map(), mappings: new Map<string, Mappings>(), firstUsersPath: null };
  const authField = top.get("authorization");
  const auth = authField ? authorization(authField, seen, acc.firstUsersPath) : null;
  if (operator && auth?.anyCredentials) {
    fail(auth.anyCredentials.path, "cannot be combined with operator: users come from JWTs signed by the operator's accounts");
  }

  // nats-server gives the top level's mappings to the global account, which nobody uses in operator mode.
  const topMappings = top.get("mappings");
  if (topMappings && operator) fail(topMappings.path, "cannot be combined with operator: an account's mappings are in its JWT");
  const allMappings = new Map(operator?.mappings ?? acc.mappings);
  if (topMappings) allMappings.set(GLOBAL_ACCOUNT, mappings(topMappings));

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
    // In operator mode each account's JWT says whether it has JetStream, and its limits.
    jetstream: jetstreamConfig(top.get("jetstream"), operator?.jetstream ?? acc.jetstream),
    leafnodes: leafnodes(top.get("leafnodes"), operator ? null : [GLOBAL_ACCOUNT, ...acc.names]),
    mappings: allMappings,
  };
}

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
