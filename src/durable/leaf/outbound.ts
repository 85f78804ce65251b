// The sockets of the leafnode links nats-edge dials (remotes.ts), as transports the
// host writes to like any connection's: a WebSocket it opened with fetch, or a TCP
// connection from the Workers sockets API. Neither hibernates, so the object that
// holds one stays in memory, billed for its duration, while the link is up.

import { connect } from "cloudflare:sockets";
import type { Transport } from "../host/transport.js";

/** What a transport hands on: bytes as they arrive, and its end (once, also when the host closed it). */
export interface Inbound {
  data(t: Transport, bytes: Uint8Array): void;
  ended(t: Transport, why: string): void;
}

/** A link's socket: written by the host, read into `inbound`. */
export type OutboundTransport = Transport;

/**
 * The transport over a socket, and its end, told to `inbound` once: when the socket
 * ends or when the host closes it (after the host's own close has run, not inside it).
 */
function outbound(
  inbound: Inbound,
  send: (bytes: Uint8Array) => void,
  shut: (code: number, reason: string) => void,
): { t: OutboundTransport; end(why: string): void; isOpen(): boolean } {
  let open = true;
  const end = (why: string) => {
    if (!open) return;
    open = false;
    queueMicrotask(() => inbound.ended(t, why));
  };
  const t: OutboundTransport = {
    send,
    close: (code, reason) => {
      end(`closed by nats-edge (${reason})`);
      shut(code, reason);
    },
    // Nothing to keep across hibernation: an outbound socket never hibernates.
    serializeAttachment: () => undefined,
    deserializeAttachment: () => null,
  };
  return { t, end, isOpen: () => open };
}

/** Opens a WebSocket to `url` (ws: or wss:), on the path a hub's leafnodes ask for. */
export async function dialWebSocket(url: URL, inbound: Inbound): Promise<OutboundTransport> {
  const target = new URL(url.href);
  target.protocol = url.protocol === "wss:" ? "https:" : "http:";
  target.username = target.password = "";
  // nats-server's leaf asks for /leafnode when the URL names no path (leafnode.go leafNodeSolicitWSConnection).
  if (target.pathname === "" || target.pathname === "/") target.pathname = "/leafnode";
  const r = await fetch(target.href, { headers: { Upgrade: "websocket" } });
  const ws = r.webSocket;
  if (ws === null) throw new Error(`${url.host} answered the WebSocket upgrade with HTTP ${r.status}`);
  ws.binaryType = "arraybuffer";
  ws.accept();
  const { t, end } = outbound(inbound, (bytes) => ws.send(bytes), (code, reason) => ws.close(code, reason));
  ws.addEventListener("message", (e) => {
    const d = e.data;
    inbound.data(t, typeof d === "string" ? new TextEncoder().encode(d) : new Uint8Array(d as ArrayBuffer));
  });
  ws.addEventListener("close", (e) => end(`closed (${e.code}${e.reason ? ` ${e.reason}` : ""})`));
  ws.addEventListener("error", () => end("socket error"));
  return t;
}

/**
 * Opens a TCP connection to `url` (nats-leaf:, nats:, tcp:, or tls: with TLS from the
 * first byte). Writes go in order; what the hub sends is read as it comes.
 */
export async function dialTcp(url: URL, inbound: Inbound): Promise<OutboundTransport> {
  const socket = connect(
    { hostname: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 7422) },
    { secureTransport: url.protocol === "tls:" ? "on" : "off", allowHalfOpen: false },
  );
  await socket.opened;
  const writer = socket.writable.getWriter();
  const { t, end, isOpen } = outbound(
    inbound,
    // A write that fails means the socket is gone; the read side reports the end.
    (bytes) => void writer.write(bytes).catch(() => undefined),
    () => {
      writer.close().catch(() => undefined);
      socket.close().catch(() => undefined);
    },
  );
  void (async () => {
    const reader = socket.readable.getReader();
    let why = "closed by the hub";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (!isOpen()) break;
        inbound.data(t, value);
      }
    } catch (e) {
      why = `read failed: ${String(e)}`;
    }
    end(why);
  })();
  return t;
}
