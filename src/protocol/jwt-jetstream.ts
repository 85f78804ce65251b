// An account JWT's JetStream limits (`nats.limits`, or its `tiered_limits`), as
// nats-server reads them when it loads the account (accounts.go,
// updateAccountClaimsWithRefresh): JetStream is on for the account when the JWT gives
// it memory or disk storage (-1 for no limit), and off otherwise.

import type { AccountJetStream } from "./config-jetstream.js";

type Limits = Record<string, unknown>;

/** The account's JetStream limits; null when its JWT leaves JetStream off. */
export function jetStreamOfAccountJwt(nats: Record<string, unknown>): AccountJetStream | null {
  const limits = isObject(nats.limits) ? nats.limits : {};
  if (enables(limits)) return limitsOf(limits);
  // Limits per replica count: streams here have one replica, so the R1 tier is theirs.
  const tiers = isObject(limits.tiered_limits) ? limits.tiered_limits : {};
  const r1 = tiers.R1;
  return isObject(r1) && enables(r1) ? limitsOf(r1) : null;
}

function enables(l: Limits): boolean {
  return num(l.disk_storage) !== 0 || num(l.mem_storage) !== 0;
}

function limitsOf(l: Limits): AccountJetStream {
  // nats-server takes the storage limits as they are (0: none of that storage), and maps
  // the others' 0 to "no limit", as an absent field reads.
  return {
    maxMemory: num(l.mem_storage),
    maxStorage: num(l.disk_storage),
    maxStreams: unlimitedUnlessPositive(l.streams),
    maxConsumers: unlimitedUnlessPositive(l.consumer),
    maxAckPending: unlimitedUnlessPositive(l.max_ack_pending),
    maxBytesRequired: l.max_bytes_required === true,
    memoryMaxStreamBytes: unlimitedUnlessPositive(l.mem_max_stream_bytes),
    storageMaxStreamBytes: unlimitedUnlessPositive(l.disk_max_stream_bytes),
  };
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function unlimitedUnlessPositive(v: unknown): number {
  const n = num(v);
  return n > 0 ? n : -1;
}

function isObject(v: unknown): v is Limits {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
