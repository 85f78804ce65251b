// Reaching the Shard objects from the Worker: which one, and only with settings
// that were checked first; and the Worker's log, at the level they set.

import { Log } from "../durable/log.js";
import { holderOf } from "../durable/leaf/remotes.js";
import { shardStub } from "../durable/placement.js";
import { redactSecrets } from "../protocol/log.js";
import { nearestRegion, type ClientLocation, type Region } from "../protocol/regions.js";
import { readSettings, regionOfShard, SettingsError, type Settings } from "../durable/settings.js";
import type { ShardEnv } from "../durable/shard.js";

type Env = ShardEnv;

export function shard(env: Env, settings: Settings, index: number) {
  return shardStub(env.SHARD, settings, index);
}

/**
 * Asks the shards that hold leafnode remotes to start their links, without waiting
 * for them (Shard.leafRemotes): an object runs only when something calls it, and
 * once it runs, its alarm keeps its links up.
 */
export function startLeafLinks(env: Env, settings: Settings, ctx: { waitUntil(p: Promise<unknown>): void }): void {
  const n = settings.config.leafnodes.remotes.length;
  if (n === 0) return;
  const holders = new Set(Array.from({ length: n }, (_, i) => holderOf(i, settings.shards)));
  for (const h of holders) ctx.waitUntil(shard(env, settings, h).leafRemotes().catch(() => undefined));
}

/** Where a connection or call asks to run, and where its client is. */
export interface Target {
  /** `?shard=N` for connections and HTTP calls, a number for service bindings: that shard. */
  readonly shard: number | string | null;
  /** `?region=<hint>`, or a binding's `region`: a shard of that region. */
  readonly region?: string | null;
  /** Where the client is (request.cf, or what a binding's caller passes on): the nearest region. */
  readonly where?: ClientLocation | null;
  /**
   * A leafnode: the region's first shard, always the same, so a leaf that reconnects after its
   * shard was reset lands where its interest was registered, and that shard cleans it up first.
   */
  readonly leaf?: boolean;
}

/**
 * The shard a connection or call runs on: the one it names; else one of the region it
 * names, or of the region nearest its client; else one of all. Within a region, one
 * at random, which spreads the load evenly. A bad value is an error, not a silent default.
 */
export function chosenShard(target: Target, settings: Settings): number | string {
  const { regions, shardsPerRegion: per } = settings;
  const region = target.region ?? null;
  let inRegion: number | null = null;
  if (region !== null) {
    const hint = region.trim().toLowerCase();
    inRegion = regions.indexOf(hint as Region);
    if (inRegion < 0) {
      return regions.length === 0
        ? `region ${JSON.stringify(region)}: the broker has no REGIONS`
        : `region must be one of ${regions.join(", ")}, got ${JSON.stringify(region)}`;
    }
  }
  const raw = target.shard;
  if (raw !== null) {
    const n = typeof raw === "number" ? raw : /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < 0 || n >= settings.shards) {
      return `shard must be a whole number from 0 to ${settings.shards - 1}, got ${JSON.stringify(raw)}`;
    }
    if (inRegion !== null && Math.floor(n / per) !== inRegion) return `shard ${n} is not in region ${regions[inRegion]}`;
    return n;
  }
  inRegion ??= regions.length === 0 || target.where == null ? null : nearestRegion(regions, target.where);
  if (target.leaf === true) return (inRegion ?? 0) * per;
  if (inRegion === null) return (Math.random() * settings.shards) | 0;
  return inRegion * per + ((Math.random() * per) | 0);
}

/** `record` with the region of `shard` in it, when the broker has REGIONS (/varz, /connz, /healthz). */
export function withRegion<T extends object>(settings: Settings, shard: number, record: T): T & { region?: string } {
  const region = regionOfShard(settings, shard);
  return region === null ? record : { ...record, region };
}

/**
 * Where the client of a request is: request.cf. With TEST_HOOKS=1 the header
 * X-Test-Location (JSON with request.cf's latitude, longitude and continent) stands in
 * for it, so that tests can place clients anywhere; otherwise the header is ignored.
 */
export function clientLocation(request: Request, env: Env): ClientLocation | null {
  if (env.TEST_HOOKS === "1") {
    const given = request.headers.get("X-Test-Location");
    if (given !== null) {
      try {
        const where: unknown = JSON.parse(given);
        if (where !== null && typeof where === "object") return where as ClientLocation;
      } catch {
        // Not JSON: as if it were absent.
      }
    }
  }
  return (request.cf as ClientLocation | undefined) ?? null;
}

/**
 * Settings are checked before any object is woken, so a bad value is reported, not
 * hidden. One request asks several times (origin and CORS, then the route): the
 * answer is kept per environment, which workerd hands every request of an isolate,
 * and a refusal is logged once per isolate, not once per request.
 */
export function checkedSettings(env: Env): Settings | string {
  let checked = checkedByEnv.get(env);
  if (checked === undefined) {
    try {
      checked = readSettings(env);
    } catch (e) {
      if (!(e instanceof SettingsError)) throw e;
      checked = e.message;
      // /healthz shows the same text; redacted all the same, as every line is.
      new Log("info").error("invalid configuration: every client is refused", { reason: redactSecrets(checked) });
    }
    checkedByEnv.set(env, checked);
  }
  return checked;
}

const checkedByEnv = new WeakMap<object, Settings | string>();

/** The Worker's log: at LOG_LEVEL, or at info while the settings are refused. */
export function workerLog(env: Env): Log {
  let log = logByEnv.get(env);
  if (log === undefined) {
    const settings = checkedSettings(env);
    logByEnv.set(env, (log = new Log(typeof settings === "string" ? "info" : settings.logLevel)));
  }
  return log;
}

const logByEnv = new WeakMap<object, Log>();
