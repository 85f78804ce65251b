// A leafnode's CONNECT and how the hub checks it (nats-server's leafConnectInfo,
// processLeafNodeConnect and auth.go isLeafNodeAuthorized). The credentials are
// the client's fields; the rest says which server dialed and what it wants.

import type { AuthResult, Credentials } from "./auth.js";
import type { LeafnodeConfig } from "./config-leafnodes.js";
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
