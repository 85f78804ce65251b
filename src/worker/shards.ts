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
 * The shard a caller named (`?shard=N` for connections and HTTP calls, a number
 * for service bindings), else one at random, which spreads the load evenly. A bad
 * value is an error, not a silent default.
 */
export function chosenShard(raw: string | number | null, shards: number): number | string {
  if (raw === null) return (Math.random() * shards) | 0;
  const n = typeof raw === "number" ? raw : /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 0 || n >= shards) {
    return `shard must be a whole number from 0 to ${shards - 1}, got ${JSON.stringify(raw)}`;
  }
  return n;
}

/**
 * Settings are checked before any object is woken, so a bad value is reported, not
 * hidden. One request asks several times (origin and CORS, then the route): the
 * answer is kept per environment, which workerd hands every request of an isolate.
 */
export function checkedSettings(env: Env): Settings | string {
  let checked = checkedByEnv.get(env);
  if (checked === undefined) {
    try {
      checked = readSettings(env);
    } catch (e) {
      if (!(e instanceof SettingsError)) throw e;
      checked = e.message;
    }
    checkedByEnv.set(env, checked);
  }
  return checked;
}

const checkedByEnv = new WeakMap<object, Settings | string>();
