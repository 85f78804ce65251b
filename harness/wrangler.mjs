// Runs the project's wrangler under the Node.js that started this script (Node 22
// from node_modules when run through npm), offline and quiet: no telemetry, no
// update check, no request.cf download, no local observability (which triples
// WebSocket throughput in workerd). Used by `npm start` and `npm run build`.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const wranglerBin = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));

export const offlineEnv = {
  WRANGLER_SEND_METRICS: "false",
  DO_NOT_TRACK: "1",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  X_LOCAL_OBSERVABILITY: "false",
  X_LOCAL_EXPLORER: "false",
};

/**
 * workerd's V8 with `gc` exposed: the broker collects the end of a WebSocket it closed before
 * the client sent a frame, which workerd otherwise keeps (and the client's TCP connection
 * with it) until the object is evicted (src/durable/shard.ts, releaseUnheard).
 */
export function exposeGc(env) {
  const flags = (env.MINIFLARE_WORKERD_V8_FLAGS ?? "").split(" ").filter(Boolean);
  if (!flags.includes("--expose-gc")) flags.push("--expose-gc");
  return { MINIFLARE_WORKERD_V8_FLAGS: flags.join(" ") };
}

/** Starts wrangler with the given arguments; returns the child process. */
export function runWrangler(args, options = {}) {
  return spawn(process.execPath, [wranglerBin, ...args], {
    ...options,
    env: { ...process.env, ...offlineEnv, ...exposeGc(process.env), ...options.env },
  });
}

// As a command: `node scripts/wrangler.mjs <wrangler args>`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const child = runWrangler(process.argv.slice(2), { stdio: "inherit" });
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
