// Reaching the Shard objects from the Worker: which one, and only with settings
// that were checked first; and the Worker's log, at the level they set.

import { Log } from "../durable/log.js";
import { shardName } from "../durable/names.js";
import { redactSecrets } from "../protocol/log.js";
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
