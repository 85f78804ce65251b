// Types for scripts/fuzz-engine.mjs, for its TypeScript caller (test/e2e/fuzz.test.ts).

export interface FuzzOptions {
  /** The broker, `ws://host:port`. */
  url: string;
  /** Spread the connections over this many shards with `?shard=N` (default 1: no parameter). */
  shards?: number;
  seconds: number;
  /** Raw connections open at once, each running round after round. */
  connections: number;
  /** Everything sent follows from it. */
  seed: number;
  maxControlLine?: number;
  /** Resident memory (KiB) by process name, sampled before, during and after the run. */
  rss?: () => Record<string, number>;
  /** The broker serves nobody else: after the run only the two official clients may remain. */
  expectIdle?: boolean;
  /** Wait before the memory baseline and the last sample (default 5 s). */
  settleMs?: number;
  /** With `rss`: seconds of the run before the memory baseline is taken (default 0). */
  warmupSeconds?: number;
  log?: (line: string) => void;
}

export interface FuzzFailure {
  /** a: server protocol, b: closes, e: the official clients, f: /healthz and what remains after the run, answer/hang: a known answer, engine. */
  check: string;
  message: string;
  generator?: string;
  /** Seed, connection and round number: `npm run fuzz -- --seed S --replay C:K` runs it again. */
  round?: string;
  sent?: string;
}

export interface GoodClientsResult {
  sent: number;
  received: number;
  lost: number;
  reordered: number;
  statuses: string[];
  closed: boolean;
}

export interface FuzzReport {
  url: string;
  seed: number;
  seconds: number;
  connections: number;
  rounds: number;
  byGenerator: Record<string, number>;
  framesSent: number;
  bytesSent: number;
  framesReceived: number;
  bytesReceived: number;
  opsReceived: Record<string, number>;
  /** -ERR texts received, with counts. */
  errors: Record<string, number>;
  /** Closes the server initiated, by "code reason". */
  serverCloses: Record<string, number>;
  clientCloses: Record<string, number>;
  expectations: { checked: number; met: number };
  /** Known differences from nats-server seen, by description: reported, not failures. */
  divergences: Record<string, number>;
  divergenceExamples: { label: string; round?: string; sent?: string; received: string; code: number | null }[];
  good: GoodClientsResult;
  health: { status: number; body: unknown };
  idle: { connections: number; subscriptions: number } | null;
  /** By process: at the start, the baseline (after the warm-up), the peak, after the run settled. */
  memory: Record<string, { startKiB: number; beforeKiB: number; peakKiB: number; afterKiB: number }> | null;
  failures: FuzzFailure[];
  failureCount: number;
  failureKinds: Record<string, number>;
  ok: boolean;
}

export declare function runFuzz(options: FuzzOptions): Promise<FuzzReport>;
export declare function formatReport(report: FuzzReport): string;
/** One round of a run again, alone, in full. */
export declare function replayRound(o: { url: string; seed: number; slot: number; round: number; shards?: number; maxControlLine?: number }): Promise<Record<string, unknown>>;
export declare function escapeBytes(b: Uint8Array, max?: number): string;
