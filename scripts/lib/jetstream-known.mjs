// The deliberate differences of the JetStream cases (compat-jetstream.mjs), as
// rules over the two outcomes of a connection ({ why, applies(ns, edge) }, see
// scripts/compat.mjs), each a function of the text the case sends, which the
// normalizer needs to tell generated consumer names from chosen ones.
//
// The reference is nats-server 2.9.10; nats-edge reports 2.10 and answers as
// 2.10 does. Every JetStream case accepts the fields 2.10 added (`follows210`);
// a case that shows another 2.10 behaviour, or something nats-edge does on
// purpose, names it with `perMessage`.

import { escBytes } from "../../harness/raw-ws.mjs";
import { jetStreamNormalizer, parseOps } from "./jetstream-normalize.mjs";

/**
 * What nats-edge writes as 2.10 does and 2.9.10 does not, taken out of a
 * payload (after normalization): the `ts` of a consumer info, the account's
 * `reserved_memory` and `reserved_storage` (2.10.8), and the `compression` and
 * `consumer_limits` of a stream config that a request sent (nats.go does).
 */
export function as29(text) {
  return text
    .replaceAll(',"compression":"none"', "")
    .replace(/,"consumer_limits":\{[^{}]*\}/g, "")
    .replaceAll(',"ts":"<time>"', "")
    .replace(/,"reserved_memory":\d+,"reserved_storage":\d+/g, "");
}

const FOLLOWS_210 =
  "nats-edge answers as nats-server 2.10, the version it reports: consumer infos carry `ts` (when the info " +
  "was gathered), account info `reserved_memory` and `reserved_storage`, and a stream config keeps the " +
  "`compression` and `consumer_limits` a request sent; 2.9.10 writes none of these. Nothing else differs.";

/** The expected difference of every JetStream case: only the fields 2.10 added. */
export const follows210 = (sent) => ({
  why: FOLLOWS_210,
  applies: (ns, edge) =>
    ns.info === edge.info &&
    ns.close === edge.close &&
    edge.raw.length > 0 &&
    escBytes(jetStreamNormalizer(sent, as29)(edge.raw)) === ns.bytes,
});

/** Two ops (parseOps) alike in every part. */
const sameOp = (a, b) =>
  a.line === b.line && a.verb === b.verb && a.head === b.head && a.body === b.body && a.args?.join(" ") === b.args?.join(" ");

/**
 * A known difference of one case, message by message: expected when every
 * message nats-server sent is the one nats-edge sent (2.10's fields aside)
 * but for those where `differs(theirs, ours)` holds, and at least one does.
 */
export const perMessage = (why, differs) => (sent) => ({
  why,
  applies: (ns, edge) => {
    if (ns.info !== edge.info || ns.close !== edge.close) return false;
    const a = parseOps(jetStreamNormalizer(sent)(ns.raw));
    const b = parseOps(jetStreamNormalizer(sent, as29)(edge.raw));
    if (a.length !== b.length) return false;
    let seen = false;
    for (let i = 0; i < a.length; i++) {
      if (sameOp(a[i], b[i])) continue;
      if (a[i].body === undefined || b[i].body === undefined || !differs(a[i], b[i])) return false;
      seen = true;
    }
    return seen;
  },
});

const refusedWith = (op, code) => op.body.includes(`"err_code":${code},`);
const succeeded = (op) => op.body.startsWith('{"type":"io.nats.jetstream.api.v1.') && !op.body.includes('"error":');

/** nats-server refused with `code` where nats-edge did it (a create, or deleting what it created). */
const refusedThere = (code) => (theirs, ours) =>
  (refusedWith(theirs, code) || refusedWith(theirs, 10014)) && succeeded(ours);

export const JETSTREAM_ON_BY_DEFAULT = perMessage(
  "JetStream is on in nats-edge unless the configuration says `disabled` (storage is the platform's, nothing " +
    "to set up); nats-server runs it only when the configuration (or -js) turns it on, and without it nobody " +
    "answers $JS.API requests (503 no responders).",
  (theirs, ours) => theirs.head?.startsWith("NATS/1.0 503\r\n") === true && succeeded(ours),
);

export const JETSTREAM_FOR_EVERY_ACCOUNT = perMessage(
  "nats-edge gives every account JetStream unless the account's own `jetstream` says `disabled`; nats-server, " +
    "with accounts configured, only those whose block turns it on, and answers the others with 10039 " +
    '"JetStream not enabled for account".',
  (theirs, ours) => refusedWith(theirs, 10039) && succeeded(ours),
);

export const FILTER_OUTSIDE_STREAM = perMessage(
  "A consumer whose filter subject matches none of the stream's subjects is created, as nats-server 2.10 does; " +
    '2.9.10 refuses it with 10093 "consumer filter subject is not a valid subset of the interest subjects".',
  refusedThere(10093),
);

export const BACKOFF_AS_LONG_AS_MAX_DELIVER = perMessage(
  "A consumer with as many backoff durations as max_deliver is created, as nats-server 2.10.23 and later do " +
    "(it refuses only more backoff durations than deliveries); 2.9.10 refuses it with 10116.",
  refusedThere(10116),
);

export const CREATE_DOES_NOT_UPDATE = perMessage(
  'A consumer create with `"action":"create"` (what @nats-io/jetstream sends for consumers.add) naming an ' +
    'existing consumer with another configuration is refused with 10148 "consumer already exists", as ' +
    "nats-server 2.10 does; 2.9.10 knows no action and updates the consumer.",
  (theirs, ours) => succeeded(theirs) && theirs.body.includes('.consumer_create_response"') && refusedWith(ours, 10148),
);

export const PURGED_BYTES_LEFT_COUNTED = perMessage(
  "After a purge with a `filter`, nats-server 2.9.10 keeps counting the purged bytes in the account's " +
    "`storage` for as long as it runs (its file store's filtered purge does not report them; fixed in 2.10.0). " +
    "nats-edge counts what is stored.",
  (theirs, ours) =>
    theirs.body.includes('.account_info_response"') && theirs.body.replace(/"storage":\d+/, ours.body.match(/"storage":\d+/)?.[0] ?? "") === ours.body,
);
