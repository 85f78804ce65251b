// CORS for the HTTP bridge, so pages on other sites may call it from a browser,
// as far as the `websocket` block's origin rules let them use the WebSocket:
// - allowed_origins: those origins, with credentials (cookies) allowed;
// - same_origin: no CORS at all (a page of this origin needs none);
// - neither: any origin, without credentials, so a page elsewhere can call with
//   an Authorization header it holds but never ride on a visitor's cookies.

import type { Context, MiddlewareHandler, Next } from "hono";
import { cors } from "hono/cors";
import type { ShardEnv } from "../durable/shard.js";
import { checkedSettings } from "./shards.js";

type Env = { Bindings: ShardEnv };

const METHODS = ["GET", "POST"];
/** Preflights are cached by browsers for this many seconds. */
const MAX_AGE = 600;

const anyOrigin = cors({ origin: "*", allowMethods: METHODS, maxAge: MAX_AGE });

let listed: { origins: readonly string[]; handler: MiddlewareHandler } | null = null;

function forListed(origins: readonly string[]): MiddlewareHandler {
  if (listed?.origins !== origins) {
    const handler = cors({
      // Compared in the form the configuration keeps (URL.origin), as the origin check does.
      origin: (origin) => {
        try {
          return origins.includes(new URL(origin).origin) ? origin : null;
        } catch {
          return null;
        }
      },
      allowMethods: METHODS,
      maxAge: MAX_AGE,
      credentials: true,
    });
    listed = { origins, handler };
  }
  return listed.handler;
}

export const bridgeCors: MiddlewareHandler<Env> = async (c: Context<Env>, next: Next) => {
  const settings = checkedSettings(c.env);
  // Bad settings are answered by the route itself, with the reason.
  if (typeof settings === "string") return next();
  const ws = settings.config.websocket;
  if (ws.allowedOrigins.length > 0) return forListed(ws.allowedOrigins)(c, next);
  if (ws.sameOrigin) return next();
  return anyOrigin(c, next);
};
