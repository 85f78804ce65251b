// CONNECT: the options a client declares and the credentials it presents, read
// as nats-server reads them (server/client.go ClientOpts, processConnect).

import type { Credentials } from "./auth.js";

/** The CONNECT options a connection keeps (its credentials are checked, not kept). */
export interface ConnectOptions {
  verbose: boolean;
  pedantic: boolean;
  echo: boolean;
  headers: boolean;
  noResponders: boolean;
  name: string;
  lang: string;
  version: string;
}

/** nats-server's defaults for CONNECT fields a client leaves out (server/client.go defaultOpts). */
export const DEFAULT_CONNECT_OPTIONS: ConnectOptions = {
  verbose: true,
  pedantic: true,
  echo: true,
  headers: false,
  noResponders: false,
  name: "",
  lang: "",
  version: "",
};

const textDecoder = new TextDecoder();

/**
 * Reads CONNECT's JSON over the current options, as nats-server unmarshals it over
 * its defaults: fields left out keep their value, a field of the wrong type or
 * JSON that is not an object fails the whole CONNECT (null), and a protocol
 * other than 0 or 1 is refused ("protocol").
 */
export function parseConnect(json: Uint8Array, current: ConnectOptions): { opts: ConnectOptions; creds: Credentials; claimsAccount: boolean } | null | "protocol" {
  let raw: unknown;
  try {
    raw = JSON.parse(textDecoder.decode(json));
  } catch {
    return null;
  }
  // JSON null unmarshals into nats-server's options as "no change".
  if (raw === null) raw = {};
  if (typeof raw !== "object" || Array.isArray(raw)) return null;
  const o = raw as Record<string, unknown>;
  const opts: ConnectOptions = { ...current };
  const flags: [string, keyof ConnectOptions][] = [
    ["verbose", "verbose"],
    ["pedantic", "pedantic"],
    ["echo", "echo"],
    ["headers", "headers"],
    ["no_responders", "noResponders"],
  ];
  for (const [key, field] of flags) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "boolean") return null;
    (opts[field] as boolean) = v;
  }
  const texts: [string, "name" | "lang" | "version"][] = [
    ["name", "name"],
    ["lang", "lang"],
    ["version", "version"],
  ];
  for (const [key, field] of texts) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") return null;
    opts[field] = v.slice(0, 256);
  }
  const creds: Credentials = {};
  for (const key of CREDENTIAL_FIELDS) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") return null;
    if (v !== "") creds[key] = v;
  }
  const account = o.account ?? "";
  const newAccount = o.new_account ?? false;
  if (typeof account !== "string" || typeof newAccount !== "boolean") return null;
  const protocol = o.protocol ?? 0;
  if (typeof protocol !== "number" || !Number.isInteger(protocol)) return null;
  if (protocol !== 0 && protocol !== 1) return "protocol";
  return { opts, creds, claimsAccount: account !== "" || newAccount };
}

const CREDENTIAL_FIELDS = ["user", "pass", "auth_token", "nkey", "sig", "jwt"] as const;

/** CONNECT's credentials, with cookies standing in for fields it left out. */
export function withCookies(creds: Credentials, cookies: Credentials | null): Credentials {
  if (cookies === null) return creds;
  const out: Credentials = { ...creds };
  for (const key of CREDENTIAL_FIELDS) if (out[key] === undefined && cookies[key] !== undefined) out[key] = cookies[key];
  return out;
}
