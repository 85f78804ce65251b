// NATS message headers (the block HPUB and HMSG carry): `NATS/1.0[ <status>[ <description>]]\r\n`,
// then `Name: value\r\n` lines, then an empty line. Used where messages cross into
// other shapes (HTTP, service bindings); the broker itself routes header blocks
// as opaque bytes.

import { decode } from "./bytes.js";

export type HeaderFields = readonly (readonly [string, string])[];

export interface DecodedHeaders {
  /** The status code a server-made message carries (503 for no responders); null when none. */
  readonly status: number | null;
  readonly description: string;
  readonly fields: [string, string][];
}

const encoder = new TextEncoder();

/**
 * Why a header cannot go into a NATS header block, or null when it can. Names are
 * HTTP tokens without ':'; values may not break the line structure.
 */
export function headerProblem(name: string, value: string): string | null {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return `invalid header name ${JSON.stringify(name)}`;
  if (/[\r\n]/.test(value)) return `header ${name} has a line break in its value`;
  return null;
}

/** The header block for `fields` (names and values already checked by headerProblem). */
export function encodeHeaders(fields: HeaderFields): Uint8Array {
  let text = "NATS/1.0\r\n";
  for (const [name, value] of fields) text += `${name}: ${value}\r\n`;
  return encoder.encode(`${text}\r\n`);
}

/** Reads a header block; null when it does not start with the NATS/1.0 version line. */
export function decodeHeaders(block: Uint8Array): DecodedHeaders | null {
  const lines = decode(block).split("\r\n");
  const first = lines[0];
  if (!first.startsWith("NATS/1.0")) return null;
  const rest = first.slice(8).trim();
  let status: number | null = null;
  let description = "";
  if (rest !== "") {
    const space = rest.indexOf(" ");
    const code = space < 0 ? rest : rest.slice(0, space);
    if (/^\d{3}$/.test(code)) {
      status = Number(code);
      description = space < 0 ? "" : rest.slice(space + 1).trim();
    }
  }
  const fields: [string, string][] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { status, description, fields };
}

/**
 * `content-type` → `Content-Type`: HTTP delivers header names in lower case, NATS
 * clients read them case-sensitively and write them in this canonical form (Go's
 * textproto.CanonicalMIMEHeaderKey, which nats.go and nats.js follow).
 */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}
