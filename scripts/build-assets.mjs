// Bundles the official NATS clients for the browser pages in public/ (@nats-io/nats-core, and
// @nats-io/jetstream for the chat's history): they ship CommonJS only, and the pages load plain
// ES modules with no CDN. It runs as wrangler's
// [build] command (wrangler.toml), so `wrangler dev`, `wrangler deploy` and `npm run build`
// never serve a missing or stale copy. The output is generated, hence git-ignored.
//
// The file is rewritten only when its bytes change: `wrangler dev` re-runs this on every
// source change and reloads on every asset change, and a reload drops all WebSockets.
import { build } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const out = fileURLToPath(new URL("../public/vendor/nats-core.js", import.meta.url));

const result = await build({
  stdin: {
    // Named re-exports: esbuild cannot see through `export *` of a CommonJS module.
    contents: [
      `export { wsconnect, nuid } from "@nats-io/nats-core";`,
      `export { jetstream, jetstreamManager } from "@nats-io/jetstream";`,
    ].join("\n"),
    resolveDir: fileURLToPath(new URL("..", import.meta.url)),
    sourcefile: "nats-core-entry.js",
  },
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  write: false,
  logLevel: "warning",
});

const bytes = result.outputFiles[0].contents;
let current;
try {
  current = readFileSync(out);
} catch {
  current = undefined;
}
if (current === undefined || !current.equals(bytes)) {
  mkdirSync(new URL("../public/vendor/", import.meta.url), { recursive: true });
  writeFileSync(out, bytes);
  console.log(`build-assets: wrote public/vendor/nats-core.js (${bytes.length} bytes)`);
}
