// Subscriptions whose messages are POSTed to a URL, for edge code that wants to
// be called rather than hold a stream open. Each is a Session that outlives the
// call that made it: its attachment (who it is, its options) is kept in SQLite
// with the URL, and its subscription in the subs table, so when workerd evicts
// the object, the next start rebuilds it like a hibernated WebSocket.
//
// Delivery is NATS core's: at most once, in order per webhook, one POST in
// flight. A webhook that falls behind stops answering the server's read
// receipts and is cut off as a slow consumer; one that answers 410 Gone is
// unsubscribed.

import { decodeHeaders } from "../../protocol/headers.js";
import { clientFields } from "../host/connection-log.js";
import type { Host } from "../host/host.js";
import type { Upgrade } from "../host/host-roles.js";
import type { Log } from "../log.js";
import { Session, type Caller, type SessionMessage } from "./session.js";
import type { StoredWebhook, WebhookStore } from "./webhook-store.js";

/** Messages waiting for their POST before the webhook counts as falling behind. */
const QUEUED = 1000;
/** Tries per message, with a doubling pause from RETRY_MS. */
const TRIES = 3;
const RETRY_MS = 200;

export interface WebhookCall {
  readonly caller: Caller;
  readonly subject: string;
  readonly queue: string | null;
  readonly max: number;
  readonly url: string;
}

export class Webhooks {
  private readonly live = new Map<number, Webhook>();

  constructor(
    private readonly host: Host,
    private readonly store: WebhookStore,
    private readonly via: Omit<Upgrade, "cookies" | "ip">,
  ) {}

  /** What stored() read, for resume(). */
  private readonly restoring = new Map<Session, StoredWebhook>();

  /** The sessions to rebuild, as the host rebuilds sockets (Host.restore takes both). */
  stored(): Session[] {
    return this.store.all().map((r) => {
      const s = new Session(this.host, (a) => this.keep(r.cid, r.url, r.max, a), r.attachment);
      this.restoring.set(s, r);
      return s;
    });
  }

  /** After Host.restore: starts delivering for the sessions it rebuilt, forgets those it could not. */
  resume(): void {
    for (const [s, row] of this.restoring) {
      const rebuilt = s.restored();
      if (!rebuilt || s.client.subs.size === 0) {
        this.store.forget(row.cid);
        if (rebuilt) s.end();
        continue;
      }
      const w = new Webhook(this, row.url, row.max);
      w.session = s;
      this.start(w);
    }
    this.restoring.clear();
  }

  async create(call: WebhookCall): Promise<{ ok: true; cid: number } | { ok: false; error: string }> {
    const w = new Webhook(this, call.url, call.max);
    const s = Session.open(this.host, call.caller, this.via, (a) => this.keep((a as { cid: number }).cid, call.url, call.max, a));
    w.session = s;
    s.subscribe(call.subject, call.queue, "1", call.max);
    const problem = await s.sync();
    if (problem !== null) {
      this.store.forget(s.client.cid);
      s.end();
      return { ok: false, error: problem };
    }
    this.start(w);
    return { ok: true, cid: s.client.cid };
  }

  /** Ends a webhook subscription; false when there is none with that id here. */
  remove(cid: number): boolean {
    const w = this.live.get(cid);
    if (w === undefined) return false;
    w.stop();
    return true;
  }

  get log(): Log {
    return this.host.log;
  }

  private start(w: Webhook): void {
    this.live.set(w.session.client.cid, w);
    w.listen();
  }

  ended(w: Webhook): void {
    const cid = w.session.client.cid;
    this.live.delete(cid);
    this.store.forget(cid);
  }

  private keep(cid: number, url: string, max: number, attachment: unknown): void {
    this.store.save({ cid, url, max, attachment });
  }
}

class Webhook {
  session!: Session;
  private readonly queue: SessionMessage[] = [];
  private sending = false;
  private stopped = false;
  private delivered = 0;
  /** The last POST failed: logged once when that starts, not once per message. */
  private failing = false;

  constructor(
    private readonly owner: Webhooks,
    private readonly url: string,
    private readonly max: number,
  ) {}

  listen(): void {
    this.delivered = this.session.client.subs.get("1")?.delivered ?? 0;
    this.session.listen(
      {
        message: (m) => {
          this.queue.push(m);
          void this.pump();
        },
        ended: () => this.stop(),
      },
      () => this.queue.length >= QUEUED,
    );
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.length = 0;
    this.owner.ended(this);
    this.session.end();
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const m = this.queue.shift()!;
        const status = await this.post(m);
        this.report(status);
        this.session.drained();
        this.delivered++;
        // 410 Gone: the receiver says it wants no more, as webhook senders commonly honour.
        if (status === 410 || (this.max > 0 && this.delivered >= this.max)) this.stop();
      }
    } finally {
      this.sending = false;
    }
  }

  private report(status: number): void {
    const failed = status !== 410 && (status < 200 || status > 299);
    if (failed === this.failing) return;
    this.failing = failed;
    // The URL's host only: its path or query may carry a token.
    const fields = { ...clientFields(this.session.client), webhook: this.id, host: new URL(this.url).host, status };
    if (failed) this.owner.log.warn("webhook POST failed; its messages are dropped until one succeeds", fields);
    else this.owner.log.info("webhook POST succeeded again", fields);
  }

  /** POSTs one message, retrying failures a few times; the status of the last try (0: unreachable). */
  private async post(m: SessionMessage): Promise<number> {
    const headers = new Headers({ "Content-Type": "application/octet-stream", "Nats-Subject": m.subject, "Nats-Subscription": this.id });
    if (m.reply !== null) headers.set("Nats-Reply", m.reply);
    for (const [name, value] of (m.headers === null ? null : decodeHeaders(m.headers))?.fields ?? []) headers.append(`Nats-Header-${name}`, value);
    let status = 0;
    for (let attempt = 0; attempt < TRIES && !this.stopped; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, RETRY_MS * 2 ** (attempt - 1)));
      try {
        const res = await fetch(this.url, { method: "POST", headers, body: m.payload });
        await res.body?.cancel();
        status = res.status;
        if (res.ok || status === 410 || (status >= 400 && status < 500 && status !== 429)) return status;
      } catch {
        status = 0;
      }
    }
    return status;
  }

  get id(): string {
    return webhookId(this.session.client.cid);
  }
}

/**
 * A webhook's id is its connection's: cids are unique across shards and say
 * which shard holds the connection (see Host.open), so the Worker can route an
 * unsubscribe without a lookup.
 */
export function webhookId(cid: number): string {
  return `wh-${cid}`;
}

/** The cid of a webhook id; null when it is not one. */
export function webhookCid(id: string): number | null {
  const m = /^wh-([1-9]\d{0,15})$/.exec(id);
  return m === null ? null : Number(m[1]);
}
