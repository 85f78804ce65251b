// Where a message goes: the one place that matches a published subject, writes it
// to the plain subscribers, chooses one member of each queue group and decides
// whether the publisher is owed a no-responders status, as nats-server's
// processMsgResults does in one loop.
//
// Remote interest (cluster/) enters as more of the same: hosts with plain
// interest, and queue groups whose members on other hosts weigh in the choice
// with their counts, as nats-server's route subscriptions do in its sublist. A
// single shard is the case of no remote interest. What is chosen for another host
// leaves as one record for it, naming the groups it must pick a member of.
//
// A leafnode is a subscriber of many subjects that gets each message once: its
// matching subscriptions, and the queue groups it was chosen for, make one LMSG
// naming those groups (nats-server's route and leaf targets). Its queue members
// take a message only when no member elsewhere can, as nats-server prefers the
// members of its own cluster; what it publishes goes to the groups it names alone.
//
// A message whose subject's remote interest is not known yet waits, with the
// publisher's later messages behind it, so what one client publishes leaves in
// order; its local plain subscribers have it at once, and its queue choice
// keeps the local members of the moment it was published.

import { decode, LastDecoded, LastEncoded } from "../../protocol/bytes.js";
import { CLOSE, ERR, publishViolation } from "../../protocol/errors.js";
import type { Message } from "../../protocol/message.js";
import type { QueueNames, RoutedMessage } from "../../protocol/route.js";
import { isValidLiteralSubject } from "../../protocol/subject.js";
import type { Log } from "../log.js";
import type { AccountSpace } from "./account.js";
import type { Client, LocalSub } from "./client.js";
import { clientFields } from "./connection-log.js";
import { LeafTargets } from "./leaf-targets.js";
import { NO_REMOTE, type RemoteGroup, type RemoteInterest, type Routes } from "./remote-interest.js";
import type { Totals } from "./totals.js";

/**
 * What the server itself serves on subjects of its own (JetStream: `$JS.API.>`,
 * acks), as nats-server's internal subscriptions: each such subject has one shard
 * that serves it, which every shard can tell from the subject alone.
 */
export interface ServerServices {
  /** This shard's number. */
  readonly self: number;
  /** The shard that serves `subject` of `account`, or -1 when nothing does. Asked only of subjects under `$JS.`. */
  target(account: string, subject: string): number;
  /** Serves `msg` (a view, valid during the call) here. */
  serve(account: string, subject: string, msg: Message): void;
}

/** What delivery needs of the host it serves. */
export interface DeliveryHost {
  readonly totals: Totals;
  readonly log: Log;
  readonly maxPending: number;
  /** Pending bytes past which a subscriber stalls the producer that wrote them (stalls.ts). */
  readonly stallAt: number;
  /** A write left `subscriber` past stallAt. */
  behind(subscriber: Client): void;
  markDirty(client: Client): void;
  /** A subscription with a maximum took a message: its count is stored. */
  limitSub(sub: LocalSub): void;
  /** An account's part of this host, if any connection here lives in it. */
  spaceOf(account: string): AccountSpace<LocalSub> | undefined;
  /** This shard's region, for mappings scoped to one; null without REGIONS. */
  readonly region: string | null;
  /** Writes what a turn produced. */
  flush(): void;
}

type Groups = readonly (readonly LocalSub[])[];

/** A destination of the message being delivered, and the queue groups assigned to it. */
interface Destination extends QueueNames {
  host: number;
  readonly names: Uint8Array[];
  count: number;
}

/** Which queue groups a message may be given to, when not all: those a route or a leafnode named. */
interface GroupFilter {
  names(name: string): boolean;
}

const NO_GROUPS: GroupFilter = { names: () => false };

/** A message waiting for its subject's remote interest. */
interface Waiting {
  readonly msg: Message;
  readonly subject: string;
  /** The local queue groups when it was published (a snapshot: match results are never changed). */
  readonly groups: Groups;
  /** Local deliveries made at once. */
  readonly delivered: number;
  /** Leafnodes with matching subscriptions, written to with the queue choice. */
  readonly leaves: readonly Client[];
}

/** A request sent to other hosts and to no one here: its requester waits for their answers. */
interface Receipt {
  readonly client: Client;
  readonly reply: Uint8Array;
  /** Hosts that have not answered. */
  outstanding: number;
  delivered: boolean;
}

export class Delivery {
  /** Set when the host joins a cluster of more than one shard. */
  routes: Routes | null = null;
  /** Set when the server serves subjects of its own (JetStream). */
  services: ServerServices | null = null;
  private readonly waiting = new Map<Client, Waiting[]>();
  private readonly receipts = new Map<number, Receipt>();
  private nextReceipt = 1;
  private readonly routedSubject = new LastDecoded();
  /** The bytes of the subject a mapping gave the message being published. */
  private readonly mapped = new LastEncoded();
  // The destinations of the message being delivered, each with the groups assigned
  // to it: reused from message to message, so a message allocates nothing.
  private readonly dest: Destination[] = [];
  private ndest = 0;
  /** The leafnodes of the message being delivered (leaf-targets.ts). */
  private readonly leaves = new LeafTargets();

  constructor(private readonly host: DeliveryHost) {}

  /** A connection of this host published `msg` (a view, valid during the call). */
  publish(from: Client, msg: Message): void {
    const totals = this.host.totals;
    totals.inMsgs++;
    totals.inBytes += msg.data.length;
    let subject = from.pubSubject.decode(msg.subject);
    // nats-server reports a wildcard or malformed subject to a pedantic client, then
    // acknowledges and routes the message all the same (a malformed one matches nothing).
    if (from.opts.pedantic && !isValidLiteralSubject(subject)) from.errorText(ERR.invalidPublishSubject);
    // A mapping changes the subject before anything looks at it, permissions included; the
    // server's own publishes (JetStream's) are not mapped, as nats-server maps only clients and leafnodes.
    const mappings = from.isInternal ? null : from.space.mappings;
    if (mappings !== null) {
      const to = mappings.map(subject, this.host.region);
      if (to === "") return from.ack();
      if (to !== null) {
        subject = to;
        msg.subject = this.mapped.encode(to);
      }
    }
    if (from.perms !== null && !from.perms.canPublish(subject) && !(from.responses?.allows(subject, Date.now()) ?? false)) {
      this.violation(from, subject);
      return;
    }
    from.ack();
    this.leaves.clear();
    const local = from.space.sublist.match(subject);
    const delivered = this.plain(local.plain, from, msg);
    const routes = this.routes;
    if (routes === null) {
      this.choose(from, from.space, msg, subject, local.groups, NO_REMOTE, delivered, null);
      return;
    }
    const queued = this.waiting.size > 0 ? this.waiting.get(from) : undefined;
    if (queued === undefined) {
      const remote = routes.interest(from.space, subject);
      if (!(remote instanceof Promise)) {
        this.choose(from, from.space, msg, subject, local.groups, remote, delivered, null);
        return;
      }
    }
    const leaves = this.leaves.clients();
    this.leaves.clear();
    this.wait(from, { msg: msg.copy(), subject, groups: local.groups, delivered, leaves }, queued, routes);
  }

  /** A publish the user may not make is reported and dropped; the connection stays. */
  private violation(from: Client, subject: string): void {
    // Per message, so at debug: nats-server's "Publish Violation - Subject".
    const log = this.host.log;
    if (log.debugging) log.debug("Publish Violation", { ...clientFields(from), subject });
    from.errorText(publishViolation(subject));
  }

  /**
   * Waits behind the watch of its key (or behind this connection's earlier waiting
   * messages). The connection's PONGs wait too: a PING sent after a PUB is answered
   * after the PUB was routed, as a nats-server does.
   */
  private wait(from: Client, w: Waiting, queued: Waiting[] | undefined, routes: Routes): void {
    from.awaitAck();
    if (queued !== undefined) {
      queued.push(w);
      return;
    }
    this.waiting.set(from, [w]);
    void this.drain(from, routes);
  }

  /** Routes a connection's waiting messages in order, as their subjects' interest becomes known. */
  private async drain(from: Client, routes: Routes): Promise<void> {
    const queue = this.waiting.get(from)!;
    while (queue.length > 0) {
      const w = queue[0];
      const known = routes.interest(from.space, w.subject);
      let remote = known instanceof Promise ? await known : known;
      queue.shift();
      if (remote === undefined) {
        // The owner could not be reached: only local members can take it.
        routes.dropped();
        remote = NO_REMOTE;
      }
      this.leaves.clear();
      for (const leaf of w.leaves) this.leaves.add(leaf);
      this.choose(from, from.space, w.msg, w.subject, w.groups, remote, w.delivered, null);
      from.ackArrived();
    }
    this.waiting.delete(from);
    this.host.flush();
  }

  /**
   * A message another host routed here: its account's plain subscribers, and one
   * member of each group named. Returns the deliveries made.
   */
  deliverRouted(m: RoutedMessage): number {
    const served = this.serveRouted(m);
    const space = this.host.spaceOf(m.account);
    if (space === undefined) return served;
    const subject = this.routedSubject.decode(m.subject);
    const local = space.sublist.match(subject);
    this.leaves.clear();
    const delivered = this.plain(local.plain, null, m) + served;
    if (m.queueCount === 0) {
      if (this.leaves.size > 0) this.leaves.write(m, this.written);
      return delivered;
    }
    return this.choose(null, space, m, subject, local.groups, NO_REMOTE, delivered, m);
  }

  /** A routed message to a subject this shard serves (see service()); 1 when served. */
  private serveRouted(m: RoutedMessage): number {
    const services = this.services;
    if (services === null || !isServiceSubject(m.subject)) return 0;
    const subject = this.routedSubject.decode(m.subject);
    if (services.target(m.account, subject) !== services.self) return 0;
    services.serve(m.account, subject, m);
    return 1;
  }

  /** Writes `msg` to each plain subscriber but the publisher's own when it asked for no echo. */
  private plain(subs: readonly LocalSub[], from: Client | null, msg: Message): number {
    const noEcho = from !== null && !from.opts.echo;
    let delivered = 0;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i];
      if (noEcho && sub.client === from) continue;
      if (sub.client.isLeaf) {
        // Once per leafnode, however many of its subscriptions match: written after the queue choice.
        if (!sub.client.isClosed && this.leaves.add(sub.client)) delivered++;
        continue;
      }
      if (this.deliverTo(sub, msg)) delivered++;
    }
    return delivered;
  }

  /**
   * The rest of a message's way, after its local plain subscribers: one member of
   * each queue group, local or on another host, chosen at random weighted by
   * members; the records for other hosts (plain interest, groups assigned); and
   * the publisher's no-responders status when nothing anywhere takes it.
   * `only`: a routed message, whose named groups alone are chosen for (null: all;
   * a leafnode's message names its groups too).
   * Returns the local deliveries, `delivered` included.
   */
  private choose(
    from: Client | null,
    space: AccountSpace<LocalSub>,
    msg: Message,
    subject: string,
    groups: Groups,
    remote: RemoteInterest,
    delivered: number,
    only: RoutedMessage | null,
  ): number {
    this.ndest = 0;
    for (let i = 0; i < remote.hosts.length; i++) this.destination(remote.hosts[i]);
    if (only === null && this.services !== null && isServiceSubject(msg.subject)) delivered += this.service(space, subject, msg);
    const filter: GroupFilter | null = only ?? (from !== null && from.isLeaf ? namedIn(msg.namedGroups) : null);
    for (let i = 0; i < groups.length; i++) {
      const members = groups[i];
      const name = members[0].queue!;
      if (filter !== null && !filter.names(name)) continue;
      const elsewhere = remote.groups.length > 0 ? groupNamed(remote.groups, name, false) : undefined;
      const leavesElsewhere = remote.groups.length > 0 ? groupNamed(remote.groups, name, true) : undefined;
      delivered += this.pick(from, members, elsewhere, leavesElsewhere, msg);
    }
    for (let i = 0; i < remote.groups.length; i++) {
      const g = remote.groups[i];
      if (filter !== null && !filter.names(g.name)) continue;
      if (hasGroup(groups, g.name)) continue;
      // A leafnode's members elsewhere take it only when nobody else has the group.
      if (g.leaf && groupNamed(remote.groups, g.name, false) !== undefined) continue;
      this.assign(g, Math.random() * (g.near > 0 ? g.near : g.total));
    }
    if (this.leaves.size > 0) this.leaves.write(msg, this.written);
    if (from !== null && this.routes !== null) {
      // A reply goes to the host its request came from too (see Cluster.requester).
      const back = this.routes.requester(space, subject);
      if (back >= 0) this.destination(back);
    }
    const wantsStatus = from !== null && msg.hasReply && from.opts.noResponders;
    const n = this.ndest;
    if (n === 0) {
      if (wantsStatus && delivered === 0) this.noResponders(from!, msg.reply!);
      return delivered;
    }
    let receipt = 0;
    if (wantsStatus && delivered === 0) {
      receipt = this.nextReceipt++;
      this.receipts.set(receipt, { client: from!, reply: msg.reply!.slice(), outstanding: n, delivered: false });
    }
    for (let i = 0; i < n; i++) this.routes!.route(this.dest[i].host, space, msg, this.dest[i], receipt);
    return delivered;
  }

  /**
   * One member of a group: a local one (starting at a random one, skipping those
   * that cannot take it, as nats-server does) or, with the weight of their
   * members, one on another host; one in this region if there is any, as
   * nats-server prefers members in its own cluster to those across a gateway.
   * Returns 1 when a local member took it.
   */
  private pick(
    from: Client | null,
    members: readonly LocalSub[],
    elsewhere: RemoteGroup | undefined,
    leavesElsewhere: RemoteGroup | undefined,
    msg: Message,
  ): number {
    const noEcho = from !== null && !from.opts.echo;
    let able = 0;
    let leaves = 0;
    for (let i = 0; i < members.length; i++) {
      const c = members[i].client;
      if (c.isClosed || (noEcho && c === from)) continue;
      if (c.isLeaf) leaves += members[i].weight ?? 1;
      else able++;
    }
    const remote = elsewhere === undefined ? 0 : elsewhere.total;
    const near = elsewhere === undefined ? 0 : elsewhere.near;
    if (able + remote === 0) return this.toLeaf(from, members, leaves, leavesElsewhere);
    if (able + near === 0) {
      this.assign(elsewhere!, Math.random() * remote);
      return 0;
    }
    const r = Math.random() * (able + near);
    if (r >= able) {
      this.assign(elsewhere!, r - able);
      return 0;
    }
    // The k-th able member first, then the ones after it.
    let k = r | 0;
    let start = 0;
    for (; start < members.length; start++) {
      const c = members[start].client;
      if (c.isClosed || c.isLeaf || (noEcho && c === from)) continue;
      if (k-- === 0) break;
    }
    const n = members.length;
    for (let j = 0; j < n; j++) {
      const sub = members[(start + j) % n];
      if ((noEcho && sub.client === from) || sub.client.isLeaf) continue;
      if (this.deliverTo(sub, msg)) return 1;
    }
    // No local member could take it (its permissions, a slow consumer): another host's may, or a leaf's.
    if (remote > 0) this.assign(elsewhere!, Math.random() * (near > 0 ? near : remote));
    else return this.toLeaf(from, members, leaves, leavesElsewhere);
    return 0;
  }

  /** The group has no member but leafnodes': one here if there is one, else one elsewhere. Returns 1 when one here took it. */
  private toLeaf(from: Client | null, members: readonly LocalSub[], leaves: number, elsewhere: RemoteGroup | undefined): number {
    if (leaves > 0) return this.pickLeaf(from, members, leaves);
    if (elsewhere !== undefined) this.assign(elsewhere, Math.random() * (elsewhere.near > 0 ? elsewhere.near : elsewhere.total));
    return 0;
  }

  /** A leafnode takes the message for the group, chosen by the members each has (`total`, their sum). */
  private pickLeaf(from: Client | null, members: readonly LocalSub[], total: number): number {
    let r = Math.random() * total;
    for (let i = 0; i < members.length; i++) {
      const sub = members[i];
      const c = sub.client;
      if (!c.isLeaf || c.isClosed || c === from) continue;
      r -= sub.weight ?? 1;
      if (r >= 0) continue;
      this.leaves.chosen(c, sub.queueBytes!);
      return 1;
    }
    return 0;
  }

  /**
   * A message to a subject the server serves: served here, or sent to the shard that
   * serves it as if that shard had a subscriber (so it travels behind what the same
   * publisher sent before). Returns 1 when something serves it: it has a responder.
   */
  private service(space: AccountSpace<LocalSub>, subject: string, msg: Message): number {
    const services = this.services!;
    const t = services.target(space.name, subject);
    if (t < 0) return 0;
    if (t === services.self) services.serve(space.name, subject, msg);
    else this.destination(t);
    return 1;
  }

  /** The host of `g` that `r` (in [0, total)) falls on takes the message for the group. */
  private assign(g: RemoteGroup, r: number): void {
    let h = 0;
    while (h < g.hosts.length - 1 && r >= g.weights[h]) r -= g.weights[h++];
    const d = this.destination(g.hosts[h]);
    d.names[d.count++] = g.nameBytes;
  }

  /** `host` among this message's destinations, added if new. */
  private destination(host: number): Destination {
    const dest = this.dest;
    for (let i = 0; i < this.ndest; i++) if (dest[i].host === host) return dest[i];
    if (this.ndest === dest.length) dest.push({ host, names: [], count: 0 });
    const d = dest[this.ndest++];
    d.host = host;
    d.count = 0;
    return d;
  }

  /** Writes one message to a subscriber; false when its connection could not take it. */
  private deliverTo(sub: LocalSub, msg: Message): boolean {
    const c = sub.client;
    if (c.isClosed) return false;
    // A wildcard subscription may cover subjects its user is denied (nats-server's deny filter).
    if (c.perms !== null && c.perms.hasDeliveryFilter && !c.perms.canDeliver(decode(msg.subject))) return false;
    const reply = msg.reply;
    if (c.responses !== null && reply !== null && reply.length > 0) c.responses.received(decode(reply), Date.now());
    const data = msg.data;
    const subject = msg.deliver ?? msg.subject;
    if (msg.headerSize >= 0 && !c.opts.headers) {
      // A subscriber that did not declare headers gets the payload alone, as nats-server does.
      c.outbox.msg(subject, sub.sidBytes, reply, -1, data.subarray(msg.headerSize));
    } else {
      c.outbox.msg(subject, sub.sidBytes, reply, msg.headerSize, data);
    }
    // Counted for every subscription, as nats-server does, so a later UNSUB <sid> <max>
    // knows what was already delivered; stored only while a maximum is set.
    sub.delivered++;
    if (sub.max > 0) {
      if (sub.delivered >= sub.max) c.dropSub(sub);
      else this.host.limitSub(sub);
    }
    this.written(c, data.length);
    return true;
  }

  /**
   * Counts a message written to `c` (a MSG, or a leafnode's LMSG), and looks at what it has
   * pending: past stallAt it holds its producer back, past max_pending it is a slow consumer.
   */
  private readonly written = (c: Client, size: number): void => {
    const host = this.host;
    host.markDirty(c);
    const totals = host.totals;
    totals.outMsgs++;
    totals.outBytes += size;
    c.outMsgs++;
    c.outBytes += size;
    const pending = c.pending();
    if (pending > host.stallAt && pending <= host.maxPending) host.behind(c);
    else if (pending > host.maxPending) {
      // nats-server drops a slow consumer without an -ERR (server/client.go): the
      // others are not held back by it, and what it had pending is lost.
      totals.slowConsumers++;
      c.outbox.take();
      c.close(CLOSE.slowConsumer, null);
    }
  };

  /** Tells a requester that nothing received its request, on its own matching subscription. */
  private noResponders(from: Client, reply: Uint8Array): void {
    if (from.isClosed) return;
    const result = from.space.sublist.match(decode(reply));
    for (const sub of result.plain) {
      if (sub.client !== from) continue;
      from.outbox.noResponders(reply, sub.sidBytes);
      this.host.markDirty(from);
      return;
    }
  }

  /**
   * A host answered for the records of receipts `ids` it was sent: `undelivered`
   * are those nobody there took. A requester hears no-responders once every host
   * said so.
   */
  answered(ids: readonly number[], undelivered: readonly number[]): void {
    if (ids.length === 0) return;
    for (let i = 0; i < ids.length; i++) {
      const r = this.receipts.get(ids[i]);
      if (r === undefined) continue;
      if (!undelivered.includes(ids[i])) r.delivered = true;
      if (--r.outstanding > 0) continue;
      this.receipts.delete(ids[i]);
      if (!r.delivered) this.noResponders(r.client, r.reply);
    }
    this.host.flush();
  }
}

const DOLLAR = 0x24;
const J = 0x4a;
const S = 0x53;
const DOT = 0x2e;

/** A subject under `$JS.`, which the server may serve itself. */
function isServiceSubject(subject: Uint8Array): boolean {
  return subject.length > 4 && subject[0] === DOLLAR && subject[1] === J && subject[2] === S && subject[3] === DOT;
}

/** The groups a leafnode's LMSG named; none when it named none. */
function namedIn(queues: readonly Uint8Array[] | null): GroupFilter {
  if (queues === null || queues.length === 0) return NO_GROUPS;
  const names = queues.map(decode);
  return { names: (name) => names.includes(name) };
}

/** The group `name` elsewhere: its leafnodes' members, or its others. */
function groupNamed(groups: readonly RemoteGroup[], name: string, leaf: boolean): RemoteGroup | undefined {
  for (let i = 0; i < groups.length; i++) if (groups[i].name === name && groups[i].leaf === leaf) return groups[i];
  return undefined;
}

function hasGroup(groups: Groups, name: string): boolean {
  for (let i = 0; i < groups.length; i++) if (groups[i][0].queue === name) return true;
  return false;
}
