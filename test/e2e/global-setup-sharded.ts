// vitest globalSetup for the "e2e-sharded" project: the broker with four shards.
import type { TestProject } from "vitest/node";
import { startFor } from "./global-setup";

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startFor(project, 4);
}
