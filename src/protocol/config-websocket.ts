// The configuration's `websocket` block: the origins a browser's connection
// may come from and the cookies credentials may come from, as nats-server
// reads them (opts.go parseWebsocket, websocket.go).

import {
  boolean,
  fail,
  fields,
  integer,
  items,
  nonEmptyString,
  NOT_SUPPORTED,
  refusals,
  spelling,
  string,
  type Field,
} from "./config-fields.js";

export interface WebSocketConfig {
  readonly sameOrigin: boolean;
  /** Origins as nats-server compares them (scheme://host[:port]); empty: any. */
  readonly allowedOrigins: readonly string[];
  readonly jwtCookie: string | null;
  readonly tokenCookie: string | null;
  readonly usernameCookie: string | null;
  readonly passwordCookie: string | null;
  /** `compression`: accept a client's permessage-deflate offer, as nats-server does only when told to. */
  readonly compression: boolean;
}

/** No `websocket` block: any origin, no credentials from cookies. */
export const EMPTY_WEBSOCKET: WebSocketConfig = Object.freeze({
  sameOrigin: false,
  allowedOrigins: Object.freeze([]),
  jwtCookie: null,
  tokenCookie: null,
  usernameCookie: null,
  passwordCookie: null,
  compression: false,
});

// `listen`, `host`, `port` and `no_tls` are checked and then ignored:
// Cloudflare provides the listener and its TLS. They are accepted so that the
// same file can start nats-server for a side-by-side run, which needs a port
// and, without certificates, no_tls. `compression` is kept: the Shard answers
// a client's permessage-deflate offer by it (src/durable/shard.ts).
const WEBSOCKET = spelling({
  same_origin: [],
  allowed_origins: ["allowed_origin", "allow_origins", "allow_origin", "origins", "origin"],
  jwt_cookie: [],
  token_cookie: [],
  user_cookie: [],
  pass_cookie: [],
  listen: [],
  host: ["net"],
  port: [],
  no_tls: [],
  compression: ["compress"],
});
const WEBSOCKET_REFUSED = refusals(
  ["tls", "advertise", "handshake_timeout", "authorization", "authentication", "no_auth_user"],
  NOT_SUPPORTED,
  {
    username_cookie: 'unknown field (nats-server calls it "user_cookie")',
    password_cookie: 'unknown field (nats-server calls it "pass_cookie")',
  },
);

export function websocket(f: Field | undefined, operatorMode: boolean): WebSocketConfig {
  if (!f) return EMPTY_WEBSOCKET;
  const m = fields(f, WEBSOCKET, WEBSOCKET_REFUSED);
  const cookie = (name: string): string | null => {
    const c = m.get(name);
    return c ? nonEmptyString(c) : null;
  };
  const listen = m.get("listen");
  if (listen) listenValue(listen);
  const host = m.get("host");
  if (host) string(host);
  const port = m.get("port");
  if (port) integer(port, -1, 65535);
  const noTls = m.get("no_tls");
  if (noTls) boolean(noTls);
  const compression = m.get("compression");

  const jwtCookie = cookie("jwt_cookie");
  // websocket.go validateWebsocketOptions: a JWT from a cookie needs trusted operators.
  if (jwtCookie !== null && !operatorMode)
    fail(m.get("jwt_cookie")!.path, "needs operator (a JWT is only checked against trusted operators)");
  const same = m.get("same_origin");
  const origins = m.get("allowed_origins");
  return {
    sameOrigin: same ? boolean(same) : false,
    allowedOrigins: origins ? items(origins, true, "an origin").map(allowedOrigin) : [],
    jwtCookie,
    tokenCookie: cookie("token_cookie"),
    usernameCookie: cookie("user_cookie"),
    passwordCookie: cookie("pass_cookie"),
    compression: compression ? boolean(compression) : false,
  };
}

// nats-server keeps scheme, host and port of each allowed origin, the port
// defaulting to 443 for https and 80 otherwise (websocket.go wsSetOriginOptions),
// and skips, with only a log line, an entry that is not an absolute URL. Here
// an entry must be a browser origin (http or https, a host, an optional port)
// and is kept in its serialized form, which drops a default port.
function allowedOrigin(f: Field): string {
  const s = string(f);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    fail(f.path, `${JSON.stringify(s)} is not an origin such as "https://example.com" or "http://localhost:8080"`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    fail(f.path, `${JSON.stringify(s)}: an origin's scheme is http or https`);
  const bare = u.username === "" && u.password === "" && (u.pathname === "/" || u.pathname === "");
  if (!bare || u.search !== "" || u.hash !== "") {
    fail(f.path, `${JSON.stringify(s)}: an origin is only scheme, host and port`);
  }
  return u.origin;
}

function listenValue(f: Field): void {
  if (typeof f.value === "number") {
    integer(f, -1, 65535);
    return;
  }
  const s = typeof f.value === "string" ? f.value : "";
  const port = s.slice(s.lastIndexOf(":") + 1);
  if (!s.includes(":") || port === "" || !/^\d+$/.test(port) || Number(port) > 65535)
    fail(f.path, 'must be a port or "host:port"');
}
