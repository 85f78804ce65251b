// The error texts nats-server sends to clients, byte for byte, in one place.
// Sources: nats-server server/client.go, server/parser.go (v2.11). The official
// clients match on these strings (nats.js core/src/errors.ts), so never reword them.

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
  slowConsumer: "Slow Consumer",
} as const;

export type ErrText = (typeof ERR)[keyof typeof ERR];

/** What a protocol error does to the connection, as nats-server decides it. */
export interface ProtocolError {
  /** Text for `-ERR '<text>'`, or null when nats-server closes without a word. */
  readonly text: ErrText | null;
  /** True when the connection is closed after the error is sent. */
  readonly close: boolean;
  /** For logs and tests: what went wrong, with the parser state and a snippet. */
  readonly detail: string;
}
