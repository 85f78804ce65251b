// Reading a configuration document in tests: as JSON, the way NATS_CONFIG holds it.
import { ConfigError, parseConfig, type BrokerConfig } from "../../src/protocol/config";

export const parse = (doc: unknown): BrokerConfig => parseConfig(JSON.stringify(doc));

/** The ConfigError message a document is refused with. */
export function refused(doc: unknown): string {
  try {
    parse(doc);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error(`accepted: ${JSON.stringify(doc)}`);
}
