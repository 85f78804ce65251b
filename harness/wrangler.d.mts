// Types for scripts/wrangler.mjs, so TypeScript callers (the end-to-end tests) share its settings.
import type { ChildProcess, SpawnOptions } from "node:child_process";

export declare const wranglerBin: string;
/** Environment that keeps wrangler offline, quiet and fast. */
export declare const offlineEnv: Readonly<Record<string, string>>;
export declare function runWrangler(args: string[], options?: SpawnOptions): ChildProcess;
/** MINIFLARE_WORKERD_V8_FLAGS with --expose-gc added to those in `env`. */
export declare function exposeGc(env: Record<string, string | undefined>): Record<string, string>;
