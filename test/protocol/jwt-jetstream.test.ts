// An account JWT's JetStream limits as nats-server reads them.
import { describe, expect, it } from "vitest";
import { UNLIMITED } from "../../src/protocol/config-jetstream.js";
import { jetStreamOfAccountJwt } from "../../src/protocol/jwt-jetstream.js";

describe("JetStream limits of an account JWT", () => {
  it("is off without memory or disk storage", () => {
    expect(jetStreamOfAccountJwt({})).toBeNull();
    expect(jetStreamOfAccountJwt({ limits: { subs: -1, streams: 5 } })).toBeNull();
    expect(jetStreamOfAccountJwt({ limits: { disk_storage: 0, mem_storage: 0 } })).toBeNull();
  });

  it("takes the storage limits as they are, and 0 or -1 elsewhere as no limit", () => {
    // Unlimited disk storage, and no memory storage at all.
    expect(jetStreamOfAccountJwt({ limits: { disk_storage: -1 } })).toEqual({ ...UNLIMITED, maxMemory: 0 });
    expect(
      jetStreamOfAccountJwt({
        limits: { mem_storage: 1024, disk_storage: 4096, streams: 2, consumer: 0, max_ack_pending: 10, disk_max_stream_bytes: 512, max_bytes_required: true },
      }),
    ).toMatchObject({ maxMemory: 1024, maxStorage: 4096, maxStreams: 2, maxConsumers: -1, maxAckPending: 10, storageMaxStreamBytes: 512, maxBytesRequired: true });
  });

  it("reads the R1 tier when the JWT has tiered limits", () => {
    expect(jetStreamOfAccountJwt({ limits: { tiered_limits: { R1: { disk_storage: 100, streams: 3 } } } })).toMatchObject({
      maxStorage: 100,
      maxMemory: 0,
      maxStreams: 3,
    });
    expect(jetStreamOfAccountJwt({ limits: { tiered_limits: { R3: { disk_storage: 100 } } } })).toBeNull();
  });
});
