// Credentials carried in cookies, for browsers, which cannot put them anywhere
// else on a WebSocket upgrade or an EventSource: the cookie names are the
// `websocket` block's (jwt_cookie, token_cookie, user_cookie, pass_cookie), read
// as nats-server reads them at the upgrade.

import { parse as parseCookies } from "hono/utils/cookie";
import type { Credentials } from "../protocol/auth.js";
import type { WebSocketConfig } from "../protocol/config-websocket.js";

/** Credentials in the cookies the `websocket` block names, as nats-server reads them at the upgrade. */
export function cookieCredentials(header: string | null, ws: WebSocketConfig): Credentials | null {
  if (header === null) return null;
  const names: [string | null, keyof Credentials][] = [
    [ws.jwtCookie, "jwt"],
    [ws.tokenCookie, "auth_token"],
    [ws.usernameCookie, "user"],
    [ws.passwordCookie, "pass"],
  ];
  if (names.every(([name]) => name === null)) return null;
  const jar = parseCookies(header);
  const creds: Credentials = {};
  let any = false;
  for (const [name, field] of names) {
    const value = name === null ? undefined : jar[name];
    if (value !== undefined && value !== "") {
      creds[field] = value;
      any = true;
    }
  }
  return any ? creds : null;
}
