// Broker settings, read from the Worker's environment ([vars] in wrangler.toml,
// `--var NAME:value` locally, secrets in production) and from the configuration
// document in NATS_CONFIG. A bad value is refused with a message that names it,
// never replaced by a default in silence.

import { ConfigError, EMPTY_CONFIG, parseConfig, type BrokerConfig } from "../protocol/config.js";
import { LOG_LEVELS, type LogLevel } from "../protocol/log.js";
import { parseRegionDelays, parseRegions, RegionError, type Region, type RegionDelays } from "../protocol/regions.js";

export interface Settings {
  /** Largest message a client may publish (headers + payload), as nats-server's max_payload. */
  readonly maxPayload: number;
  /** Longest protocol control line, as nats-server's max_control_line. */
  readonly maxControlLine: number;
  /** Most subscriptions one connection may hold; 0 means no limit. */
  readonly maxSubscriptions: number;
  /** Bytes a connection may have waiting to be written before it is cut off as a slow consumer. */
  readonly maxPending: number;
  /**
   * Number of Shard objects, in all regions: each hosts connections and owns part of the
   * subject space. Shard i is in region regions[floor(i / shardsPerRegion)].
   */
  readonly shards: number;
  /** SHARDS: the host shards of each region (of the whole broker without regions). */
  readonly shardsPerRegion: number;
  /** REGIONS: the location hints the shards are placed in, in order; empty: placed by the platform. */
  readonly regions: readonly Region[];
  /** One-way delays added between shards of two regions (REGION_DELAY_MS, tests only). */
  readonly regionDelays: RegionDelays;
  /** How many leading tokens of a subject make its shard key. */
  readonly keyDepth: number;
  /** Subject keys whose remote interest one host keeps cached. */
  readonly cacheKeys: number;
  /** Most client connections the broker accepts (each shard takes its share). */
  readonly maxConnections: number;
  /** How often the server PINGs each client, ms. */
  readonly pingIntervalMs: number;
  /** Unanswered server PINGs after which a connection is stale. */
  readonly pingMax: number;
  /** With no authorization configured: accept clients (true) or refuse them all. */
  readonly allowAnonymous: boolean;
  /** The NATS_CONFIG document: users, accounts, permissions, origins. */
  readonly config: BrokerConfig;
  /** The bearer token the monitoring endpoints (/varz, /connz, …) require; null when unset. */
  readonly monitorToken: string | null;
  /** How much is logged: info, debug (nats-server's -D) or trace (-V). */
  readonly logLevel: LogLevel;
}

export interface SettingsEnv {
  MAX_PAYLOAD?: string;
  MAX_CONTROL_LINE?: string;
  MAX_SUBSCRIPTIONS?: string;
  MAX_PENDING?: string;
  SHARDS?: string;
  REGIONS?: string;
  REGION_DELAY_MS?: string;
  TEST_HOOKS?: string;
  SHARD_KEY_DEPTH?: string;
  INTEREST_CACHE_KEYS?: string;
  ALLOW_ANONYMOUS?: string;
  NATS_CONFIG?: string;
  MONITOR_TOKEN?: string;
  LOG_LEVEL?: string;
}

export const DEFAULT_SETTINGS: Settings = {
  maxPayload: 1024 * 1024, // nats-server MAX_PAYLOAD_SIZE
  maxControlLine: 4096, // nats-server MAX_CONTROL_LINE_SIZE
  maxSubscriptions: 0,
  maxPending: 64 * 1024 * 1024, // nats-server MAX_PENDING_SIZE
  shards: 1,
  shardsPerRegion: 1,
  regions: [],
  regionDelays: new Map(),
  // Two tokens: the request inbox `_INBOX.<id>.*` keys on `_INBOX.<id>`, one owner per
  // requester, instead of every inbox landing on one owner (as with one token).
  keyDepth: 2,
  cacheKeys: 10_000,
  maxConnections: 64 * 1024, // nats-server DEFAULT_MAX_CONNECTIONS
  pingIntervalMs: 2 * 60_000, // nats-server DEFAULT_PING_INTERVAL
  pingMax: 2, // nats-server DEFAULT_PING_MAX_OUT
  allowAnonymous: false,
  config: EMPTY_CONFIG,
  monitorToken: null,
  logLevel: "info",
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

function flag(env: SettingsEnv, name: keyof SettingsEnv): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return false;
  const text = String(raw).trim().toLowerCase();
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw new SettingsError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

function choice<T extends string>(env: SettingsEnv, name: keyof SettingsEnv, choices: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const text = String(raw).trim().toLowerCase();
  const found = choices.find((c) => c === text);
  if (found === undefined) throw new SettingsError(`${name} must be one of ${choices.join(", ")}, got ${JSON.stringify(raw)}`);
  return found;
}

/** A secret is taken as given (no trimming: spaces may be part of it); empty means unset. */
function secret(env: SettingsEnv, name: keyof SettingsEnv): string | null {
  const raw = env[name];
  if (raw === undefined || raw === "") return null;
  if (typeof raw !== "string") throw new SettingsError(`${name} must be a string`);
  return raw;
}

/**
 * A limit set in the environment or in NATS_CONFIG (by its nats-server name); both
 * may say the same, but two different values are refused rather than one winning.
 */
function limit(env: SettingsEnv, name: keyof SettingsEnv, field: string, fromConfig: number | null, fallback: number, min: number, max: number): number {
  const fromEnv = integer(env, name, fallback, min, max);
  if (fromConfig === null) return fromEnv;
  if (env[name] !== undefined && env[name] !== "" && fromEnv !== fromConfig) {
    throw new SettingsError(`${name} (${fromEnv}) and NATS_CONFIG ${field} (${fromConfig}) disagree: set one`);
  }
  if (fromConfig < min || fromConfig > max) throw new SettingsError(`NATS_CONFIG ${field} must be from ${min} to ${max}, got ${fromConfig}`);
  return fromConfig;
}

// Parsing the document decodes and verifies JWTs: done once per isolate, not per object start.
let parsed: { text: string; config: BrokerConfig } | null = null;

function configOf(env: SettingsEnv): BrokerConfig {
  const text = env.NATS_CONFIG;
  if (text === undefined || text.trim() === "") return EMPTY_CONFIG;
  if (parsed?.text === text) return parsed.config;
  try {
    const config = parseConfig(text);
    parsed = { text, config };
    return config;
  } catch (e) {
    if (e instanceof ConfigError) throw new SettingsError(`NATS_CONFIG ${e.message}`);
    throw e;
  }
}

const MAX_SHARDS = 1024;

/** SHARDS per region, the regions, and the delays between them, checked together. */
function placement(env: SettingsEnv): Pick<Settings, "shards" | "shardsPerRegion" | "regions" | "regionDelays"> {
  const perRegion = integer(env, "SHARDS", DEFAULT_SETTINGS.shards, 1, MAX_SHARDS);
  try {
    const regions = parseRegions(env.REGIONS);
    const shards = perRegion * Math.max(1, regions.length);
    if (shards > MAX_SHARDS) throw new SettingsError(`SHARDS (${perRegion}) times the ${regions.length} REGIONS is ${shards}: at most ${MAX_SHARDS} shards in all`);
    const delays = env.REGION_DELAY_MS;
    if (delays !== undefined && delays !== "" && env.TEST_HOOKS !== "1") {
      throw new SettingsError("REGION_DELAY_MS slows every call between regions on purpose: it is for tests, and needs TEST_HOOKS=1");
    }
    if (delays !== undefined && delays !== "" && regions.length < 2) throw new SettingsError("REGION_DELAY_MS needs two REGIONS or more");
    return { shards, shardsPerRegion: perRegion, regions, regionDelays: parseRegionDelays(delays, regions) };
  } catch (e) {
    if (e instanceof RegionError) throw new SettingsError(e.message);
    throw e;
  }
}

/** The region of shard `index`; null without regions. */
export function regionOfShard(settings: Settings, index: number): Region | null {
  return settings.regions.length === 0 ? null : (settings.regions[Math.floor(index / settings.shardsPerRegion)] ?? null);
}

/** Reads and checks the settings; throws SettingsError naming the first bad one. */
export function readSettings(env: SettingsEnv): Settings {
  const config = configOf(env);
  return {
    ...placement(env),
    // workerd accepts WebSocket messages of up to 32 MiB, so no op may be larger.
    maxPayload: limit(env, "MAX_PAYLOAD", "max_payload", config.maxPayload, DEFAULT_SETTINGS.maxPayload, 1, 32 * 1024 * 1024 - 8192),
    maxControlLine: limit(env, "MAX_CONTROL_LINE", "max_control_line", config.maxControlLine, DEFAULT_SETTINGS.maxControlLine, 32, 1024 * 1024),
    maxSubscriptions: limit(env, "MAX_SUBSCRIPTIONS", "max_subscriptions", config.maxSubscriptions, DEFAULT_SETTINGS.maxSubscriptions, 0, 1_000_000),
    maxPending: limit(env, "MAX_PENDING", "max_pending", config.maxPending, DEFAULT_SETTINGS.maxPending, 1024, 1024 * 1024 * 1024),
    keyDepth: integer(env, "SHARD_KEY_DEPTH", DEFAULT_SETTINGS.keyDepth, 1, 16),
    cacheKeys: integer(env, "INTEREST_CACHE_KEYS", DEFAULT_SETTINGS.cacheKeys, 16, 1_000_000),
    maxConnections: config.maxConnections ?? DEFAULT_SETTINGS.maxConnections,
    pingIntervalMs: config.pingIntervalMs ?? DEFAULT_SETTINGS.pingIntervalMs,
    pingMax: config.pingMax ?? DEFAULT_SETTINGS.pingMax,
    allowAnonymous: flag(env, "ALLOW_ANONYMOUS"),
    config,
    monitorToken: secret(env, "MONITOR_TOKEN"),
    logLevel: choice(env, "LOG_LEVEL", LOG_LEVELS, DEFAULT_SETTINGS.logLevel),
  };
}
