// `npm run dev`: the broker under `wrangler dev`, offline, on ws://127.0.0.1:8787
// (PORT overrides the port), rebuilt and reloaded on every change of its sources (which
// drops every WebSocket). Extra arguments go to wrangler, e.g.
// `npm run dev -- --var MAX_PAYLOAD:65536`. wrangler dev puts a proxy (a second workerd)
// in front of every connection: measure with `npm start`, which has none. Locally, clients
// may connect without credentials (ALLOW_ANONYMOUS) unless NATS_CONFIG configures
// authorization.
import { runWrangler } from "../harness/wrangler.mjs";

const port = process.env.PORT ?? "8787";
const child = runWrangler(
  ["dev", "--local", "--ip", "127.0.0.1", "--port", port, "--show-interactive-dev-session=false", "--var", "ALLOW_ANONYMOUS:true", ...process.argv.slice(2)],
  { stdio: ["inherit", "pipe", "inherit"] },
);
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  if (String(chunk).includes("Ready on")) {
    console.log(`\nnats-edge is up. Connect a NATS client to ws://127.0.0.1:${port}`);
    console.log(`Dashboard: http://127.0.0.1:${port}/dashboard  Chat demo: http://127.0.0.1:${port}/demo`);
  }
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
