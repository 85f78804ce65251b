// What each `$JS.API` request is, beyond its subject's shape (api-subject.ts): which
// shard serves it, whether nats-server counts it in an account's API statistics, and
// the type its response (and its errors) carry.

import { API_TYPES } from "../../protocol/jetstream/api-errors.js";
import { jetStreamStream, parseApiSubject } from "../../protocol/jetstream/api-subject.js";
import { catalogShard, streamHome } from "./placement.js";

/** What nats-server does not count as API requests: they are the streams' and consumers' own subscriptions. */
const UNCOUNTED_OPS: ReadonlySet<string> = new Set(["DIRECT.GET", "CONSUMER.MSG.NEXT", "UNKNOWN"]);

/** The requests an account's catalog answers. */
const CATALOG_OPS: ReadonlySet<string> = new Set(["INFO", "STREAM.CREATE", "STREAM.UPDATE", "STREAM.DELETE", "STREAM.NAMES", "STREAM.LIST"]);

/** The type of the response to a request, which its errors carry too. */
const RESPONSE_TYPES: Readonly<Record<string, string>> = {
  INFO: API_TYPES.accountInfo,
  "STREAM.CREATE": API_TYPES.streamCreate,
  "STREAM.UPDATE": API_TYPES.streamUpdate,
  "STREAM.INFO": API_TYPES.streamInfo,
  "STREAM.DELETE": API_TYPES.streamDelete,
  "STREAM.PURGE": API_TYPES.streamPurge,
  "STREAM.NAMES": API_TYPES.streamNames,
  "STREAM.LIST": API_TYPES.streamList,
  "STREAM.MSG.GET": API_TYPES.streamMsgGet,
  "STREAM.MSG.DELETE": API_TYPES.streamMsgDelete,
  "CONSUMER.CREATE": API_TYPES.consumerCreate,
  "CONSUMER.DURABLE.CREATE": API_TYPES.consumerCreate,
  "CONSUMER.INFO": API_TYPES.consumerInfo,
  "CONSUMER.DELETE": API_TYPES.consumerDelete,
  "CONSUMER.NAMES": API_TYPES.consumerNames,
  "CONSUMER.LIST": API_TYPES.consumerList,
};

export function responseType(op: string): string {
  return RESPONSE_TYPES[op] ?? API_TYPES.system;
}

/** Whether a request counts in the account's API statistics. */
export function countsAsApiRequest(op: string): boolean {
  return !UNCOUNTED_OPS.has(op);
}

/**
 * The shard that serves a subject under `$JS.` of `account`, or -1 when none does.
 * Creating, updating and deleting streams and the account-wide requests go to the
 * account's catalog; the rest, acks and flow control answers to the stream's home.
 * Like nats-server, which takes all of $JS.API.>, something takes what nobody
 * answers: the catalog.
 */
export function servingShard(account: string, subject: string, shards: number): number {
  const req = parseApiSubject(subject);
  if (req !== null) {
    if (CATALOG_OPS.has(req.op) || !("stream" in req)) return catalogShard(account, shards);
    return streamHome(account, req.stream, shards);
  }
  const stream = jetStreamStream(subject);
  return stream === null || stream === "" ? -1 : streamHome(account, stream, shards);
}
