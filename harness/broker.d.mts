// Types for harness/broker.mjs, for its TypeScript callers (the end-to-end and browser tests).

export interface WorkerOptions {
  /** Label for messages. */
  name?: string;
  /** Served as `npm start` serves it (default), or by `wrangler dev` with its proxy in front. */
  via?: "start" | "dev";
  /** The Worker's wrangler config, from the project root (default wrangler.toml). */
  config?: string;
  /** Variables over the config's, as `--var NAME:value`. */
  vars?: Record<string, string>;
  /** Configs of Workers in front, in the same workerd, bound to it as services. */
  front?: string[];
  /** Serve the static pages (default true). */
  pages?: boolean;
  /** A state directory to use and keep; default: a fresh one, removed on stop. */
  persistTo?: string;
  /** The port to serve on; default: a free one. */
  port?: number;
  /** Open workerd's inspector (CPU profiles) on a free port: `Broker.inspectorPort`. */
  inspect?: boolean;
  readyTimeoutMs?: number;
}

export interface Broker {
  name: string;
  via: "start" | "dev";
  /** `ws://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** With `inspect`. */
  inspectorPort?: number;
  pgid: number;
  persistTo: string;
  shards: number;
  health(): Promise<{ status: string; connections: number; subscriptions: number; shards: unknown[] }>;
  /** Everything it printed so far. */
  output(): string;
  exited(): boolean;
  rss(): { kib: number; processes: number };
  restart(): Promise<Broker>;
  stop(): Promise<void>;
}

export declare const root: string;
export declare function startWorker(opts: WorkerOptions): Promise<Broker>;
export declare function startBroker(opts?: WorkerOptions): Promise<Broker>;
export declare function startCeiling(opts?: WorkerOptions): Promise<Broker>;
