// The JetStream subjects: which API request a `$JS.API.` subject is, and which
// stream any `$JS.` subject concerns. Token positions are nats-server's
// (server/jetstream_api.go subject constants, server/consumer.go ack and flow
// control subjects).
//
// nats-server takes the whole of `$JS.API.>` and drops, without an answer, what
// none of its handlers matches (apiDispatch), so a request for an unknown or
// malformed API subject times out rather than getting "no responders". UNKNOWN
// is that case.

export type ApiRequest =
  | { op: "INFO" }
  | {
      op:
        | "STREAM.CREATE"
        | "STREAM.UPDATE"
        | "STREAM.INFO"
        | "STREAM.DELETE"
        | "STREAM.PURGE"
        | "STREAM.MSG.GET"
        | "STREAM.MSG.DELETE";
      stream: string;
    }
  | { op: "STREAM.NAMES" }
  | { op: "STREAM.LIST" }
  | { op: "DIRECT.GET"; stream: string; lastBySubject: string | null }
  | { op: "CONSUMER.CREATE"; stream: string; consumer: string | null; filter: string | null }
  | { op: "CONSUMER.DURABLE.CREATE"; stream: string; consumer: string }
  | { op: "CONSUMER.INFO" | "CONSUMER.DELETE" | "CONSUMER.MSG.NEXT"; stream: string; consumer: string }
  | { op: "CONSUMER.NAMES" | "CONSUMER.LIST"; stream: string }
  | { op: "UNKNOWN" };

const API = "$JS.API.";
const UNKNOWN: ApiRequest = Object.freeze({ op: "UNKNOWN" });

// The ops whose subject is the op then exactly one stream token ($JS.API.STREAM.INFO.<stream>).
const STREAM_OPS: ReadonlySet<string> = new Set([
  "STREAM.CREATE",
  "STREAM.UPDATE",
  "STREAM.INFO",
  "STREAM.DELETE",
  "STREAM.PURGE",
  "STREAM.MSG.GET",
  "STREAM.MSG.DELETE",
]);

type StreamOp = Extract<ApiRequest, { op: "STREAM.INFO" }>["op"];

/** The API request `subject` asks for; null when it is not under `$JS.API.`. */
export function parseApiSubject(subject: string): ApiRequest | null {
  if (!subject.startsWith(API)) return null;
  // Requests, not the message stream: splitting is affordable here.
  const t = subject.slice(API.length).split(".");
  const n = t.length;
  if (n === 1) return t[0] === "INFO" ? { op: "INFO" } : UNKNOWN;
  const op2 = `${t[0]}.${t[1]}`;
  const op3 = n >= 3 ? `${op2}.${t[2]}` : "";
  if (n === 2 && (op2 === "STREAM.NAMES" || op2 === "STREAM.LIST")) return { op: op2 };
  if (n === 3 && STREAM_OPS.has(op2) && isName(t[2]!)) return { op: op2 as StreamOp, stream: t[2]! };
  if (n === 4 && STREAM_OPS.has(op3) && isName(t[3]!)) return { op: op3 as StreamOp, stream: t[3]! };
  if (n === 3 && (op2 === "CONSUMER.NAMES" || op2 === "CONSUMER.LIST") && isName(t[2]!)) {
    return { op: op2, stream: t[2]! };
  }
  if (n === 4 && (op2 === "CONSUMER.INFO" || op2 === "CONSUMER.DELETE") && isName(t[2]!) && isName(t[3]!)) {
    return { op: op2, stream: t[2]!, consumer: t[3]! };
  }
  if (n === 5 && op3 === "CONSUMER.DURABLE.CREATE" && isName(t[3]!) && isName(t[4]!)) {
    return { op: op3, stream: t[3]!, consumer: t[4]! };
  }
  if (n === 5 && op3 === "CONSUMER.MSG.NEXT" && isName(t[3]!) && isName(t[4]!)) {
    return { op: op3, stream: t[3]!, consumer: t[4]! };
  }
  if (op2 === "DIRECT.GET" && n >= 3 && isName(t[2]!)) {
    // $JS.API.DIRECT.GET.<stream>[.<subject…>]: the rest of the subject is the subject asked for.
    return { op: "DIRECT.GET", stream: t[2]!, lastBySubject: n === 3 ? null : t.slice(3).join(".") };
  }
  if (op2 === "CONSUMER.CREATE" && n >= 3 && isName(t[2]!)) {
    // $JS.API.CONSUMER.CREATE.<stream>[.<consumer>[.<filter…>]] (the named form is 2.9's).
    if (n === 3) return { op: "CONSUMER.CREATE", stream: t[2]!, consumer: null, filter: null };
    if (!isName(t[3]!)) return UNKNOWN;
    // 2.9.10 drops a one-token filter (it reads one only past 7 tokens); 2.10 fixed that.
    return { op: "CONSUMER.CREATE", stream: t[2]!, consumer: t[3]!, filter: n === 4 ? null : t.slice(4).join(".") };
  }
  return UNKNOWN;
}

// A token where nats-server's handler subscription has `*`: present, and not a
// wildcard itself (a publish to a wildcard subject reaches no handler).
function isName(token: string): boolean {
  return token !== "" && token !== "*" && token !== ">";
}

/**
 * The stream a `$JS.` subject concerns, to route it to that stream's object:
 * - `$JS.API.<op>.<stream>…` → the stream; other `$JS.API.` subjects (account
 *   info, stream names and lists, and what parseApiSubject calls UNKNOWN) → "";
 * - `$JS.ACK.<stream>.<consumer>.<5 numbers>` (9 tokens), or the 2.10 form
 *   `$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<5 numbers>[.…]`
 *   (11 or more) → the stream;
 * - `$JS.FC.<stream>.<consumer>.<id>` (5 tokens), or
 *   `$JS.FC.<domain>.<account hash>.<stream>.<consumer>.<id>` (7) → the stream;
 * - anything else → null: no stream's, routed like any message.
 * Runs for every message published to `$JS.`, acks above all: those are
 * counted and sliced in place; only API requests are split.
 */
export function jetStreamStream(subject: string): string | null {
  if (subject.startsWith(API)) return apiStream(subject);
  if (subject.startsWith("$JS.ACK.")) {
    const n = tokenCount(subject);
    return n === 9 ? nameAt(subject, 2) : n >= 11 ? nameAt(subject, 4) : null;
  }
  if (subject.startsWith("$JS.FC.")) {
    const n = tokenCount(subject);
    return n === 5 ? nameAt(subject, 2) : n === 7 ? nameAt(subject, 4) : null;
  }
  return null;
}

function apiStream(subject: string): string {
  const r = parseApiSubject(subject)!;
  return "stream" in r ? r.stream : "";
}

function tokenCount(s: string): number {
  let n = 1;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 0x2e) n++;
  return n;
}

/** The token at 0-based `index` when it can be a stream name; null when it cannot. */
function nameAt(s: string, index: number): string | null {
  let start = 0;
  for (let k = 0; k < index; k++) start = s.indexOf(".", start) + 1;
  const end = s.indexOf(".", start);
  const token = end < 0 ? s.slice(start) : s.slice(start, end);
  return isName(token) ? token : null;
}
