// What legitimately varies in JetStream answers, replaced by placeholders so that
// nats-server's and nats-edge's can be compared byte for byte everywhere else
// (field names and order, codes, texts, counts). Works on the raw bytes a
// connection received after INFO: each MSG and HMSG is taken apart, its subjects
// and payload rewritten, and its sizes written again for the new payload, so a
// placeholder never shows up as a size difference.
//
// Varying values:
// - times (RFC 3339, in JSON and in Nats-Time-Stamp headers): `<time>`. Go's
//   zero time (0001-01-01T00:00:00Z, an empty stream's first_ts) is kept: it
//   is a value, not a clock reading;
// - the nanosecond timestamp of a `$JS.ACK.…` reply subject: `<ns>`;
// - the server's name as a cluster leader: `<server>`;
// - consumer names the server made up (created without one): `<generated:N#k>`,
//   N its length, k its order of appearance, so two of them still differ.
//
// Server PINGs are left out: nats-server sends a client its first one 2 s after
// it connects, nats-edge does not (a known difference of the core protocol,
// checked in the "limits" configuration), and a JetStream case may take longer.

const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)/g;
const ZERO_TIME = "0001-01-01T00:00:00Z";
// $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ns>.<pending>
const ACK_NS = /(\$JS\.ACK\.[^.\s]+\.[^.\s]+\.\d+\.\d+\.\d+\.)\d+(\.\d+)/g;
const LEADER = /"leader":"[^"]*"/g;
// A consumer create answer: the name the consumer got, then its config.
const CREATED_NAME = /"type":"io\.nats\.jetstream\.api\.v1\.consumer_create_response","stream_name":"[^"]*","name":"([^"]+)"/g;

/**
 * Splits what a server sent into protocol ops: `{ line }` for a control line
 * without payload, `{ line, head, body }` for MSG (head null) and HMSG. What
 * cannot be parsed (an unknown op, a truncated message) ends the list as
 * `{ rest }`, kept as it came.
 */
export function parseOps(raw) {
  const ops = [];
  let i = 0;
  while (i < raw.length) {
    const eol = raw.indexOf("\r\n", i, "latin1");
    if (eol < 0) break;
    const line = raw.subarray(i, eol).toString("latin1");
    const args = line.split(" ");
    const verb = args[0].toUpperCase();
    if (verb === "MSG" || verb === "HMSG") {
      const total = Number(args.at(-1));
      const headLen = verb === "HMSG" ? Number(args.at(-2)) : 0;
      const start = eol + 2;
      const end = start + total;
      if (!Number.isInteger(total) || !Number.isInteger(headLen) || end + 2 > raw.length) break;
      ops.push({
        verb,
        args: args.slice(1, verb === "HMSG" ? -2 : -1),
        head: verb === "HMSG" ? raw.subarray(start, start + headLen).toString("latin1") : null,
        body: raw.subarray(start + headLen, end).toString("latin1"),
      });
      i = end + 2;
      continue;
    }
    ops.push({ line });
    i = eol + 2;
  }
  if (i < raw.length) ops.push({ rest: raw.subarray(i) });
  return ops;
}

/** The ops written back as bytes, each MSG/HMSG with the sizes of its (rewritten) parts. */
export function writeOps(ops) {
  const parts = [];
  for (const op of ops) {
    if (op.rest) parts.push(op.rest);
    else if (op.verb === "MSG") parts.push(Buffer.from(`MSG ${op.args.join(" ")} ${op.body.length}\r\n${op.body}\r\n`, "latin1"));
    else if (op.verb === "HMSG") {
      const size = `${op.head.length} ${op.head.length + op.body.length}`;
      parts.push(Buffer.from(`HMSG ${op.args.join(" ")} ${size}\r\n${op.head}${op.body}\r\n`, "latin1"));
    } else parts.push(Buffer.from(`${op.line}\r\n`, "latin1"));
  }
  return Buffer.concat(parts);
}

/**
 * `(raw) => raw` for one case: the varying values above replaced. `sent` is
 * the text the case sends; a consumer name in a create answer that it does not
 * contain was made up by the server. `payload(text)`, when given, rewrites
 * each payload further (after the placeholders).
 */
export function jetStreamNormalizer(sent, payload = (s) => s) {
  return (raw) => {
    const ops = parseOps(raw);
    const generated = new Map();
    for (const op of ops) {
      if (op.body === undefined) continue;
      for (const m of op.body.matchAll(CREATED_NAME)) {
        if (!sent.includes(`"${m[1]}"`) && !sent.includes(`.${m[1]}`) && !generated.has(m[1])) {
          generated.set(m[1], `<generated:${m[1].length}#${generated.size + 1}>`);
        }
      }
    }
    const names = (s) => {
      for (const [name, placeholder] of generated) s = s.replaceAll(name, placeholder);
      return s;
    };
    const times = (s) => s.replace(TIME, (t) => (t === ZERO_TIME ? t : "<time>"));
    const kept = ops.filter((op) => op.line !== "PING");
    for (const op of kept) {
      if (op.body === undefined) continue;
      op.args = op.args.map((a) => names(a.replace(ACK_NS, "$1<ns>$2")));
      if (op.head !== null) op.head = times(op.head);
      op.body = payload(names(times(op.body).replace(LEADER, '"leader":"<server>"')));
    }
    return writeOps(kept);
  };
}
