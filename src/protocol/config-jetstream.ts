// The `jetstream` settings of the configuration document, with nats-server's field
// names (opts.go parseJetStream, parseJetStreamForAccount): at the top level, whether
// JetStream runs and the server's storage limits; in an account, whether it has
// JetStream and its limits.
//
// Deliberate differences from nats-server, which runs JetStream only when told to
// (and then only for the accounts whose block says so when accounts are configured):
// here storage is the platform's, so JetStream is on unless `jetstream` says
// `disabled`, and an account has it unless its own block says `disabled`. Settings
// about files and clustering are refused: the platform keeps the data and its copies.

import { boolean, fail, fields, integer, isObject, NOT_SUPPORTED, refusals, spelling, type Field } from "./config-fields.js";

/** Limits of one account's JetStream; -1 for none. */
export interface AccountJetStream {
  readonly maxMemory: number;
  readonly maxStorage: number;
  readonly maxStreams: number;
  readonly maxConsumers: number;
  readonly maxAckPending: number;
  /** Every stream must set max_bytes. */
  readonly maxBytesRequired: boolean;
  readonly memoryMaxStreamBytes: number;
  readonly storageMaxStreamBytes: number;
}

export interface JetStreamConfig {
  readonly enabled: boolean;
  /** The server's limits, bytes; -1 for none. */
  readonly maxMemory: number;
  readonly maxStorage: number;
  /** Accounts whose block sets JetStream: their limits, or null where it says disabled. */
  readonly accounts: ReadonlyMap<string, AccountJetStream | null>;
}

export const UNLIMITED: AccountJetStream = Object.freeze({
  maxMemory: -1,
  maxStorage: -1,
  maxStreams: -1,
  maxConsumers: -1,
  maxAckPending: -1,
  maxBytesRequired: false,
  memoryMaxStreamBytes: -1,
  storageMaxStreamBytes: -1,
});

export const DEFAULT_JETSTREAM: JetStreamConfig = Object.freeze({
  enabled: true,
  maxMemory: -1,
  maxStorage: -1,
  accounts: new Map<string, AccountJetStream | null>(),
});

/** The limits that apply to `account`: null when it has no JetStream. */
export function accountJetStream(config: JetStreamConfig, account: string): AccountJetStream | null {
  if (!config.enabled) return null;
  const own = config.accounts.get(account);
  return own === undefined ? UNLIMITED : own;
}

const MAX_BYTES = Number.MAX_SAFE_INTEGER;

const SERVER = spelling({
  enabled: ["enable"],
  max_memory_store: ["max_mem_store", "max_mem"],
  max_file_store: ["max_file"],
  store_dir: ["store", "storedir"],
});
const SERVER_REFUSED = refusals(
  [
    "strict", "sync", "sync_interval", "domain", "key", "ek", "encryption_key", "prev_key", "prev_ek",
    "prev_encryption_key", "cipher", "extension_hint", "limits", "tpm", "unique_tag", "max_outstanding_catchup",
    "max_buffered_size", "max_buffered_msgs", "request_queue_limit", "info_queue_limit", "meta_compact",
    "meta_compact_size", "meta_compact_sync", "max_concurrent_io",
  ],
  NOT_SUPPORTED,
);

const ACCOUNT = spelling({
  max_memory: ["max_mem", "mem", "memory"],
  max_store: ["max_file", "max_disk", "store", "disk"],
  max_streams: ["streams"],
  max_consumers: ["consumers"],
  max_bytes_required: ["max_stream_bytes", "max_bytes"],
  memory_max_stream_bytes: ["mem_max_stream_bytes"],
  store_max_stream_bytes: ["disk_max_stream_bytes"],
  max_ack_pending: [],
});
const ACCOUNT_REFUSED = refusals(["cluster_traffic"], NOT_SUPPORTED);

/** `enabled`/`disabled` (or `enable`/`disable`), a boolean, or null for a block. */
function switchOf(f: Field): boolean | null {
  const v = f.value;
  if (typeof v === "boolean") return v;
  if (typeof v === "string") {
    const s = v.toLowerCase();
    if (s === "enabled" || s === "enable") return true;
    if (s === "disabled" || s === "disable") return false;
    fail(f.path, `expected 'enabled' or 'disabled' for string value, got '${v}'`);
  }
  if (!isObject(v)) fail(f.path, "must be 'enabled', 'disabled', true, false, or a block of settings");
  return null;
}

/** The top-level `jetstream` setting; `accounts` are the accounts' own (accountJetStreamOf). */
export function jetstreamConfig(f: Field | undefined, accounts: ReadonlyMap<string, AccountJetStream | null>): JetStreamConfig {
  if (f === undefined) return { ...DEFAULT_JETSTREAM, accounts };
  const on = switchOf(f);
  if (on !== null) return { ...DEFAULT_JETSTREAM, enabled: on, accounts };
  const m = fields(f, SERVER, SERVER_REFUSED);
  const enabled = m.get("enabled");
  // The platform stores the data; a directory means nothing here, and is accepted so
  // that a document written for nats-server runs as it is.
  return {
    enabled: enabled === undefined ? true : boolean(enabled),
    maxMemory: limit(m.get("max_memory_store")),
    maxStorage: limit(m.get("max_file_store")),
    accounts,
  };
}

/** An account's `jetstream` setting: its limits, or null when it says disabled. */
export function accountJetStreamOf(f: Field): AccountJetStream | null {
  const on = switchOf(f);
  if (on !== null) return on ? UNLIMITED : null;
  const m = fields(f, ACCOUNT, ACCOUNT_REFUSED);
  const required = m.get("max_bytes_required");
  return {
    maxMemory: limit(m.get("max_memory")),
    maxStorage: limit(m.get("max_store")),
    maxStreams: count(m.get("max_streams")),
    maxConsumers: count(m.get("max_consumers")),
    maxAckPending: count(m.get("max_ack_pending")),
    maxBytesRequired: required === undefined ? false : boolean(required),
    memoryMaxStreamBytes: limit(m.get("memory_max_stream_bytes")),
    storageMaxStreamBytes: limit(m.get("store_max_stream_bytes")),
  };
}

/** Bytes; -1 (and absent) for no limit. */
function limit(f: Field | undefined): number {
  if (f === undefined || f.value === -1) return -1;
  return integer(f, 0, MAX_BYTES);
}

/** A count; -1 (and absent) for no limit. */
function count(f: Field | undefined): number {
  if (f === undefined || f.value === -1) return -1;
  return integer(f, 0, 2 ** 31 - 1);
}
