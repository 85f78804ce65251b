// The requests about a stream's consumers, answered on the stream's home shard:
// create (both subject forms), info, delete, names and list, in nats-server's JSON.

import { API_TYPES, JSERR, errorResponse, type ApiError } from "../../protocol/jetstream/api-errors.js";
import {
  checkConsumerConfig,
  checkConsumerUpdate,
  checkWorkQueuePartition,
  consumerName,
  parseConsumerCreateRequest,
  sameConsumerConfig,
} from "../../protocol/jetstream/consumer-config.js";
import type { AccountJetStream } from "../../protocol/config-jetstream.js";
import { consumerInfoJson } from "../../protocol/jetstream/consumer-info.js";
import type { ConsumerStore } from "./consumer-store.js";
import { Consumer } from "./consumer.js";
import { isInvalid, response, type Body } from "./stream-api.js";
import type { Stream } from "./stream.js";

const NAMES_PAGE = 1024;
const LIST_PAGE = 256;

/** nats-server's ConsumerInfo; a single server names no cluster leader in it. */
export function consumerInfo(c: Consumer, now: number): Record<string, unknown> {
  return consumerInfoJson(c.stream.name, c.name, c.created, c.config, c.state(), "", now);
}

/**
 * `$JS.API.CONSUMER.CREATE.<stream>[.<name>[.<filter>]]` and
 * `$JS.API.CONSUMER.DURABLE.CREATE.<stream>.<durable>`: a new consumer, the same one
 * again, or an update of one. Returns the answer and the consumer, when there is one.
 */
export function createConsumer(
  stream: Stream,
  store: ConsumerStore,
  data: Uint8Array,
  op: "CONSUMER.CREATE" | "CONSUMER.DURABLE.CREATE",
  nameInSubject: string | null,
  filterInSubject: string | null,
  limits: AccountJetStream,
  now: number,
): { text: string; consumer: Consumer | null } {
  const type = API_TYPES.consumerCreate;
  const fail = (e: ApiError) => ({ text: errorResponse(type, e), consumer: null });
  if (data.length === 0) return fail(JSERR.invalidJson());
  const req = parseConsumerCreateRequest(data, stream.name);
  if (!req.ok) return fail(req.error);
  const checked = checkConsumerConfig(
    req.config,
    { stream: stream.name, nameInSubject, filterInSubject, action: req.action, op },
    { subjects: stream.config.subjects, retention: stream.config.retention, consumerLimits: stream.config.consumer_limits },
    limits.maxAckPending > 0 ? { maxAckPending: limits.maxAckPending } : {},
  );
  if (!checked.ok) return fail(checked.error);
  // A consumer the request names nowhere gets a generated name, which nats-server keeps out of its config.
  const raw = req.config as { name?: unknown; durable_name?: unknown };
  const generated = nameInSubject === null && !raw.name && !raw.durable_name;
  const name = consumerName(checked.config);
  const config = generated ? { ...checked.config, name: undefined } : checked.config;
  const existing = stream.consumers.get(name);
  if (existing !== undefined) {
    if (sameConsumerConfig(existing.config, config)) return { text: response(type, consumerInfo(existing, now)), consumer: existing };
    if (req.action === "create") return fail(JSERR.consumerAlreadyExists);
    const refused = checkConsumerUpdate(existing.config, config, !existing.isPull && existing.hasInterest);
    if (refused !== null) return fail(refused);
    if (stream.config.retention === "workqueue") {
      const wq = checkWorkQueuePartition(name, config, stream.consumers.values());
      if (wq !== null) return fail(wq);
    }
    existing.updateConfig(config);
    return { text: response(type, consumerInfo(existing, now)), consumer: existing };
  }
  if (req.action === "update") return fail(JSERR.consumerDoesNotExist);
  if (stream.config.max_consumers > 0 && stream.consumers.size >= stream.config.max_consumers) return fail(JSERR.maximumConsumersLimit);
  if (stream.config.retention === "workqueue") {
    const wq = checkWorkQueuePartition(name, config, stream.consumers.values());
    if (wq !== null) return fail(wq);
  }
  const c = Consumer.create(stream, store, name, config, now);
  stream.consumers.set(name, c);
  return { text: response(type, consumerInfo(c, now)), consumer: c };
}

export function consumerNames(stream: Stream, body: Body): string {
  const type = API_TYPES.consumerNames;
  if (isInvalid(body)) return errorResponse(type, JSERR.invalidJson());
  const offset = pageOffset(body);
  const names = [...stream.consumers.keys()].sort();
  return response(type, { total: names.length, offset, limit: NAMES_PAGE, consumers: names.slice(offset, offset + NAMES_PAGE) });
}

export function consumerList(stream: Stream, body: Body, now: number): string {
  const type = API_TYPES.consumerList;
  if (isInvalid(body)) return errorResponse(type, JSERR.invalidJson());
  const offset = pageOffset(body);
  const all = [...stream.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const page = all.slice(offset, offset + LIST_PAGE).map((c) => consumerInfo(c, now));
  return response(type, { total: all.length, offset, limit: LIST_PAGE, consumers: page });
}

function pageOffset(body: Body): number {
  const req = (body ?? {}) as Record<string, unknown>;
  return typeof req.offset === "number" && req.offset > 0 ? Math.floor(req.offset) : 0;
}
