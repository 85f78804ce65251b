// A leafnode's CONNECT and how the hub checks it (nats-server's leafConnectInfo,
// processLeafNodeConnect and auth.go isLeafNodeAuthorized). The credentials are
// the client's fields; the rest says which server dialed and what it wants.

import { fromSeed } from "@nats-io/nkeys";
import type { AuthResult, Credentials } from "./auth.js";
import type { LeafnodeConfig, LeafRemote } from "./config-leafnodes.js";
import { asciiJson } from "./encoder.js";
import { DEFAULT_CONNECT_OPTIONS, parseConnect } from "./connect.js";
import { fail, ok } from "./identity.js";
import { nonceSignatureProblem } from "./nkeys.js";
import { comparePasswords } from "./passwords.js";

export interface LeafConnect {
  readonly creds: Credentials;
  /** The leaf takes headers (every nats-server since 2.2 says so). */
  readonly headers: boolean;
  /** The dialing server's name and id, for /leafz. */
  readonly name: string;
  readonly serverId: string;
  readonly version: string;
  /** Its cluster's name, if it has one. */
  readonly cluster: string;
  /** The account the leaf binds on its side (nats-server's remote_account). */
  readonly remoteAccount: string;
  /** The leaf says it is the hub of this link: nats-edge only accepts leafnodes as their hub. */
  readonly hub: boolean;
}

const decoder = new TextDecoder();

/** null when it is not a JSON object with fields of the right types, as nats-server would fail to unmarshal it. */
export function parseLeafConnect(json: Uint8Array): LeafConnect | null {
  const base = parseConnect(json, { ...DEFAULT_CONNECT_OPTIONS, headers: false });
  if (base === null || base === "protocol") return null;
  const o = JSON.parse(decoder.decode(json)) as Record<string, unknown> | null;
  const text = (k: string): string | null => {
    const v = o?.[k] ?? "";
    return typeof v === "string" ? v.slice(0, 256) : null;
  };
  const name = text("name");
  const serverId = text("server_id");
  const cluster = text("cluster");
  const remoteAccount = text("remote_account");
  const hub = o?.hub ?? false;
  if (name === null || serverId === null || cluster === null || remoteAccount === null || typeof hub !== "boolean") return null;
  return { creds: base.creds, headers: base.opts.headers, name, serverId, version: base.opts.version, cluster, remoteAccount, hub };
}

/**
 * The login `leafnodes.authorization` grants, bound to its account; null when that
 * block has none, and the leaf authenticates as a client does.
 */
export function authenticateLeaf(config: LeafnodeConfig, creds: Credentials, nonce: string | null): AuthResult | null {
  if (config.users.length === 0) return null;
  for (const u of config.users) {
    if (u.nkey !== null) {
      if (creds.nkey !== u.nkey) continue;
      const problem = nonceSignatureProblem(u.nkey, creds.sig, nonce);
      if (problem !== null) return fail(problem);
      return ok({ account: u.account, user: u.nkey, permissions: null, expiresAt: null });
    }
    if (creds.user !== u.user) continue;
    if (!comparePasswords(u.password ?? "", creds.pass ?? "")) return fail(`wrong password for leafnode user ${JSON.stringify(u.user)}`);
    return ok({ account: u.account, user: u.user ?? "", permissions: null, expiresAt: null });
  }
  return fail(creds.user !== undefined ? `no leafnode user ${JSON.stringify(creds.user)}` : "no leafnode credentials");
}

/** What a hub's INFO tells the leaf that dialed it. */
export interface HubInfo {
  readonly serverId: string;
  readonly name: string;
  readonly version: string;
  readonly cluster: string;
  readonly nonce: string | null;
  readonly headers: boolean;
  /** Only a leafnode port's INFO has leafnode_urls (nats-server: ErrConnectedToWrongPort). */
  readonly leafnodePort: boolean;
  /** The hub wants a TLS handshake after this INFO (nats-server's tls_required). */
  readonly tlsRequired: boolean;
}

/** null when it is not a JSON object. */
export function parseHubInfo(json: Uint8Array): HubInfo | null {
  let o: unknown;
  try {
    o = JSON.parse(decoder.decode(json));
  } catch {
    return null;
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) return null;
  const r = o as Record<string, unknown>;
  const text = (k: string) => (typeof r[k] === "string" ? (r[k] as string).slice(0, 256) : "");
  return {
    serverId: text("server_id"),
    name: text("server_name"),
    version: text("version"),
    cluster: text("cluster"),
    nonce: typeof r.nonce === "string" ? r.nonce : null,
    headers: r.headers === true,
    leafnodePort: Array.isArray(r.leafnode_urls) && typeof r.client_id === "number" && r.client_id > 0,
    tlsRequired: r.tls_required === true,
  };
}

const encoder = new TextEncoder();

/**
 * The CONNECT a leaf sends its hub (nats-server's sendLeafConnect): who it is, and its
 * credentials: the remote's .creds (its JWT, and the nonce signed with its seed),
 * and a user and password from the URL, as nats-server takes them.
 */
export function leafConnectJson(
  self: { serverId: string; name: string; version: string },
  remote: LeafRemote,
  url: URL,
  nonce: string | null,
): string {
  const c: Record<string, unknown> = {
    version: self.version,
    server_id: self.serverId,
    name: self.name,
    headers: true,
    remote_account: remote.account,
  };
  if (remote.credentials !== null) {
    const kp = fromSeed(encoder.encode(remote.credentials.seed));
    c.jwt = remote.credentials.jwt;
    c.sig = base64Url(kp.sign(encoder.encode(nonce ?? "")));
  }
  if (url.username !== "") {
    const user = decodeURIComponent(url.username);
    c.user = user;
    if (url.password !== "") c.pass = decodeURIComponent(url.password);
    // nats-server: a user without a password is also sent as a token.
    else c.auth_token = user;
  }
  return asciiJson(c);
}

function base64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
