// `npm start`: runs the broker locally in workerd through `wrangler dev`, offline
// and quiet, on ws://127.0.0.1:8787 (PORT overrides the port). Extra arguments go
// to wrangler, e.g. `npm start -- --var MAX_PAYLOAD:65536`.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const wrangler = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const port = process.env.PORT ?? "8787";

// No telemetry, no update check, no request.cf download: only loopback traffic.
// Local observability off: it triples WebSocket throughput in workerd.
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  DO_NOT_TRACK: "1",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  X_LOCAL_OBSERVABILITY: "false",
  X_LOCAL_EXPLORER: "false",
};

const args = [
  wrangler, "dev", "--local", "--ip", "127.0.0.1", "--port", port,
  "--show-interactive-dev-session=false", ...process.argv.slice(2),
];
const child = spawn(process.execPath, args, { env, stdio: ["inherit", "pipe", "inherit"] });
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  if (String(chunk).includes("Ready on")) {
    console.log(`\nnats-edge is up. Connect a NATS client to ws://127.0.0.1:${port}`);
  }
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
