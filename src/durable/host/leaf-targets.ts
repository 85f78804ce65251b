// The leafnodes one message goes to. A leafnode is a subscriber of many subjects that
// gets each message once: its matching subscriptions and the queue groups it was chosen
// for make one LMSG naming those groups, as nats-server's route and leaf targets do
// (client.go addSubToRouteTargets). Reused from message to message, so a message
// allocates nothing.

import type { Message } from "../../protocol/message.js";
import type { Client } from "./client.js";

interface Target {
  client: Client;
  readonly names: Uint8Array[];
  count: number;
}

export class LeafTargets {
  private readonly targets: Target[] = [];
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** A new message: no leafnode yet. */
  clear(): void {
    this.n = 0;
  }

  /** `leaf` gets the message; false when it already did (another of its subscriptions matched). */
  add(leaf: Client): boolean {
    const t = this.targets;
    for (let i = 0; i < this.n; i++) if (t[i].client === leaf) return false;
    if (this.n === t.length) t.push({ client: leaf, names: [], count: 0 });
    const target = t[this.n++];
    target.client = leaf;
    target.count = 0;
    return true;
  }

  /** `leaf` takes the message for queue group `name` too. */
  chosen(leaf: Client, name: Uint8Array): void {
    this.add(leaf);
    const t = this.targets;
    for (let i = 0; i < this.n; i++) if (t[i].client === leaf) t[i].names[t[i].count++] = name;
  }

  /** The leafnodes so far, for a message that waits for its remote interest. */
  clients(): Client[] {
    return this.targets.slice(0, this.n).map((t) => t.client);
  }

  /** One LMSG to each, naming its groups; `written` counts each. Then clears. */
  write(msg: Message, written: (c: Client, size: number) => void): void {
    const n = this.n;
    this.n = 0;
    const subject = msg.deliver ?? msg.subject;
    for (let i = 0; i < n; i++) {
      const { client: c, names, count } = this.targets[i];
      if (c.isClosed) continue;
      // A leafnode that did not declare headers gets the payload alone, as a client does.
      if (msg.headerSize >= 0 && !c.opts.headers) c.outbox.leafMsg(subject, msg.reply, names, count, -1, msg.data.subarray(msg.headerSize));
      else c.outbox.leafMsg(subject, msg.reply, names, count, msg.headerSize, msg.data);
      written(c, msg.data.length);
    }
  }
}
