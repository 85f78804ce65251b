// Types for harness/nats-server.mjs, for its TypeScript callers (the leafnode end-to-end tests).

export interface NatsServer {
  name: string;
  /** Its WebSocket listener, `ws://127.0.0.1:<port>`. */
  url: string;
  /** Its client (TCP) port. */
  clientPort: number;
  port: number;
  config: Record<string, unknown> | undefined;
  output(): string;
  exited(): boolean;
  restart(): Promise<NatsServer>;
  stop(): Promise<void>;
}

export declare function findNatsServer(): string | null;
export declare function natsServerVersion(bin: string): string;
export declare function startNatsServer(
  bin: string,
  o?: { readyTimeoutMs?: number; compression?: boolean; jetstream?: boolean; wsPort?: number; config?: Record<string, unknown> },
): Promise<NatsServer>;
