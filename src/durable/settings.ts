// Broker settings, read from the Worker's environment ([vars] in wrangler.toml,
// `--var NAME:value` locally, secrets in production). A bad value is refused
// with a message that names it, never replaced by a default in silence.

export interface Settings {
  /** Largest message a client may publish (headers + payload), as nats-server's max_payload. */
  readonly maxPayload: number;
  /** Longest protocol control line, as nats-server's max_control_line. */
  readonly maxControlLine: number;
  /** Most subscriptions one connection may hold; 0 means no limit. */
  readonly maxSubscriptions: number;
  /** Bytes a connection may have waiting to be written before it is cut off as a slow consumer. */
  readonly maxPending: number;
  /** Number of Shard objects: each hosts connections and owns part of the subject space. */
  readonly shards: number;
  /** How many leading tokens of a subject make its shard key. */
  readonly keyDepth: number;
  /** Subject keys whose remote interest one host keeps cached. */
  readonly cacheKeys: number;
}

export interface SettingsEnv {
  MAX_PAYLOAD?: string;
  MAX_CONTROL_LINE?: string;
  MAX_SUBSCRIPTIONS?: string;
  MAX_PENDING?: string;
  SHARDS?: string;
  SHARD_KEY_DEPTH?: string;
  INTEREST_CACHE_KEYS?: string;
}

export const DEFAULT_SETTINGS: Settings = {
  maxPayload: 1024 * 1024, // nats-server MAX_PAYLOAD_SIZE
  maxControlLine: 4096, // nats-server MAX_CONTROL_LINE_SIZE
  maxSubscriptions: 0,
  maxPending: 64 * 1024 * 1024, // nats-server MAX_PENDING_SIZE
  shards: 1,
  // Two tokens: the request inbox `_INBOX.<id>.*` keys on `_INBOX.<id>`, one owner per
  // requester, instead of every inbox landing on one owner (as with one token).
  keyDepth: 2,
  cacheKeys: 10_000,
};

export class SettingsError extends Error {}

function integer(env: SettingsEnv, name: keyof SettingsEnv, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const text = String(raw).trim();
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new SettingsError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** Reads and checks the settings; throws SettingsError naming the first bad one. */
export function readSettings(env: SettingsEnv): Settings {
  return {
    // workerd accepts WebSocket messages of up to 32 MiB, so no op may be larger.
    maxPayload: integer(env, "MAX_PAYLOAD", DEFAULT_SETTINGS.maxPayload, 1, 32 * 1024 * 1024 - 8192),
    maxControlLine: integer(env, "MAX_CONTROL_LINE", DEFAULT_SETTINGS.maxControlLine, 32, 1024 * 1024),
    maxSubscriptions: integer(env, "MAX_SUBSCRIPTIONS", DEFAULT_SETTINGS.maxSubscriptions, 0, 1_000_000),
    maxPending: integer(env, "MAX_PENDING", DEFAULT_SETTINGS.maxPending, 1024, 1024 * 1024 * 1024),
    shards: integer(env, "SHARDS", DEFAULT_SETTINGS.shards, 1, 1024),
    keyDepth: integer(env, "SHARD_KEY_DEPTH", DEFAULT_SETTINGS.keyDepth, 1, 16),
    cacheKeys: integer(env, "INTEREST_CACHE_KEYS", DEFAULT_SETTINGS.cacheKeys, 16, 1_000_000),
  };
}
