// Where a connection's bytes go: a WebSocket for NATS clients, or a session
// (bridge/session.ts) for HTTP requests, service bindings and webhooks, which
// reads back in memory what a socket would carry. The host treats both alike.

export interface Transport {
  send(bytes: Uint8Array): void;
  close(code: number, reason: string): void;
  /** What the connection needs to survive hibernation (a WebSocket's attachment). */
  serializeAttachment(value: unknown): void;
  deserializeAttachment(): unknown;
}
