// The broker's configuration document (the NATS_CONFIG binding): JSON that
// nats-server itself would accept as its configuration file, with nats-server's
// field names and meanings for everything supported here. Anything unsupported
// or malformed is refused with an error naming the field, never ignored.

/** allow/deny lists of subject patterns; null when the list is absent. */
export interface SubjectPermission {
  readonly allow: readonly string[] | null;
  readonly deny: readonly string[] | null;
}

/** `allow_responses`: publishing to reply subjects of messages received. */
export interface ResponsePermission {
  /** Replies allowed per request received; nats-server's default is 1. */
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
