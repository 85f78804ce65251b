// Webhook subscriptions as they survive eviction (the `webhooks` table): per
// webhook, where to POST, when to stop, and what its session's attachment holds
// (who it is, its options), which a socket would keep in its own attachment.
// Its subscription itself is stored as any connection's (host/subscriptions.ts).

export interface StoredWebhook {
  readonly cid: number;
  readonly url: string;
  readonly max: number;
  /** The session's attachment (host/attachment.ts). */
  readonly attachment: unknown;
}

export class WebhookStore {
  constructor(private readonly sql: SqlStorage) {}

  all(): StoredWebhook[] {
    return this.sql
      .exec<{ cid: number; url: string; max: number; attachment: string }>(`SELECT cid, url, max, attachment FROM webhooks`)
      .toArray()
      .map((r) => ({ cid: r.cid, url: r.url, max: r.max, attachment: JSON.parse(r.attachment) }));
  }

  save(w: StoredWebhook): void {
    this.sql.exec(`INSERT OR REPLACE INTO webhooks (cid, url, max, attachment) VALUES (?, ?, ?, ?)`, w.cid, w.url, w.max, JSON.stringify(w.attachment));
  }

  forget(cid: number): void {
    this.sql.exec(`DELETE FROM webhooks WHERE cid = ?`, cid);
  }
}
