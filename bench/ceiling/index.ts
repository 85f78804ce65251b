// The ceiling Worker: one Durable Object, WebSocket Hibernation API as the broker uses it, that
// forwards the raw bytes of each message to every other `?role=sub` socket (never back to the
// sender). No parsing, no copying. `?room=NAME` picks the object (default "relay"), so a scenario
// can have an object to itself, with no socket left over from another run.
//
// Typed with local declarations only: bench/ is typechecked with the Node.js config
// (tsconfig.node.json), where the Workers types are not loaded.

interface HibernationState {
  acceptWebSocket(ws: WebSocket, tags?: string[]): void;
  getWebSockets(tag?: string): WebSocket[];
}
interface RelayNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}
interface Env {
  RELAY: RelayNamespace;
}
declare const WebSocketPair: { new (): { 0: WebSocket; 1: WebSocket } };

export class Relay {
  private readonly subs = new Set<WebSocket>();

  constructor(private readonly state: HibernationState) {
    for (const ws of state.getWebSockets("sub")) this.subs.add(ws);
  }

  async fetch(request: Request): Promise<Response> {
    const role = new URL(request.url).searchParams.get("role") ?? "sub";
    const pair = new WebSocketPair();
    const server = pair[1];
    this.state.acceptWebSocket(server, [role]);
    if (role === "sub") this.subs.add(server);
    return new Response(null, { status: 101, webSocket: pair[0] } as ResponseInit);
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    for (const s of this.subs) {
      if (s === ws) continue;
      try {
        s.send(message);
      } catch {
        this.subs.delete(s);
      }
    }
  }

  async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.subs.delete(ws);
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "");
    } catch {
      // already closed
    }
  }

  async webSocketError(ws: WebSocket): Promise<void> {
    this.subs.delete(ws);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("nats-edge bench ceiling: WebSocket frames in, the same frames out\n");
    }
    const room = new URL(request.url).searchParams.get("room") || "relay";
    return env.RELAY.get(env.RELAY.idFromName(room)).fetch(request);
  },
};
