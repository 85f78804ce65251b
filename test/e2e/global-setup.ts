// vitest globalSetup for the end-to-end projects: one broker (as `npm start` serves it) for the whole run.
// The "e2e" project runs it as a single shard; "e2e-sharded" (global-setup-sharded.ts) runs
// the same suite against four shards with connections spread over them, and "e2e-regions"
// (global-setup-regions.ts) against three regions of two shards each, far apart.
//
// Set NATS_E2E_URL (e.g. ws://127.0.0.1:9222 of a nats-server with a websocket listener) to run
// the single-shard suite against an already-running server instead; nothing is started then.

import type { TestProject } from "vitest/node";
import { startBroker, type Broker } from "./broker";

declare module "vitest" {
  export interface ProvidedContext {
    brokerUrl: string;
    /** Shards of the broker under test; connections are spread over them with `?shard=`. */
    shards: number;
    /** Its REGIONS, in order (shards 0 and 1 in the first, …); empty without. */
    regions: string[];
    /** The longest delay emulated between two regions, one way (REGION_DELAY_MS); 0 without. */
    regionDelayMs: number;
  }
}

/**
 * `shards`: every shard of the broker (SHARDS times the regions); `vars`: more settings, such
 * as REGIONS, which then decide how SHARDS is read.
 */
export async function startFor(project: TestProject, shards: number, vars: Record<string, string> = {}): Promise<() => Promise<void>> {
  const external = process.env.NATS_E2E_URL as string | undefined;
  if (external && shards === 1) {
    project.provide("brokerUrl", external);
    project.provide("shards", 1);
    project.provide("regions", []);
    project.provide("regionDelayMs", 0);
    return async () => {};
  }
  const broker: Broker = await startBroker({ vars: { SHARDS: String(shards), TEST_HOOKS: "1", ...vars } });
  project.provide("brokerUrl", broker.url);
  project.provide("shards", shards);
  project.provide("regions", vars.REGIONS ? vars.REGIONS.split(",") : []);
  // The longest, when pair by pair (`wnam-weur:83,…`).
  project.provide("regionDelayMs", Math.max(0, ...(vars.REGION_DELAY_MS ?? "").split(/[,:]/).map(Number).filter(Number.isFinite)));
  return async () => {
    await broker.stop();
  };
}

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startFor(project, 1);
}
