// How shards are named: the Durable Object named `shard-<i>` is shard i. A shard
// learns its own number from its name, which the Worker and other shards use to
// reach it.

const PREFIX = "shard-";

export function shardName(index: number): string {
  return `${PREFIX}${index}`;
}

/** The shard number in a name made by shardName, or null for any other name. */
export function shardIndex(name: string | undefined): number | null {
  if (name === undefined || !name.startsWith(PREFIX)) return null;
  const text = name.slice(PREFIX.length);
  if (!/^(0|[1-9]\d{0,5})$/.test(text)) return null;
  return Number(text);
}

/**
 * The deployment's one server_id (clients and monitoring see one server), derived
 * from the namespace so every shard and the Worker compute the same.
 */
export function serverId(namespace: DurableObjectNamespace): string {
  return `NE${namespace.idFromName(shardName(0)).toString().slice(0, 54).toUpperCase()}`;
}
