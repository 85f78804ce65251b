// What the server tells a client when something is wrong, byte for byte as
// nats-server 2.x does it, in one place. Sources: nats-server server/client.go,
// server/parser.go, server/websocket.go, and transcripts of nats-server 2.9.10
// answering the same bytes over WebSocket. The official clients match on these
// strings (nats.js core/src/errors.ts), so never reword them.

export const ERR = {
  unknownOp: "Unknown Protocol Operation",
  maxPayload: "Maximum Payload Violation",
  maxControlLine: "maximum control line exceeded",
  invalidSubject: "Invalid Subject",
  invalidPublishSubject: "Invalid Publish Subject",
  maxSubscriptions: "maximum subscriptions exceeded",
  invalidProtocol: "invalid client protocol",
  noRespondersNeedsHeaders: "no responders requires headers support",
  authorizationViolation: "Authorization Violation",
  authenticationTimeout: "Authentication Timeout",
  authenticationExpired: "User Authentication Expired",
  accountAuthenticationExpired: "Account Authentication Expired",
  maxConnections: "maximum connections exceeded",
  staleConnection: "Stale Connection",
} as const;

/** `Permissions Violation for Publish to "<subject>"`, as nats-server words it. */
export function publishViolation(subject: string): string {
  return `Permissions Violation for Publish to "${subject}"`;
}

/** `Permissions Violation for Subscription to "<subject>"[ using queue "<queue>"]`. */
export function subscribeViolation(subject: string, queue: string | null): string {
  return queue === null
    ? `Permissions Violation for Subscription to "${subject}"`
    : `Permissions Violation for Subscription to "${subject}" using queue "${queue}"`;
}

export type ErrText = (typeof ERR)[keyof typeof ERR] | ReturnType<typeof publishViolation>;

/** How nats-server closes a WebSocket client: the close frame's status code and reason. */
export interface Closing {
  readonly code: number;
  readonly reason: string;
}

export const CLOSE = {
  protocolViolation: { code: 1002, reason: "Protocol Violation" },
  parseError: { code: 1002, reason: "Parse Error" },
  badProtocol: { code: 1002, reason: "Bad Client Protocol Version" },
  maxPayload: { code: 1009, reason: "Maximum Message Payload Exceeded" },
  maxControlLine: { code: 1008, reason: "Maximum Control Line Exceeded" },
  noRespondersNeedsHeaders: { code: 1011, reason: "No Responders Requires Headers" },
  slowConsumer: { code: 1008, reason: "Slow Consumer (Pending Bytes)" },
  authViolation: { code: 1008, reason: "Authentication Failure" },
  authTimeout: { code: 1008, reason: "Authentication Timeout" },
  authExpired: { code: 1008, reason: "Authentication Expired" },
  maxConnections: { code: 1008, reason: "Maximum Connections Exceeded" },
  // nats-server sends 1006 here, a code RFC 6455 reserves for "no close frame"
  // and which workerd refuses to send; 1001 (going away) is the nearest.
  staleConnection: { code: 1001, reason: "Stale Connection" },
  // A failure of the server's own while serving the connection (an exception): 1011, the
  // status nats-server's websocket.go sends for any close reason it has no other for.
  internalError: { code: 1011, reason: "Internal Error" },
} as const satisfies Record<string, Closing>;

/** A protocol error: what is sent, and whether and how the connection closes. */
export interface ProtocolError {
  /** Text for `-ERR '<text>'`, or null when nats-server closes without a word. */
  readonly text: ErrText | null;
  /** How the connection is closed after the error, or null when it stays open. */
  readonly close: Closing | null;
  /** For logs and tests: what went wrong, with the parser state and a snippet. */
  readonly detail: string;
}
