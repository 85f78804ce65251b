// JetStream conversations for `npm run compat`, written as scripts: requests to
// $JS.API answered to the connection's inbox, publishes, acks to the subjects
// the server handed out, with request bodies as the clients write them. Builds
// a case as harness/raw-ws.mjs runs it, with the normalizer
// (jetstream-normalize.mjs) and the 2.10 rule (jetstream-known.mjs).

import { follows210 } from "./jetstream-known.mjs";
import { jetStreamNormalizer, parseOps } from "./jetstream-normalize.mjs";

export const API = "$JS.API";
export const json = (o) => JSON.stringify(o);
/** A consumer create request as @nats-io/jetstream 3.x writes it. */
export const consumerRequest = (stream, config) => json({ config, stream_name: stream, action: "create", pedantic: false });

/** nats.go's StreamConfig as it marshals one with only a name and subjects set. */
export const natsGoStream = (name, subjects) =>
  json({
    name,
    subjects,
    retention: "limits",
    max_consumers: 0,
    max_msgs: 0,
    max_bytes: 0,
    discard: "old",
    max_age: 0,
    max_msgs_per_subject: 0,
    storage: "file",
    num_replicas: 0,
    compression: "none",
    allow_direct: false,
    mirror_direct: false,
    consumer_limits: {},
  });

/** CONNECT as the official clients send it, with `fields` (credentials) added. */
export const connect = (fields = {}) =>
  `CONNECT ${JSON.stringify({ verbose: false, pedantic: false, headers: true, no_responders: true, protocol: 1, ...fields })}\r\n`;

/** PUB, or HPUB when there are headers (`{ name: value }`, in order). */
function publish(subject, payload = "", { headers, reply } = {}) {
  const to = reply ? `${subject} ${reply}` : subject;
  const body = Buffer.byteLength(payload);
  if (!headers) return `PUB ${to} ${body}\r\n${payload}\r\n`;
  const head = `NATS/1.0\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
  return `HPUB ${to} ${head.length} ${head.length + body}\r\n${head}${payload}\r\n`;
}

/** The messages a connection has received so far (MSG and HMSG, taken apart). */
function received(c) {
  return parseOps(Buffer.concat(c.frames.map((f) => Buffer.from(f.bytes)))).filter((op) => op.body !== undefined);
}

/** The reply subject of the `k`th (1-based) message delivered with an ack subject, or null. */
function ackSubject(c, k) {
  return received(c).filter((op) => op.args[2]?.startsWith("$JS.ACK."))[k - 1]?.args[2] ?? null;
}

const CREATED = /"type":"io\.nats\.jetstream\.api\.v1\.consumer_create_response","stream_name":"[^"]*","name":"([^"]+)"/;

/** The name of the `k`th consumer a create answer reported on this connection, or null. */
export function createdConsumer(c, k) {
  return received(c).map((op) => CREATED.exec(op.body)?.[1]).filter(Boolean)[k - 1] ?? null;
}

/**
 * One case as a script. `build(s)` calls, in order:
 * - `s.api(subject, body, on)`: a request answered to the connection's inbox
 *   (`_INBOX.<label>.<n>`, subscribed first); `subject` may be a function of the
 *   connection, for names the server made up;
 * - `s.pub(subject, payload, { headers, reply }, on)`: a publish (`reply: true`
 *   for the next inbox subject);
 * - `s.ack(k, payload, { reply }, on)`: publishes `payload` to the `k`th ack
 *   subject the connection received;
 * - `s.send(frame, on)` and `s.wait(ms)`.
 * `on` is a connection label, A unless said. `opts.conns` names the
 * connections and their CONNECT (default: one, A, without credentials);
 * `opts.known` adds expected differences (jetstream-known.mjs) to the 2.10 one.
 */
export function jsCase(name, build, opts = {}) {
  const conns = opts.conns ?? { A: connect() };
  const steps = Object.keys(conns).map((l) => [l, `SUB _INBOX.${l}.* 1\r\n`]);
  let n = 0;
  const inbox = (on) => `_INBOX.${on}.${++n}`;
  const s = {
    api(subject, body = "", on = "A") {
      const reply = inbox(on);
      steps.push([on, typeof subject === "function" ? (c) => publish(subject(c), body, { reply }) : publish(subject, body, { reply })]);
    },
    pub(subject, payload = "", { headers, reply } = {}, on = "A") {
      steps.push([on, publish(subject, payload, { headers, reply: reply === true ? inbox(on) : reply })]);
    },
    ack(k, payload = "+ACK", { reply } = {}, on = "A") {
      const r = reply === true ? inbox(on) : undefined;
      // Without the message there is no subject to ack: an ack nobody takes keeps the step count.
      steps.push([on, (c) => publish(ackSubject(c, k) ?? "$JS.ACK.missing", payload, { reply: r })]);
    },
    send(frame, on = "A") {
      steps.push([on, frame]);
    },
    wait(ms) {
      steps.push(["A", null, { wait: ms }]);
    },
  };
  build(s);
  const sent = [...Object.values(conns), ...steps.map((st) => st[1])].filter((x) => typeof x === "string").join("");
  return {
    name,
    conns,
    steps,
    rewrite: jetStreamNormalizer(sent),
    known: [follows210, ...(opts.known ?? [])].map((k) => k(sent)),
  };
}
