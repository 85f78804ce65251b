// The hubs nats-edge dials as a leaf (`leafnodes.remotes`): each remote is held by
// one shard (remote i by shard i mod SHARDS), which keeps one link to it up. The
// link is a leafnode connection like those the hub side accepts (leaf-connection.ts):
// the hub is told of the account's interest on every shard, and what it is
// interested in is a subscription like a client's, so clients on every shard reach
// it in one hop, and it reaches them.
//
// A link that fails or closes is dialled again with jittered backoff (nats-server
// waits a constant reconnect_delay), trying the remote's URLs in turn. An outbound
// socket never hibernates: the object that holds one stays in memory while the link
// is up. Its alarm checks the links every LINK_CHECK_MS, so they come back after the
// object was evicted or the broker restarted; the Worker asks the holders to start
// their links when it serves a request (Shard.leafRemotes).

import type { LeafRemote } from "../../protocol/config-leafnodes.js";
import { CLOSE } from "../../protocol/errors.js";
import { SERVER_VERSION } from "../../protocol/server-info.js";
import type { Host } from "../host/host.js";
import type { Transport } from "../host/transport.js";
import type { Log } from "../log.js";
import { LeafConnection } from "./leaf-connection.js";
import type { Leafnodes } from "./leafnodes.js";
import { dialTcp, dialWebSocket, type Inbound } from "./outbound.js";

/** How often the holder looks at its links when nothing else wakes it. */
export const LINK_CHECK_MS = 30_000;
const FIRST_RETRY_MS = 250;
/** How long a hub has to answer a new link (its INFO, then the PONG after CONNECT); nats-server's first_info_timeout is 1 s for INFO alone. */
const LINK_TIMEOUT_MS = 10_000;
const MAX_RETRY_MS = 10_000;

/** A remote as /leafz reports it (nats-edge's own addition: nats-server lists only live links). */
export interface RemoteStatus {
  url: string;
  account: string;
  shard: number;
  connected: boolean;
  /** The connection id while connected; 0 else. */
  cid: number;
  attempts: number;
  last_error: string;
}

interface Link {
  readonly index: number;
  readonly remote: LeafRemote;
  conn: LeafConnection | null;
  transport: Transport | null;
  /** The hub accepted the link's CONNECT. */
  linked: boolean;
  dialing: boolean;
  /** Failed tries since the last link that came up. */
  attempts: number;
  next: number;
  lastError: string;
  retry: ReturnType<typeof setTimeout> | null;
}

/** Which shard holds remote `index`. */
export function holderOf(index: number, shards: number): number {
  return index % shards;
}

export class Remotes implements Inbound {
  private readonly links: Link[];

  constructor(
    remotes: readonly LeafRemote[],
    private readonly self: number,
    shards: number,
    private readonly server: { serverId: string; name: string },
    private readonly host: Host,
    private readonly leafnodes: Leafnodes,
    private readonly log: Log,
  ) {
    this.links = remotes.flatMap((remote, index) =>
      holderOf(index, shards) === self
        ? [{ index, remote, conn: null, transport: null, linked: false, dialing: false, attempts: 0, next: 0, lastError: "", retry: null }]
        : [],
    );
  }

  /** Dials every link that is down and not waiting for its next try. Returns when to look again (null: nothing held). */
  ensure(now = Date.now()): number | null {
    if (this.links.length === 0) return null;
    for (const link of this.links) if (link.conn === null && !link.dialing && link.retry === null) void this.dial(link);
    return now + LINK_CHECK_MS;
  }

  status(): RemoteStatus[] {
    return this.links.map((l) => ({
      url: redacted(l.remote.urls[l.next % l.remote.urls.length]),
      account: l.remote.account,
      shard: this.self,
      connected: l.linked,
      cid: l.conn?.cid ?? 0,
      attempts: l.attempts,
      last_error: l.lastError,
    }));
  }

  private async dial(link: Link): Promise<void> {
    link.dialing = true;
    const url = new URL(link.remote.urls[link.next % link.remote.urls.length]);
    try {
      const ws = url.protocol === "ws:" || url.protocol === "wss:";
      const t = await (ws ? dialWebSocket(url, this) : dialTcp(url, this));
      link.transport = t;
      link.conn = this.host.adopt(t, (cid) => {
        const solicited = {
          url,
          remote: link.remote,
          self: { serverId: this.server.serverId, name: this.server.name, version: SERVER_VERSION },
          onLinked: () => {
            if (link.transport !== t) return;
            link.linked = true;
            link.attempts = 0;
            link.lastError = "";
            this.log.info("Leafnode link up", { remote: redacted(url.href), cid, account: link.remote.account });
          },
        };
        return new LeafConnection(this.host, this.leafnodes, t, cid, url.hostname, Date.now(), undefined, solicited);
      }) as LeafConnection;
      this.host.flush();
      const conn = link.conn;
      setTimeout(() => {
        if (link.conn !== conn || link.linked || conn.isClosed) return;
        conn.close(CLOSE.authTimeout, null, "the hub did not answer the link in time");
        this.host.flush();
      }, LINK_TIMEOUT_MS);
    } catch (e) {
      this.failed(link, `dial failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      link.dialing = false;
    }
  }

  data(t: Transport, bytes: Uint8Array): void {
    this.host.receive(t, bytes);
  }

  ended(t: Transport, why: string): void {
    const link = this.links.find((l) => l.transport === t);
    this.host.gone(t);
    if (link === undefined) return;
    // The hub's own words, when it said why (an -ERR such as 'Authorization Violation').
    const said = link.conn?.peerErrorText;
    const detail = said ? `-ERR '${said}'` : link.conn?.closeDetail;
    this.failed(link, detail ? `${why}: ${detail}` : why);
  }

  /** The link is down: the next URL is tried after a backoff. */
  private failed(link: Link, why: string): void {
    const wasUp = link.linked;
    link.linked = false;
    link.conn = null;
    link.transport = null;
    link.lastError = why;
    link.attempts++;
    link.next++;
    const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(link.attempts - 1, 10));
    const wait = base / 2 + Math.random() * (base / 2);
    this.log[wasUp ? "info" : "debug"]("Leafnode link down", { remote: redacted(link.remote.urls[(link.next - 1) % link.remote.urls.length]), why, retryInMs: Math.round(wait) });
    if (link.retry !== null) clearTimeout(link.retry);
    link.retry = setTimeout(() => {
      link.retry = null;
      if (link.conn === null && !link.dialing) void this.dial(link);
    }, wait);
  }
}

/** A URL as logs and monitoring show it: without its password. */
function redacted(href: string): string {
  try {
    const u = new URL(href);
    if (u.password !== "") u.password = "xxxxx";
    return u.href;
  } catch {
    return href;
  }
}
