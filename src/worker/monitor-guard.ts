// Who may read the monitoring endpoints. They show every connection's address,
// user and subscriptions, so they are open only where the broker itself is open
// to anyone (no authorization, ALLOW_ANONYMOUS=true); otherwise they need the
// MONITOR_TOKEN, as `Authorization: Bearer <token>` or as the password of Basic
// authentication, which a browser asks for by itself.

import type { Settings } from "../durable/settings.js";
import { authorizationConfigured } from "../protocol/auth.js";
import { EMPTY_WEBSOCKET } from "../protocol/config-websocket.js";
import { httpCredentials } from "./credentials.js";

// Basic is offered too: it is the challenge a browser answers with a login prompt.
const CHALLENGE = 'Bearer realm="nats-edge monitoring", Basic realm="nats-edge monitoring"';

/** The response that refuses the request, or null when it may go on. */
export async function monitorRefusal(request: Request, settings: Settings): Promise<Response | null> {
  const token = settings.monitorToken;
  if (token === null) {
    if (!authorizationConfigured(settings.config) && settings.allowAnonymous) return null;
    return refusal(403, "monitoring is closed: set MONITOR_TOKEN");
  }
  // Cookies never stand in for the monitoring token: only the Authorization header counts.
  const creds = httpCredentials(request, EMPTY_WEBSOCKET);
  const presented = creds.auth_token ?? creds.jwt ?? creds.pass;
  if (presented === undefined) return refusal(401, "monitoring needs the MONITOR_TOKEN: Authorization: Bearer <token>");
  if (!(await sameSecret(presented, token))) return refusal(401, "wrong monitoring token");
  return null;
}

function refusal(status: 401 | 403, error: string): Response {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (status === 401) headers["WWW-Authenticate"] = CHALLENGE;
  return new Response(JSON.stringify({ error }), { status, headers });
}

/**
 * Compares in constant time. Both sides are hashed first, so neither the
 * position of the first difference nor the token's length shows in the timing.
 */
async function sameSecret(presented: string, secret: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(presented)),
    crypto.subtle.digest("SHA-256", encoder.encode(secret)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
