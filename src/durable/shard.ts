// The Shard Durable Object: thin glue between workerd's WebSocket Hibernation
// API and the host. All protocol work happens in Host and Client.

import { DurableObject } from "cloudflare:workers";
import { Host, type Upgrade } from "./host.js";
import { readSettings, type SettingsEnv } from "./settings.js";
import { Store } from "./store.js";

export interface ShardEnv extends SettingsEnv {
  SHARD: DurableObjectNamespace<Shard>;
}


export interface ShardHealth {
  connections: number;
  subscriptions: number;
}

export class Shard extends DurableObject<ShardEnv> {
  private readonly host: Host;

  constructor(ctx: DurableObjectState, env: ShardEnv) {
    super(ctx, env);
    const settings = readSettings(env);
    const store = new Store(ctx.storage.sql);
    const id = ctx.id.toString();
    this.host = new Host(settings, store, { id: `NE${id.slice(0, 54).toUpperCase()}`, name: ctx.id.name ?? id });
    // The constructor runs again after hibernation: sockets outlived the old instance.
    this.host.restore(ctx.getWebSockets());
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    this.host.open(server, viaOf(request));
    this.host.flush();
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // nats-server accepts text and binary frames alike; both carry protocol bytes.
    const bytes = typeof message === "string" ? new TextEncoder().encode(message) : new Uint8Array(message);
    this.host.receive(ws, bytes);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.host.gone(ws);
    try {
      // Reciprocate the close handshake; 1005/1006 are reserved and may not be sent.
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "");
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.host.gone(ws);
  }

  /** For the Worker's /healthz: the object is up and answers. */
  health(): ShardHealth {
    return { connections: this.host.connections, subscriptions: this.host.subscriptions };
  }
}

function viaOf(request: Request): Upgrade {
  const url = new URL(request.url);
  return {
    ip: request.headers.get("cf-connecting-ip") ?? "",
    host: url.hostname,
    port: Number(url.port || (url.protocol === "https:" || url.protocol === "wss:" ? 443 : 80)),
  };
}
