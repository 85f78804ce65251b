// A message as JSON, for the places where messages leave the protocol: the
// HTTP bridge's event streams and the service binding's JSON lines.

import { decodeHeaders } from "./headers.js";

export interface MessageJson {
  subject: string;
  reply?: string;
  /** NATS headers by name, each with its values in order. */
  headers?: Record<string, string[]>;
  /** The payload as text when it is valid UTF-8 … */
  data?: string;
  /** … else in base64. */
  data_base64?: string;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function messageJson(subject: string, reply: string | null, headers: Uint8Array | null, payload: Uint8Array): MessageJson {
  const out: MessageJson = { subject };
  if (reply !== null) out.reply = reply;
  const fields = headers === null ? [] : (decodeHeaders(headers)?.fields ?? []);
  if (fields.length > 0) out.headers = headerRecord(fields);
  try {
    out.data = strictUtf8.decode(payload);
  } catch {
    out.data_base64 = base64(payload);
  }
  return out;
}

/** Header fields by name, values in order (the shape JSON consumers get). */
export function headerRecord(fields: readonly (readonly [string, string])[]): Record<string, string[]> {
  const record: Record<string, string[]> = {};
  for (const [name, value] of fields) (record[name] ??= []).push(value);
  return record;
}

function base64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin);
}
