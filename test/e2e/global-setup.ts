// vitest globalSetup for the "e2e" project: one broker (wrangler dev) for the whole run.
//
// Set NATS_E2E_URL (e.g. ws://127.0.0.1:9222 of a nats-server with a websocket listener) to run
// the same suite against an already-running server instead; nothing is started then.

import type { TestProject } from "vitest/node";
import { startBroker, type Broker } from "./broker";

declare module "vitest" {
  export interface ProvidedContext {
    brokerUrl: string;
  }
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const external = process.env.NATS_E2E_URL as string | undefined;
  if (external) {
    provide("brokerUrl", external);
    return async () => {};
  }
  const broker: Broker = await startBroker();
  provide("brokerUrl", broker.url);
  return async () => {
    await broker.stop();
  };
}
