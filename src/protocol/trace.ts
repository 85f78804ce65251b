// The texts of nats-server's protocol trace (-V, server/client.go traceInOp,
// traceOutOp, traceMsg): `<<- [PUB foo 5]` for an op a client sent, `->> [MSG foo 1 5]`
// for one it was sent, and `<<- MSG_PAYLOAD: ["hello"]` for a message's bytes. Only
// ever called when tracing is on: none of this runs per message otherwise.

import { decode } from "./bytes.js";
import { redactSecrets } from "./log.js";

/** Payload bytes shown per message; the rest is elided (nats-server's max_traced_msg_len). */
export const TRACED_PAYLOAD = 128;

/** `<<- [OP args]`; CONNECT's credentials are taken out, as nats-server's removeSecretsFromTrace does. */
export function inOp(op: string, ...args: (Uint8Array | string | number | null)[]): string {
  let s = `<<- [${op}`;
  for (const a of args) if (a !== null) s += ` ${typeof a === "object" ? text(a, a.length) : a}`;
  return op === "CONNECT" ? `${redactSecrets(s)}]` : `${s}]`;
}

/** `<<- MSG_PAYLOAD: ["…"]`, or `->>` for a delivery; null for an empty payload (nats-server traces none). */
export function payload(bytes: Uint8Array, delivered: boolean): string | null {
  if (bytes.length === 0) return null;
  const shown = JSON.stringify(text(bytes, TRACED_PAYLOAD));
  return `${delivered ? "->>" : "<<-"} MSG_PAYLOAD: [${bytes.length > TRACED_PAYLOAD ? `${shown.slice(0, -1)}..."` : shown}]`;
}

/**
 * The ops of one frame written to a client, as `->> [OP args]` lines (and the payload of
 * each MSG/HMSG); the encoder writes whole ops, so a frame never ends inside one.
 */
export function outOps(frame: Uint8Array, emit: (line: string) => void): void {
  let i = 0;
  while (i < frame.length) {
    let eol = i;
    while (eol + 1 < frame.length && !(frame[eol] === 13 && frame[eol + 1] === 10)) eol++;
    if (eol + 1 >= frame.length) return emit(`->> [${text(frame.subarray(i), 80)}]`);
    const line = text(frame.subarray(i, eol), eol - i);
    i = eol + 2;
    // `+OK` is traced as nats-server traces it, `OK`.
    emit(`->> [${line === "+OK" ? "OK" : line}]`);
    if (line.startsWith("MSG ") || line.startsWith("HMSG ")) {
      const size = Number(line.slice(line.lastIndexOf(" ") + 1));
      const p = payload(frame.subarray(i, i + size), true);
      if (p !== null) emit(p);
      i += size + 2;
    }
  }
}

/** At most `max` bytes as text (bytes that are not UTF-8 come out escaped, see bytes.ts). */
function text(b: Uint8Array, max: number): string {
  return decode(b.length > max ? b.subarray(0, max) : b);
}
