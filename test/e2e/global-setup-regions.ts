// vitest globalSetup for the "e2e-regions" project: the broker in three regions of two shards
// each, with a delay emulated between regions as between continents (REGION_DELAY_MS, which
// takes TEST_HOOKS=1): half the round trips of docs/global.md's latency model, one way.
// Connections go to every shard in turn, so to every region. NATS_E2E_REGION_DELAY_MS sets
// another delay (`80`, or pair by pair).
import type { TestProject } from "vitest/node";
import { startFor } from "./global-setup";

export const REGIONS = ["wnam", "weur", "apac"];
const SHARDS_PER_REGION = 2;

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startFor(project, REGIONS.length * SHARDS_PER_REGION, {
    SHARDS: String(SHARDS_PER_REGION),
    REGIONS: REGIONS.join(","),
    REGION_DELAY_MS: process.env.NATS_E2E_REGION_DELAY_MS ?? "wnam-weur:83,wnam-apac:51,weur-apac:118",
  });
}
