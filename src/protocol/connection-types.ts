// `allowed_connection_types`, in the configuration and in user JWTs. Every
// nats-edge connection is a WebSocket, so a list that leaves WEBSOCKET out
// keeps its user out.

/** What a WebSocket client is to `allowed_connection_types` (jwt.ConnectionTypeWebsocket). */
export const WEBSOCKET = "WEBSOCKET";

/** The types nats-server's configuration file accepts (auth.go validateAllowedConnectionTypes). */
export const CONFIG_CONNECTION_TYPES: ReadonlySet<string> = new Set([
  "STANDARD",
  WEBSOCKET,
  "LEAFNODE",
  "LEAFNODE_WS",
  "MQTT",
  "MQTT_WS",
]);

/** The types a user JWT may name: jwt's, which add IN_PROCESS. */
const JWT_CONNECTION_TYPES: ReadonlySet<string> = new Set([...CONFIG_CONNECTION_TYPES, "IN_PROCESS"]);

/**
 * Why a user JWT's `allowed_connection_types` keeps a WebSocket client out, or
 * null when it does not: server/auth.go convertAllowedConnectionTypes and
 * connectionTypeAllowed. An empty list allows every type; names unknown to
 * nats-server are dropped, and a list of nothing but unknown names allows none.
 */
export function jwtConnectionTypesProblem(types: readonly string[] | null): string | null {
  if (types === null || types.length === 0) return null;
  let known = 0;
  for (const t of types) {
    const upper = t.toUpperCase();
    if (!JWT_CONNECTION_TYPES.has(upper)) continue;
    known++;
    if (upper === WEBSOCKET) return null;
  }
  return known === 0
    ? "allowed_connection_types names no known connection type"
    : `allowed_connection_types does not include ${WEBSOCKET}`;
}
