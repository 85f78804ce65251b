// What the JetStream end-to-end tests share: the refusal an API call ends in.

import { JetStreamApiError } from "@nats-io/jetstream";

/** What the API refused with: nats-server's code, err_code and description (fails if it did not refuse). */
export async function apiError(p: Promise<unknown>): Promise<{ code: number; err_code: number; description: string }> {
  try {
    await p;
  } catch (e) {
    // For some codes (10039 among them) the client raises an error of its own, caused by the API's.
    const api = e instanceof JetStreamApiError ? e : (e as Error).cause;
    if (api instanceof JetStreamApiError) {
      const a = api.apiError();
      return { code: a.code, err_code: a.err_code, description: a.description };
    }
    throw e;
  }
  throw new Error("expected the API to refuse");
}
