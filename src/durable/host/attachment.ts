// A connection's small, rarely changing state, kept in its socket's attachment so
// it survives hibernation: written on open, on CONNECT and when the count of
// unanswered keepalive PINGs changes; read back when the object starts again.
// workerd allows an attachment 16 KiB, so permissions too large to ride along
// (long JWT permission lists) are kept in SQLite instead (the `permissions` table).

import type { Credentials } from "../../protocol/auth.js";
import type { ConnectOptions } from "../../protocol/connect.js";
import type { PermissionsConfig } from "../../protocol/permissions.js";
import type { Transport } from "./transport.js";

/** Who a connection authenticated as, as far as it outlives a restart of the object. */
export interface StoredIdentity {
  account: string;
  user: string;
  permissions: PermissionsConfig | null;
  /** ms since the epoch; null when the credentials do not expire. */
  expiresAt: number | null;
  /** The account's JWT is what expires ("Account Authentication Expired"). */
  accountExpires?: boolean;
  /** Set when the permissions are too large for the attachment and live in SQLite instead. */
  permissionsStored?: boolean;
}

export interface Attachment {
  cid: number;
  opts: ConnectOptions;
  /** Client address as the Worker saw it, for INFO and monitoring. */
  ip: string;
  /** Milliseconds since the epoch when the connection opened. */
  start: number;
  /** Set once authenticated (or, without authorization, at CONNECT). */
  identity?: StoredIdentity | null;
  /** The nonce sent in INFO. */
  nonce?: string | null;
  /** Credentials read from cookies at the upgrade. */
  cookies?: Credentials | null;
  /** Server PINGs not answered yet. */
  pings?: number;
  /** A leafnode connection: what its CONNECT said of the server that dialed (leaf/leaf-connection.ts). */
  leaf?: LeafPeer;
}

/** The server at the other end of a leafnode connection, as its CONNECT described it. */
export interface LeafPeer {
  name: string;
  serverId: string;
  version: string;
  cluster: string;
  remoteAccount: string;
}

/** Permissions up to this size (as JSON) ride in the socket attachment; larger ones in SQLite. */
const ATTACHED_PERMISSIONS = 8 * 1024;

export class Attachments {
  /** Connections whose permissions are in SQLite: written once, they never change. */
  private readonly stored = new Set<number>();

  constructor(private readonly sql: SqlStorage) {}

  save(ws: Transport, a: Attachment): void {
    const perms = a.identity?.permissions;
    if (perms != null && JSON.stringify(perms).length > ATTACHED_PERMISSIONS) {
      if (!this.stored.has(a.cid)) {
        this.sql.exec(`INSERT OR REPLACE INTO permissions (cid, json) VALUES (?, ?)`, a.cid, JSON.stringify(perms));
        this.stored.add(a.cid);
      }
      a.identity = { ...a.identity!, permissions: null, permissionsStored: true };
    }
    ws.serializeAttachment(a);
  }

  /**
   * A socket's attachment with its permissions put back; null when it has none.
   * `lost`: its permissions were in SQLite and are gone, so it must not go on.
   */
  load(ws: Transport): { attachment: Attachment; lost: boolean } | null {
    const a = ws.deserializeAttachment() as Attachment | null;
    if (a === null || typeof a !== "object" || typeof a.cid !== "number") return null;
    if (a.identity?.permissionsStored !== true) return { attachment: a, lost: false };
    const row = this.sql.exec<{ json: string }>(`SELECT json FROM permissions WHERE cid = ?`, a.cid).toArray()[0];
    if (row === undefined) return { attachment: a, lost: true };
    this.stored.add(a.cid);
    a.identity = { ...a.identity, permissions: JSON.parse(row.json) as PermissionsConfig, permissionsStored: undefined };
    return { attachment: a, lost: false };
  }

  /** The connection is gone. */
  forget(cid: number): void {
    this.sql.exec(`DELETE FROM permissions WHERE cid = ?`, cid);
    this.stored.delete(cid);
  }
}
