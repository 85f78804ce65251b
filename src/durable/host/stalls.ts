// nats-server's stall of a fast producer (server/client.go, stalledWait): while a
// subscriber is more than three quarters of max_pending behind, the producer whose
// message put it there is not read from, for at most a second, so that TCP holds it to
// the subscriber's pace instead of the subscriber being cut off as a slow consumer.
//
// workerd hands the object each WebSocket message as soon as it arrives, so a
// producer's data cannot be left unread. Here its frames wait in memory instead, in
// order, until the subscriber answers a PING that shows it caught up (or the second
// is over); then they are handled as if they had just arrived. The stall is the
// producer's alone: everything else on the object goes on. Only a connection of this
// host is held; messages from other shards arrive in link frames shared by many.

import type { Client } from "./client.js";

/** How long a producer is held at most, as nats-server's stallClientMaxDuration (2.9). */
const STALL_MS = 1000;
/** The most a held producer's waiting frames may take of the object's memory (128 MB in all). */
const HELD_BYTES = 32 * 1024 * 1024;

interface Hold {
  /** The subscriber it waits for. */
  readonly by: Client;
  readonly frames: Uint8Array[];
  bytes: number;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class Stalls {
  /** Producers held, and what they sent meanwhile. */
  private readonly held = new Map<Client, Hold>();
  /** Subscribers, and the producers waiting for them. */
  private readonly waitingFor = new Map<Client, Set<Client>>();
  /** Subscribers a stall ran out for: no more holds for them until they answer a PING. */
  private readonly expired = new Set<Client>();
  private readonly ready = new Set<Client>();

  constructor(
    private readonly maxPending: number,
    /** Handles a frame of `producer` as receive() does. */
    private readonly handle: (producer: Client, data: Uint8Array) => void,
    /** Writes what resuming caused. */
    private readonly flush: () => void,
  ) {}

  get stallAt(): number {
    return (this.maxPending >> 2) * 3;
  }

  /** Whether `producer` is held; if so `data` waits behind its other frames. */
  queued(producer: Client, data: Uint8Array): boolean {
    const h = this.held.get(producer);
    if (h === undefined) return false;
    h.frames.push(data);
    h.bytes += data.length;
    // What waits is held in the object's memory: past max_pending (or HELD_BYTES), the
    // subscriber's own limit decides, as it would have without the stall.
    if (h.bytes > Math.min(this.maxPending, HELD_BYTES)) this.release(producer, true);
    return true;
  }

  /** A message of `producer` left `subscriber` past stallAt: the producer's next frames wait. */
  behind(producer: Client, subscriber: Client): void {
    if (producer === subscriber || this.held.has(producer) || this.expired.has(subscriber)) return;
    const timer = setTimeout(() => this.release(producer, true), STALL_MS);
    this.held.set(producer, { by: subscriber, frames: [], bytes: 0, timer });
    let waiting = this.waitingFor.get(subscriber);
    if (waiting === undefined) this.waitingFor.set(subscriber, (waiting = new Set()));
    waiting.add(producer);
  }

  /** `subscriber` answered a PING: producers waiting for it go on once it is back under stallAt. */
  caughtUp(subscriber: Client): void {
    this.expired.delete(subscriber);
    const waiting = this.waitingFor.get(subscriber);
    if (waiting === undefined || subscriber.pending() > this.stallAt) return;
    for (const p of waiting) this.ready.add(p);
  }

  /** A connection closed: held, its frames go with it; waited for, its producers go on. */
  closed(c: Client): void {
    const h = this.held.get(c);
    if (h !== undefined) {
      clearTimeout(h.timer);
      this.held.delete(c);
      this.waitingFor.get(h.by)?.delete(c);
    }
    this.expired.delete(c);
    const waiting = this.waitingFor.get(c);
    if (waiting !== undefined) for (const p of waiting) this.ready.add(p);
  }

  /** Handles the frames of the producers that may go on, in order, until one is held again. */
  resume(): void {
    while (this.ready.size > 0) {
      const [p] = this.ready;
      this.ready.delete(p);
      const h = this.held.get(p);
      if (h === undefined) continue;
      this.unhold(p, h);
      for (let i = 0; i < h.frames.length; i++) {
        if (p.isClosed) break;
        const again = this.held.get(p);
        if (again !== undefined) {
          // Held again: the rest waits, before anything that arrives later.
          again.frames.unshift(...h.frames.slice(i));
          for (let j = i; j < h.frames.length; j++) again.bytes += h.frames[j].length;
          break;
        }
        this.handle(p, h.frames[i]);
      }
    }
  }

  /** Lets `producer` go on; `expired`: its subscriber is held no more producers until it reads. */
  private release(producer: Client, expired: boolean): void {
    const h = this.held.get(producer);
    if (h === undefined) return;
    if (expired) this.expired.add(h.by);
    this.ready.add(producer);
    // From a timer or a queued frame: nothing else will resume it.
    this.resume();
    this.flush();
  }

  private unhold(p: Client, h: Hold): void {
    clearTimeout(h.timer);
    this.held.delete(p);
    const waiting = this.waitingFor.get(h.by);
    waiting?.delete(p);
    if (waiting?.size === 0) this.waitingFor.delete(h.by);
  }
}
