// How a shard reaches the shards of the cluster: the owners of keys (watch,
// register, resync) and the hosts of subscribers (deliver, interest pushes).
// The one place that holds stubs, for the cluster and the directory alike.
//
// A stub that saw an error may stay broken, so after a failure the next call to
// that shard gets a fresh one. A call to this shard itself is no call at all:
// it runs on this object at once, as it would if another shard had made it.

import { errorFields } from "../../protocol/log.js";
import type { Log } from "../log.js";
import type { InterestChange, InterestPush, InterestSnapshot } from "./interest-messages.js";
import { LINK_PATH } from "./link.js";
import type { Wan } from "./wan.js";

/**
 * What one shard answers the others: the Shard object's RPC methods for the
 * cluster. A stub's answers are promises; the object's own may come at once.
 */
export interface ShardPeer {
  watchKey(from: number, key: string): InterestSnapshot | Promise<InterestSnapshot>;
  unwatchKeys(from: number, keys: string[]): void | Promise<void>;
  registerInterest(from: number, changes: InterestChange[]): Promise<void>;
  resyncInterest(from: number, entries: InterestChange[]): Promise<void>;
  interestChanged(pushes: InterestPush[]): void | Promise<void>;
  /** Accepts a link (an upgrade on LINK_PATH), on which messages go both ways (link.ts). */
  fetch(request: Request): Promise<Response>;
}

export class Peers {
  private readonly stubs = new Map<number, ShardPeer>();

  constructor(
    /** This shard's number. */
    readonly self: number,
    /** This shard's own object. */
    private readonly local: ShardPeer,
    /** A new stub for a shard. */
    private readonly connect: (shard: number) => ShardPeer,
    private readonly log: Log,
    /** The distance to shards of other regions, when tests emulate it. */
    private readonly wan: Wan,
  ) {}

  /**
   * A link frame from `shard`, handled once it has travelled here when tests emulate the
   * distance between regions (then false is returned, and `handle` runs later); else true.
   */
  arrivesNow(shard: number, handle: () => void): boolean {
    return !this.wan.arrive(shard, () => {
      try {
        handle();
      } catch (e) {
        this.log.exception("unexpected exception in a link frame", e);
      }
    });
  }

  /**
   * A call to `shard` (null: to every shard) failed for good, after its retries: what was lost is the caller's
   * to say (`consequence`). A warning, not an error: the cluster goes on without it.
   */
  gaveUp(call: string, shard: number | null, e: unknown, consequence: string): void {
    this.log.warn("cross-shard call failed after retries", { call, to: shard ?? undefined, consequence, ...errorFields(e) });
  }

  watch(owner: number, key: string): Promise<InterestSnapshot> {
    return this.call(owner, (p) => p.watchKey(this.self, key));
  }

  unwatch(owner: number, keys: string[]): Promise<void> {
    return this.call(owner, (p) => p.unwatchKeys(this.self, keys));
  }

  register(owner: number, changes: InterestChange[]): Promise<void> {
    return this.call(owner, (p) => p.registerInterest(this.self, changes));
  }

  resync(owner: number, entries: InterestChange[]): Promise<void> {
    return this.call(owner, (p) => p.resyncInterest(this.self, entries));
  }

  /** Opens a link to `host`, on which messages go both ways (link.ts). */
  async link(host: number): Promise<WebSocket> {
    const upgrade = new Request(`https://shard${LINK_PATH}?from=${this.self}`, { headers: { Upgrade: "websocket" } });
    const r = await this.call(host, (p) => p.fetch(upgrade));
    const ws = r.webSocket;
    if (ws === null) throw new Error(`shard ${host} answered a link with HTTP ${r.status}`);
    // Acks are read at once, as bytes (the web's default would hand out Blobs).
    ws.binaryType = "arraybuffer";
    ws.accept();
    return ws;
  }

  push(host: number, pushes: InterestPush[]): Promise<void> {
    return this.call(host, (p) => p.interestChanged(pushes));
  }

  /** Runs `f` on the shard's stub (or this object); a failure drops the stub. */
  private async call<T>(shard: number, f: (peer: ShardPeer) => T | Promise<T>): Promise<T> {
    try {
      return await this.wan.call(shard, () => f(this.peer(shard)));
    } catch (e) {
      this.stubs.delete(shard);
      throw e;
    }
  }

  private peer(shard: number): ShardPeer {
    if (shard === this.self) return this.local;
    let s = this.stubs.get(shard);
    if (s === undefined) this.stubs.set(shard, (s = this.connect(shard)));
    return s;
  }
}
