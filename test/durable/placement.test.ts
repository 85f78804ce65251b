// Which object is shard i, and where it is created: with REGIONS, every stub carries its
// region's location hint, so the object is created there whoever wakes it first.
import { describe, expect, it } from "vitest";
import { shardStub } from "../../src/durable/placement.js";
import { readSettings } from "../../src/durable/settings.js";

/** A namespace that records what each stub was asked for with. */
function recording() {
  const asked: [string, string | undefined][] = [];
  const namespace = {
    idFromName: (name: string) => ({ name }),
    get: (id: { name: string }, options?: DurableObjectNamespaceGetDurableObjectOptions) => {
      asked.push([id.name, options?.locationHint]);
      return {};
    },
  } as unknown as DurableObjectNamespace;
  return { namespace, asked };
}

describe("shard placement", () => {
  it("names shard i `shard-<i>` and gives it its region's location hint", () => {
    const { namespace, asked } = recording();
    const settings = readSettings({ REGIONS: "wnam,weur,apac", SHARDS: "2" });
    expect(settings.shards).toBe(6);
    for (let i = 0; i < settings.shards; i++) shardStub(namespace, settings, i);
    expect(asked).toEqual([
      ["shard-0", "wnam"],
      ["shard-1", "wnam"],
      ["shard-2", "weur"],
      ["shard-3", "weur"],
      ["shard-4", "apac"],
      ["shard-5", "apac"],
    ]);
  });

  it("leaves placement to the platform without REGIONS", () => {
    const { namespace, asked } = recording();
    const settings = readSettings({ SHARDS: "3" });
    for (let i = 0; i < settings.shards; i++) shardStub(namespace, settings, i);
    expect(asked).toEqual([
      ["shard-0", undefined],
      ["shard-1", undefined],
      ["shard-2", undefined],
    ]);
  });

  it("refuses more than 1,024 shards in all", () => {
    expect(() => readSettings({ REGIONS: "wnam,weur,apac", SHARDS: "400" })).toThrow(
      "SHARDS (400) times the 3 REGIONS is 1200: at most 1024 shards in all",
    );
  });
});
