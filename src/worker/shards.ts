// Reaching the Shard objects from the Worker: which one, and only with settings
// that were checked first.

import { shardName } from "../durable/names.js";
import { readSettings, SettingsError, type Settings } from "../durable/settings.js";
import type { ShardEnv } from "../durable/shard.js";

type Env = ShardEnv;

export function shard(env: Env, index: number) {
  return env.SHARD.get(env.SHARD.idFromName(shardName(index)));
}

/**
 * Which shard hosts a new connection: the one named by `?shard=N` (tests, sticky
 * clients), else one at random, which spreads connections evenly. A bad value
 * is an error, not a silent default.
 */
export function hostShard(url: URL, settings: Settings): number | string {
  const raw = url.searchParams.get("shard");
  if (raw === null) return (Math.random() * settings.shards) | 0;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) >= settings.shards) {
    return `shard must be a whole number from 0 to ${settings.shards - 1}, got ${JSON.stringify(raw)}`;
  }
  return Number(raw);
}

/** Settings are checked before any object is woken, so a bad value is reported, not hidden. */
export function checkedSettings(env: Env): Settings | string {
  try {
    return readSettings(env);
  } catch (e) {
    if (e instanceof SettingsError) return e.message;
    throw e;
  }
}
