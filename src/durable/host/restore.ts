// Bringing connections back after workerd hibernated or restarted the object:
// sockets (and webhook sessions) outlive the instance that accepted them; what
// each needs is in its attachment (attachment.ts) and in the object's SQLite
// storage (subscriptions.ts, partial-ops.ts).

import { encode } from "../../protocol/bytes.js";
import { CLOSE, ERR } from "../../protocol/errors.js";
import { clientFields } from "./connection-log.js";
import type { Attachment, Attachments } from "./attachment.js";
import { Client, type ClientHost, type LocalSub } from "./client.js";
import type { PartialOps } from "./partial-ops.js";
import type { StoredSubs } from "./subscriptions.js";
import type { Transport } from "./transport.js";

/** What a host keeps of its connections, besides what is in memory. */
export interface ConnectionStorage {
  readonly attachments: Attachments;
  readonly subs: StoredSubs;
  readonly partials: PartialOps;
}

/** Forgets everything kept of a connection that is gone. */
export function forgetConnection(storage: ConnectionStorage, cid: number): void {
  storage.subs.forget(cid);
  storage.attachments.forget(cid);
  storage.partials.clear(cid);
}

/**
 * The connections of an object that workerd hibernated or restarted, rebuilt
 * from each socket's attachment, then the subscriptions and half-received ops
 * stored for them. Those whose stored state is gone are closed, not returned; so is
 * one whose rebuilding throws (logged), so that it cannot keep the object from starting
 * and the other connections from being served.
 */
export function rebuildConnections(
  host: ClientHost,
  storage: ConnectionStorage,
  sockets: Transport[],
  /** Rebuilds the connections that are not clients' (a leafnode's): those whose attachment says so. */
  other: ((ws: Transport, a: Attachment) => Client) | null = null,
): Client[] {
  const byCid = new Map<number, Client>();
  for (const ws of sockets) {
    try {
      const kept = storage.attachments.load(ws);
      if (kept === null) continue;
      const a = kept.attachment;
      const client = a.leaf !== undefined && other !== null ? other(ws, a) : new Client(host, ws, a.cid, a.ip ?? "", a.start ?? Date.now(), a);
      // Without its permissions the connection must not go on unrestricted.
      if (kept.lost) {
        client.close(CLOSE.authViolation, ERR.authorizationViolation, "permissions lost");
        continue;
      }
      byCid.set(a.cid, client);
    } catch (e) {
      host.log.exception("unexpected exception restoring a connection", e);
      try {
        ws.close(CLOSE.internalError.code, CLOSE.internalError.reason);
      } catch {
        // Already closed.
      }
    }
  }
  // Connections that closed while the object was away.
  for (const cid of new Set([...storage.subs.cids(), ...storage.partials.cids()])) {
    if (!byCid.has(cid)) forgetConnection(storage, cid);
  }
  for (const s of storage.subs.all()) {
    const client = byCid.get(s.cid);
    if (client === undefined) continue;
    const sub: LocalSub = {
      subject: s.subject,
      queue: s.queue,
      client,
      sid: s.sid,
      sidBytes: encode(s.sid),
      max: s.max,
      delivered: s.delivered,
    };
    client.subs.set(s.sid, sub);
    client.space.sublist.insert(sub);
  }
  // Half-received ops: feeding their pieces again puts each parser back where it was
  // (a partial op emits nothing, so this has no other effect).
  for (const p of storage.partials.all()) {
    const client = byCid.get(p.cid);
    if (client === undefined) continue;
    try {
      client.parser.feed(p.bytes);
      client.partialSeq = p.seq;
    } catch (e) {
      host.log.exception("unexpected exception restoring a connection", e, clientFields(client));
      byCid.delete(p.cid);
      for (const sub of client.subs.values()) client.space.sublist.remove(sub);
      client.subs.clear();
      client.outbox.take();
      client.close(CLOSE.internalError, null);
      forgetConnection(storage, p.cid);
    }
  }
  return [...byCid.values()];
}
