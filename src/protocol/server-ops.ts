// Reads what a server writes to a client: the client side of the protocol, for
// connections that live inside the broker (HTTP requests, service bindings).
// Those receive whole frames (the encoder never splits an op between frames),
// so the reader needs no state between calls.

import { decode } from "./bytes.js";

export interface ServerOpHandler {
  /** MSG or HMSG; `headers` is the header block, null for MSG. */
  msg(subject: string, sid: string, reply: string | null, headers: Uint8Array | null, payload: Uint8Array): void;
  /** `-ERR '<text>'`, unquoted. */
  err(text: string): void;
  ping(): void;
  pong(): void;
}

export class ServerOpError extends Error {}

/** Feeds every op of a frame to the handler (INFO and +OK are skipped). */
export function readServerOps(frame: Uint8Array, handler: ServerOpHandler): void {
  let i = 0;
  while (i < frame.length) {
    const eol = lineEnd(frame, i);
    const line = ascii(frame, i, eol);
    i = eol + 2;
    const space = line.indexOf(" ");
    const op = space < 0 ? line : line.slice(0, space);
    switch (op) {
      case "MSG":
      case "HMSG": {
        const args = line.slice(space + 1).split(" ");
        const withHeaders = op === "HMSG";
        const sizes = withHeaders ? 2 : 1;
        if (args.length < 2 + sizes || args.length > 3 + sizes) throw new ServerOpError(`malformed ${op}: ${line}`);
        const total = Number(args[args.length - 1]);
        const hdr = withHeaders ? Number(args[args.length - 2]) : 0;
        const reply = args.length === 3 + sizes ? args[2] : null;
        const body = frame.subarray(i, i + total);
        if (body.length !== total) throw new ServerOpError(`${op} payload cut short`);
        i += total + 2;
        // Subjects and sids are read from the raw bytes so non-ASCII survives as the broker keyed it.
        handler.msg(decode(encodeAscii(args[0])), args[1], reply, withHeaders ? body.subarray(0, hdr) : null, body.subarray(hdr));
        break;
      }
      case "-ERR":
        handler.err(line.slice(space + 1).replace(/^'|'$/g, ""));
        break;
      case "PING":
        handler.ping();
        break;
      case "PONG":
        handler.pong();
        break;
      case "INFO":
      case "+OK":
        break;
      default:
        throw new ServerOpError(`unexpected op: ${line.slice(0, 40)}`);
    }
  }
}

function lineEnd(frame: Uint8Array, from: number): number {
  for (let i = from; i + 1 < frame.length; i++) if (frame[i] === 13 && frame[i + 1] === 10) return i;
  throw new ServerOpError("op without line end");
}

/** Latin-1 view of the control line: byte values survive as char codes. */
function ascii(frame: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(frame[i]);
  return s;
}

function encodeAscii(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
