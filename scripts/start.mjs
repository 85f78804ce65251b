// `npm start`: the broker in workerd, built and served as it is deployed, on
// ws://127.0.0.1:8787, offline. `npm run dev` runs `wrangler dev` instead, which reloads
// on every change but puts a second workerd in front of every connection.
//
//   PORT=9000 npm start                      another port
//   npm start -- --var MAX_PAYLOAD:65536     a variable over wrangler.toml's (repeatable)
//   npm start -- --persist-to ./state        where the Durable Objects keep their state
//                                            (default .wrangler/state, as wrangler dev)
//   npm start -- --front other/wrangler.toml a Worker in front, bound to the broker as a service
//   npm start -- --no-pages                  without the dashboard and demo pages
//   npm start -- --inspector-port 9229       workerd's inspector (CPU profiles)
//   npm start -- --config other.toml         another Worker (the benchmark's ceiling)
//
// Locally, clients may connect without credentials (ALLOW_ANONYMOUS) unless NATS_CONFIG
// configures authorization.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { serve } from "../harness/serve.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

function options() {
  const { values } = parseArgs({
    options: {
      config: { type: "string", default: path.join(root, "wrangler.toml") },
      var: { type: "string", multiple: true, default: [] },
      "persist-to": { type: "string", default: path.join(root, ".wrangler/state") },
      front: { type: "string", multiple: true, default: [] },
      "no-pages": { type: "boolean", default: false },
      "inspector-port": { type: "string" },
      port: { type: "string", default: process.env.PORT ?? "8787" },
    },
  });
  const vars = { ALLOW_ANONYMOUS: "true" };
  for (const v of values.var) {
    const i = v.indexOf(":");
    if (i <= 0) throw new Error(`--var ${v}: expected NAME:value`);
    vars[v.slice(0, i)] = v.slice(i + 1);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port ${values.port}: expected 0 to 65535`);
  return {
    config: path.resolve(values.config),
    front: values.front.map((f) => path.resolve(f)),
    port,
    vars,
    persistTo: path.resolve(values["persist-to"]),
    pages: !values["no-pages"],
    inspectorPort: values["inspector-port"] === undefined ? undefined : Number(values["inspector-port"]),
  };
}

let server;
try {
  server = await serve(options());
} catch (err) {
  console.error(`nats-edge could not start: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
const http = `http://127.0.0.1:${server.port}`;
// The first line is what scripts wait for.
console.log(`Ready on ${http}`);
console.log(`nats-edge is up. Connect a NATS client to ws://127.0.0.1:${server.port}`);
console.log(`Dashboard: ${http}/dashboard  Chat demo: ${http}/demo`);

let stopping = false;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    // workerd may already be gone (Ctrl-C reaches the whole process group): don't wait long.
    await Promise.race([server.dispose().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    process.exit(0);
  });
}
