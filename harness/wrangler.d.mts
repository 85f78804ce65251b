// Types for scripts/wrangler.mjs, so TypeScript callers (the end-to-end tests) share its settings.
import type { ChildProcess, SpawnOptions } from "node:child_process";

export declare const wranglerBin: string;
/** Environment that keeps wrangler offline, quiet and fast. */
export declare const offlineEnv: Readonly<Record<string, string>>;
export declare function runWrangler(args: string[], options?: SpawnOptions): ChildProcess;
