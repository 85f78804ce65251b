// Browser origins, checked before an upgrade wakes any object, as nats-server
// checks them (websocket.go checkOrigin): a request without Origin is allowed
// (non-browser clients choose it freely anyway); `same_origin` wants the
// Origin's host and port to be the request's; `allowed_origins` wants them,
// and the scheme, to be one of the list's.

import type { WebSocketConfig } from "../protocol/config-websocket.js";

interface HostPort {
  readonly host: string;
  readonly port: string;
}

function hostPort(scheme: string, authority: string): HostPort {
  const u = new URL(`${scheme}//${authority}`);
  const port = u.port !== "" ? u.port : scheme === "https:" || scheme === "wss:" ? "443" : "80";
  return { host: u.hostname.toLowerCase(), port };
}

function parseOrigin(origin: string): HostPort | null {
  try {
    const u = new URL(origin);
    if (u.host === "") return null;
    return hostPort(u.protocol, u.host);
  } catch {
    return null;
  }
}

/** Why the upgrade is refused, or null when the origin may connect. */
export function originRefusal(request: Request, ws: WebSocketConfig): string | null {
  if (!ws.sameOrigin && ws.allowedOrigins.length === 0) return null;
  const origin = request.headers.get("Origin") ?? request.headers.get("Sec-WebSocket-Origin");
  if (origin === null || origin === "") return null;
  const o = parseOrigin(origin);
  if (o === null) return `origin not allowed: cannot parse ${JSON.stringify(origin)}`;
  if (ws.sameOrigin) {
    const url = new URL(request.url);
    const self = hostPort(url.protocol, request.headers.get("Host") ?? url.host);
    if (o.host !== self.host || o.port !== self.port) return "origin not allowed: not same origin";
  }
  // The configuration keeps allowed origins serialized as URL.origin does (scheme, lower-case
  // host, the port unless it is the scheme's default), so one comparison matches all three.
  if (ws.allowedOrigins.length > 0 && !ws.allowedOrigins.includes(new URL(origin).origin)) {
    return "origin not allowed: not in the allowed list";
  }
  return null;
}
