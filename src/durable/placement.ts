// Where each shard's object lives. Shard i is the object named `shard-<i>`; with
// REGIONS, the shards of each region are created with that region's location hint.
// A hint takes effect when the object is first made and is a preference, not a
// promise (Cloudflare: Durable Objects, data location); every stub carries it, so
// whichever caller wakes a shard first, it starts where it belongs.

import { shardName } from "./names.js";
import { regionOfShard, type Settings } from "./settings.js";

export function shardStub<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  settings: Settings,
  index: number,
): DurableObjectStub<T> {
  const id = namespace.idFromName(shardName(index));
  const region = regionOfShard(settings, index);
  return region === null ? namespace.get(id) : namespace.get(id, { locationHint: region });
}
