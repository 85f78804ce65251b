// Credentials of an HTTP caller, in the forms HTTP offers: `Authorization: Bearer`
// with a token or a user JWT, `Authorization: Basic` with user and password, and
// the `websocket` block's cookies (the only way for a browser's EventSource).
// They are checked by the same authenticator as a NATS client's CONNECT.

import { cookieCredentials } from "../durable/cookies.js";
import type { Credentials } from "../protocol/auth.js";
import type { WebSocketConfig } from "../protocol/config-websocket.js";

/** A user JWT: three base64url parts, the header starting with `{"`. */
const JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function httpCredentials(request: Request, ws: WebSocketConfig): Credentials {
  const creds: Credentials = { ...(cookieCredentials(request.headers.get("Cookie"), ws) ?? {}) };
  const auth = request.headers.get("Authorization")?.trim() ?? "";
  const space = auth.indexOf(" ");
  const scheme = space < 0 ? "" : auth.slice(0, space).toLowerCase();
  const value = space < 0 ? "" : auth.slice(space + 1).trim();
  if (scheme === "bearer" && value !== "") {
    if (JWT.test(value)) creds.jwt = value;
    else creds.auth_token = value;
  } else if (scheme === "basic" && value !== "") {
    const decoded = basic(value);
    if (decoded !== null) {
      creds.user = decoded.user;
      creds.pass = decoded.pass;
    }
  }
  return creds;
}

function basic(value: string): { user: string; pass: string } | null {
  let text: string;
  try {
    text = new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
  const colon = text.indexOf(":");
  if (colon < 0) return null;
  return { user: text.slice(0, colon), pass: text.slice(colon + 1) };
}
