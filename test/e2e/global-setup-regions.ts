// vitest globalSetup for the "e2e-regions" project: the broker in three regions of two shards
// each, with a delay emulated between regions as between continents (REGION_DELAY_MS, which
// takes TEST_HOOKS=1). Connections go to every shard in turn, so to every region.
import type { TestProject } from "vitest/node";
import { startFor } from "./global-setup";

export const REGIONS = ["wnam", "weur", "apac"];
const SHARDS_PER_REGION = 2;

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startFor(project, REGIONS.length * SHARDS_PER_REGION, {
    SHARDS: String(SHARDS_PER_REGION),
    REGIONS: REGIONS.join(","),
    REGION_DELAY_MS: process.env.NATS_E2E_REGION_DELAY_MS ?? "40",
  });
}
