// How an owner's directory tells the hosts watching a key what changed: one
// ordered, batching channel per watching host, so every push arrives, in order,
// and pushes made in one turn to one host are one call.

import { Channel } from "./channel.js";
import type { InterestPush } from "./interest-messages.js";
import type { WatcherLink } from "./directory.js";
import type { Peers } from "./peers.js";

interface PushBatch {
  readonly pushes: InterestPush[];
  readonly done: (() => void)[];
}

export class InterestPushes implements WatcherLink {
  private readonly channels = new Map<number, Channel<PushBatch>>();

  constructor(private readonly peers: Peers) {}

  push(host: number, push: InterestPush): Promise<void> {
    // This shard's own cache learns at once, with no call to wait for.
    if (host === this.peers.self) return this.peers.push(host, [push]);
    const ch = this.channel(host);
    const batch = ch.next;
    const done = new Promise<void>((resolve) => batch.done.push(resolve));
    batch.pushes.push(push);
    ch.kick();
    return done;
  }

  private channel(host: number): Channel<PushBatch> {
    let ch = this.channels.get(host);
    if (ch !== undefined) return ch;
    ch = new Channel<PushBatch>({
      empty: () => ({ pushes: [], done: [] }),
      isEmpty: (b) => b.pushes.length === 0,
      send: async (b) => {
        await this.peers.push(host, b.pushes);
        for (const d of b.done) d();
      },
      // A watcher that cannot be reached has most likely lost its cache with its
      // memory; it watches again when it next needs the key. Do not hold the
      // registering host's acknowledgement hostage to it.
      dropped: (b, e) => {
        this.peers.gaveUp("interestChanged", host, e, `${b.pushes.length} interest changes not pushed; the host watches again when it next publishes`);
        for (const d of b.done) d();
      },
    });
    this.channels.set(host, ch);
    return ch;
  }
}
