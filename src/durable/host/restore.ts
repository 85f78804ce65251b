// Bringing connections back after workerd hibernated or restarted the object:
// sockets (and webhook sessions) outlive the instance that accepted them; what
// each needs is in its attachment and in the object's SQLite storage (store.ts).

import { encode } from "../../protocol/bytes.js";
import { CLOSE, ERR } from "../../protocol/errors.js";
import { Client, type ClientHost, type LocalSub, type Transport } from "./client.js";
import type { Attachment, Store } from "../store.js";

/**
 * The connections of an object that workerd hibernated or restarted, rebuilt
 * from each socket's attachment, then the subscriptions and half-received ops
 * stored for them. Those whose stored state is gone are closed, not returned.
 */
export function rebuildConnections(host: ClientHost, store: Store, sockets: Transport[]): Client[] {
  const byCid = new Map<number, Client>();
  for (const ws of sockets) {
    const a = ws.deserializeAttachment() as Attachment | null;
    if (a === null || typeof a !== "object" || typeof a.cid !== "number") continue;
    let lost = false;
    const stored = a.identity?.permissionsStored === true;
    if (stored && a.identity) {
      const perms = store.permissions(a.cid);
      // Without its permissions the connection must not go on unrestricted.
      if (perms === undefined) lost = true;
      else a.identity = { ...a.identity, permissions: perms, permissionsStored: undefined };
    }
    const client = new Client(host, ws, a.cid, a.ip ?? "", a.start ?? Date.now(), a);
    if (lost) {
      client.close(CLOSE.authViolation, ERR.authorizationViolation, "permissions lost");
      continue;
    }
    client.permissionsStored = stored;
    byCid.set(a.cid, client);
  }
  store.retainConnections(new Set(byCid.keys()));
  for (const s of store.allSubs()) {
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
  for (const p of store.allPartials()) {
    const client = byCid.get(p.cid);
    if (client === undefined) continue;
    client.parser.feed(p.bytes);
    client.partialSeq = p.seq;
  }
  return [...byCid.values()];
}
