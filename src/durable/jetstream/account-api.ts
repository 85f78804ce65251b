// The requests about an account's JetStream as a whole, answered by the shard that
// keeps its catalog (placement.ts): account info, and creating, updating, deleting,
// naming and listing streams. A stream's own state is on its home shard, which
// the catalog asks (HomeCalls); a create or update is checked against the
// catalog's other streams first, so two streams never share a subject.

import { API_TYPES, JSERR, errorResponse, type ApiError } from "../../protocol/jetstream/api-errors.js";
import { checkStreamConfig, checkStreamUpdate, sameStreamConfig, subjectsOverlap, type StreamConfig, type StreamLimits } from "../../protocol/jetstream/stream-config.js";
import type { AccountJetStream } from "../../protocol/config-jetstream.js";
import { matchesLiteral } from "../../protocol/subject.js";
import type { Catalog, CatalogEntry } from "./catalog.js";
import { isInvalid, response, type Body } from "./stream-api.js";

/** What the catalog asks a stream's home shard. */
export type HomeCall =
  | { readonly op: "create"; readonly account: string; readonly config: StreamConfig }
  | { readonly op: "update"; readonly account: string; readonly config: StreamConfig }
  | { readonly op: "delete"; readonly account: string; readonly name: string }
  | { readonly op: "info"; readonly account: string; readonly name: string }
  | { readonly op: "usage"; readonly account: string };

/** A home shard's answer: a stream's info (nats-server's StreamInfo fields), usage, or an error. */
export type HomeAnswer =
  | { readonly info: Record<string, unknown>; readonly config: StreamConfig }
  | { readonly usage: Usage }
  | { readonly deleted: true }
  | { readonly error: ApiError };

export interface Usage {
  memory: number;
  storage: number;
  consumers: number;
  /** The account's API requests the shard served, and the errors among them. */
  apiTotal: number;
  apiErrors: number;
}

export interface HomeCalls {
  /** Runs `call` on the home shard of `stream`. */
  home(account: string, stream: string, call: HomeCall): Promise<HomeAnswer>;
  /** Runs `call` on every shard that is home to one of `streams`, once each. */
  homes(account: string, streams: readonly string[], call: HomeCall): Promise<HomeAnswer[]>;
  /** Runs `call` on every shard. */
  all(call: HomeCall): Promise<HomeAnswer[]>;
}

export interface ApiLimits {
  readonly maxPayload: number;
  /** The server's storage limits (max_memory_store, max_file_store), bytes; -1 for none. */
  readonly maxMemory: number;
  readonly maxStorage: number;
}

/** Names per page, and infos per page, as nats-server pages them. */
const NAMES_PAGE = 1024;
const LIST_PAGE = 256;

export class AccountApi {
  constructor(
    private readonly catalog: Catalog,
    private readonly calls: HomeCalls,
    private readonly limits: ApiLimits,
  ) {}

  async info(account: string, limits: AccountJetStream): Promise<string> {
    const streams = this.catalog.list(account);
    const usage: Usage = { memory: 0, storage: 0, consumers: 0, apiTotal: 0, apiErrors: 0 };
    // Every shard: each counts the API requests it served, with streams or without.
    for (const a of await this.calls.all({ op: "usage", account })) {
      if (!("usage" in a)) continue;
      usage.memory += a.usage.memory;
      usage.storage += a.usage.storage;
      usage.consumers += a.usage.consumers;
      usage.apiTotal += a.usage.apiTotal;
      usage.apiErrors += a.usage.apiErrors;
    }
    return response(API_TYPES.accountInfo, {
      memory: usage.memory,
      storage: usage.storage,
      // What the streams' max_bytes reserve (2.10.8 reports it).
      reserved_memory: reservedOf(streams, true),
      reserved_storage: reservedOf(streams, false),
      streams: streams.length,
      consumers: usage.consumers,
      limits: {
        max_memory: limits.maxMemory,
        max_storage: limits.maxStorage,
        max_streams: limits.maxStreams,
        max_consumers: limits.maxConsumers,
        max_ack_pending: limits.maxAckPending,
        memory_max_stream_bytes: limits.memoryMaxStreamBytes,
        storage_max_stream_bytes: limits.storageMaxStreamBytes,
        max_bytes_required: limits.maxBytesRequired,
      },
      api: { total: usage.apiTotal, errors: usage.apiErrors },
    });
  }

  async create(account: string, name: string, body: Body, limits: AccountJetStream): Promise<string> {
    const type = API_TYPES.streamCreate;
    // An empty body is not JSON (nats-server unmarshals it and fails).
    if (body === null) return errorResponse(type, JSERR.invalidJson());
    if (isInvalid(body)) return errorResponse(type, JSERR.invalidJson());
    // nats-server counts the account's streams before it looks at the configuration (a limit of 0 is none).
    const known = this.catalog.list(account);
    if (limits.maxStreams > 0 && known.length >= limits.maxStreams && !known.some((s) => s.name === name)) {
      return errorResponse(type, JSERR.maximumStreamsLimit);
    }
    const checked = checkStreamConfig(body, name, this.streamLimits(body, limits));
    if (!checked.ok) return errorResponse(type, checked.error);
    const config = checked.config;
    const existing = this.catalog.get(account, config.name);
    if (existing !== null) {
      // Creating what exists, identically, is a success that creates nothing (nats-server).
      const a = await this.calls.home(account, config.name, { op: "info", account, name: config.name });
      if ("error" in a) return errorResponse(type, a.error);
      if (!("info" in a) || !sameStreamConfig(a.config, config)) return errorResponse(type, JSERR.streamNameExist);
      // nats-server 2.9.10 answers an identical create as a create.
      return response(type, { ...a.info, did_create: true });
    }
    const refused = this.reservationRefused(account, config, limits, null);
    if (refused !== null) return errorResponse(type, refused);
    if (this.overlaps(account, config.name, config.subjects)) return errorResponse(type, JSERR.subjectOverlap);
    const a = await this.calls.home(account, config.name, { op: "create", account, config });
    if ("error" in a) return errorResponse(type, a.error);
    if (!("info" in a)) return errorResponse(type, JSERR.streamCreate("unexpected answer"));
    this.catalog.put(account, { ...reservation(config), name: config.name, subjects: config.subjects, created: Date.now() });
    return response(type, { ...a.info, did_create: true });
  }

  async update(account: string, name: string, body: Body, limits: AccountJetStream): Promise<string> {
    const type = API_TYPES.streamUpdate;
    if (body === null) return errorResponse(type, JSERR.invalidJson());
    if (isInvalid(body)) return errorResponse(type, JSERR.invalidJson());
    // The request is checked before the stream is looked up, as nats-server does.
    const known = this.catalog.get(account, name) !== null;
    const current = known ? await this.calls.home(account, name, { op: "info", account, name }) : null;
    if (current !== null && "error" in current) return errorResponse(type, current.error);
    const checked = checkStreamUpdate(current !== null && "config" in current ? current.config : null, body, name, this.streamLimits(body, limits));
    if (!checked.ok) return errorResponse(type, checked.error);
    if (!known) return errorResponse(type, JSERR.streamNotFound);
    const config = checked.config;
    const old = current !== null && "config" in current ? current.config.max_bytes : -1;
    const refused = this.reservationRefused(account, config, limits, old);
    if (refused !== null) return errorResponse(type, refused);
    if (this.overlaps(account, name, config.subjects)) return errorResponse(type, JSERR.subjectOverlap);
    const a = await this.calls.home(account, name, { op: "update", account, config });
    if ("error" in a) return errorResponse(type, a.error);
    if (!("info" in a)) return errorResponse(type, JSERR.streamUpdate("unexpected answer"));
    const entry = this.catalog.get(account, name);
    this.catalog.put(account, { ...reservation(config), name, subjects: config.subjects, created: entry?.created ?? Date.now() });
    return response(type, a.info);
  }

  async delete(account: string, name: string): Promise<string> {
    const type = API_TYPES.streamDelete;
    if (this.catalog.get(account, name) === null) return errorResponse(type, JSERR.streamNotFound);
    const a = await this.calls.home(account, name, { op: "delete", account, name });
    if ("error" in a && a.error !== JSERR.streamNotFound) return errorResponse(type, a.error);
    this.catalog.remove(account, name);
    return response(type, { success: true });
  }

  names(account: string, body: Body): string {
    const type = API_TYPES.streamNames;
    if (isInvalid(body)) return errorResponse(type, JSERR.invalidJson());
    const { offset, filtered } = this.page(account, body);
    const page = filtered.slice(offset, offset + NAMES_PAGE).map((s) => s.name);
    return response(type, { total: filtered.length, offset, limit: NAMES_PAGE, streams: page.length > 0 ? page : null });
  }

  async list(account: string, body: Body): Promise<string> {
    const type = API_TYPES.streamList;
    if (isInvalid(body)) return errorResponse(type, JSERR.invalidJson());
    const { offset, filtered } = this.page(account, body);
    const page = filtered.slice(offset, offset + LIST_PAGE);
    const infos = await Promise.all(page.map((s) => this.calls.home(account, s.name, { op: "info", account, name: s.name })));
    const streams: Record<string, unknown>[] = [];
    const missing: string[] = [];
    infos.forEach((a, i) => {
      if ("info" in a) streams.push(a.info);
      else missing.push(page[i].name);
    });
    const fields: Record<string, unknown> = { total: filtered.length, offset, limit: LIST_PAGE, streams };
    if (missing.length > 0) fields.missing = missing;
    return response(type, fields);
  }

  /** What a stream's configuration is held to: the server's max_payload and the account's limits. */
  private streamLimits(body: Record<string, unknown>, limits: AccountJetStream): StreamLimits {
    const memory = typeof body.storage === "string" && body.storage.toLowerCase() === "memory";
    const max = memory ? limits.memoryMaxStreamBytes : limits.storageMaxStreamBytes;
    return { maxPayload: this.limits.maxPayload, maxBytesRequired: limits.maxBytesRequired, maxStreamBytes: max > 0 ? max : 0 };
  }

  /** The account's streams a names or list request asks for (its `subject` filter), and from where. */
  private page(account: string, body: Body): { offset: number; filtered: ReturnType<Catalog["list"]> } {
    const req = (body ?? {}) as Record<string, unknown>;
    const offset = typeof req.offset === "number" && req.offset > 0 ? Math.floor(req.offset) : 0;
    const subject = typeof req.subject === "string" ? req.subject : "";
    let streams = this.catalog.list(account);
    if (subject !== "") streams = streams.filter((s) => s.subjects.some((x) => matchesLiteral(x, subject) || subjectsOverlap([x], [subject])));
    return { offset, filtered: streams };
  }

  /**
   * Why the storage `config` reserves (its max_bytes; a byte when it has none) does not fit
   * beside what the account's other streams of the same storage reserve, within the
   * account's limit or the server's (nats-server's checkBytesLimits); null when it fits.
   * An update (`oldMaxBytes` not null) reserves only what it adds to its old reservation.
   * The server's limit is held against this account's reservations: the catalog knows no other.
   */
  private reservationRefused(account: string, config: StreamConfig, limits: AccountJetStream, oldMaxBytes: number | null): ApiError | null {
    const memory = config.storage === "memory";
    let reserved = 0;
    for (const s of this.catalog.list(account)) {
      if (s.name !== config.name && s.memory === memory && s.maxBytes > 0) reserved += s.maxBytes;
    }
    let add = config.max_bytes < 0 ? 1 : config.max_bytes;
    if (oldMaxBytes !== null) {
      add = Math.max(0, config.max_bytes - oldMaxBytes);
      reserved += oldMaxBytes;
    }
    const accountMax = memory ? limits.maxMemory : limits.maxStorage;
    const serverMax = memory ? this.limits.maxMemory : this.limits.maxStorage;
    if ((accountMax >= 0 && reserved + add > accountMax) || (serverMax >= 0 && reserved + add > serverMax)) {
      return memory ? JSERR.memoryResourcesExceeded : JSERR.storageResourcesExceeded;
    }
    return null;
  }

  /** Whether another stream of the account has a subject that overlaps `subjects`. */
  private overlaps(account: string, name: string, subjects: readonly string[]): boolean {
    return this.catalog.list(account).some((s) => s.name !== name && subjectsOverlap(s.subjects, subjects));
  }
}

/** What a stream reserves, as the catalog keeps it. */
function reservation(config: StreamConfig): { memory: boolean; maxBytes: number } {
  return { memory: config.storage === "memory", maxBytes: config.max_bytes };
}

/** The bytes the account's streams of one storage reserve. */
function reservedOf(streams: readonly CatalogEntry[], memory: boolean): number {
  let n = 0;
  for (const s of streams) if (s.memory === memory && s.maxBytes > 0) n += s.maxBytes;
  return n;
}
