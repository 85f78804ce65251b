// Starts a Worker under `wrangler dev --local` on a free loopback port, offline, detached in its
// own process group, from a snapshot of its sources (wrangler dev watches its sources and reloads
// on every change, dropping all WebSockets: edits made while the benchmark runs must not restart
// it). Used for the broker itself and for the ceiling Worker in bench/ceiling/.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { offlineEnv, runWrangler } from "../../scripts/wrangler.mjs";
import { processGroup } from "./group.mjs";
import { cmdline, freePorts, groupPids, groupRssKiB, rssKiB, sleep } from "./util.mjs";

export const root = fileURLToPath(new URL("../../", import.meta.url));
const READY = "Ready on http://";

/**
 * @param {object} o
 * @param {string} o.name        label for messages
 * @param {string[]} o.entries   files/dirs (relative to `o.from`) copied into the snapshot
 * @param {string} o.from        directory the entries are copied from
 * @param {string} [o.config]    wrangler config inside the snapshot (default wrangler.toml)
 * @param {Record<string,string>} [o.vars]
 * @param {number} [o.readyTimeoutMs]
 * @param {(toml: string) => string} [o.edit]  rewrites the snapshot's wrangler config
 */
export async function startWorker(opts) {
  const { name, entries, from, config = "wrangler.toml", vars = {}, extraArgs = [], readyTimeoutMs = 90_000, edit } = opts;
  const tmp = mkdtempSync(path.join(tmpdir(), `nats-edge-bench-${name}-`));
  const app = path.join(tmp, "app");
  const persist = path.join(tmp, "state");
  mkdirSync(app);
  mkdirSync(persist);
  for (const e of entries) {
    const src = path.join(from, e);
    if (existsSync(src)) cpSync(src, path.join(app, e), { recursive: true });
  }
  if (edit) writeFileSync(path.join(app, config), edit(readFileSync(path.join(app, config), "utf8")));
  symlinkSync(path.join(root, "node_modules"), path.join(app, "node_modules"), "dir");

  const [port, inspectorPort] = await freePorts(2);
  const args = [
    "dev",
    "--config", config,
    "--local",
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--show-interactive-dev-session=false",
    "--persist-to", persist,
  ];
  // The benchmark's clients connect without credentials.
  for (const [k, v] of Object.entries({ ALLOW_ANONYMOUS: "true", ...vars })) args.push("--var", `${k}:${v}`);
  args.push(...extraArgs);

  const child = runWrangler(args, {
    cwd: app,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { CI: "true", NO_COLOR: "1", FORCE_COLOR: "0", ...offlineEnv },
  });
  // wrangler's output is kept (the last 256 KiB) for error reports; it logs every upgrade.
  const g = processGroup(child, tmp, name);
  const { pgid, output, exited, stop } = g;

  let ready = false;
  let stopReadyLines = () => {};
  try {
    await new Promise((resolve, reject) => {
      const finish = (err) => {
        if (ready) return;
        ready = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => finish(new Error(`${name}: not ready after ${readyTimeoutMs} ms:\n${output()}`)), readyTimeoutMs);
      stopReadyLines = g.onOutput((chunk) => {
        if (chunk.replace(/\u001b\[[0-9;]*m/g, "").includes(READY)) finish();
      });
      // With --log-level warn wrangler prints no Ready line: also poll the Worker itself.
      (async () => {
        while (!ready && !exited()) {
          try {
            const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
            await r.arrayBuffer();
            if (r.ok) return finish();
          } catch {
            /* not yet */
          }
          await sleep(250);
        }
      })();
      child.on("error", (err) => finish(new Error(`${name}: wrangler failed to start: ${err.message}`)));
      child.on("exit", (code, signal) =>
        finish(new Error(`${name}: wrangler exited (code ${code}, signal ${signal}) before it was ready:\n${output()}`)),
      );
    }).finally(() => stopReadyLines());
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    name,
    url: `ws://127.0.0.1:${port}`,
    port,
    /** workerd's inspector (Chrome DevTools protocol), for CPU profiles of the Worker. */
    inspectorPort,
    pgid,
    /** Shard objects (the SHARDS var; wrangler.toml's default is 1). */
    shards: Number(vars.SHARDS ?? 1) || 1,
    /** GET /healthz: { status, connections, subscriptions, shards: [{ shard, cluster, directory, … }] }. */
    async health() {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(10_000) });
      const body = await r.json();
      if (!r.ok) throw new Error(`${name}: /healthz answered ${r.status}: ${JSON.stringify(body)}`);
      return body;
    },
    /** Everything wrangler printed so far. */
    output,
    /** Did wrangler exit on its own? */
    exited,
    /** Summed RSS of the workerd processes in wrangler's process group (the proxy and the user worker). */
    rss: () => groupRssKiB(pgid, "workerd"),
    /**
     * The group's processes by role: "proxy" (the workerd wrangler puts in front, listening on
     * our port), "worker" (the workerd running the Worker and its Durable Object), "wrangler"
     * (node).
     */
    cpuParts: () =>
      groupPids(pgid).map(({ pid, comm }) => ({
        pid,
        label:
          comm === "workerd"
            ? cmdline(pid).includes(`entry=127.0.0.1:${port} `) ? "proxy" : "worker"
            : comm === "node" ? "wrangler" : comm,
      })),
    /** RSS (KiB) by role: { proxy, worker }. */
    rssParts() {
      const out = {};
      for (const p of this.cpuParts()) if (p.label === "proxy" || p.label === "worker") out[p.label] = (out[p.label] ?? 0) + rssKiB(p.pid);
      return out;
    },
    restart: () => startWorker(opts),
    stop,
  };
}

/**
 * The broker: this project's Worker (src/ + wrangler.toml). Measurements run it without its
 * browser pages (`pages: false`, the default): under `wrangler dev`, the static-asset workers
 * that Miniflare runs in the Worker's own workerd process grew it by some 300 MiB over 22,000
 * requests in a fuzz run (none of it the broker's: without them its growth matched the broker's
 * before the pages existed), which would blur the memory and CPU figures of the broker itself.
 * Production serves assets outside the Worker's isolate.
 */
export function startBroker({ pages = false, ...opts } = {}) {
  return startWorker({
    name: "nats-edge",
    from: root,
    entries: ["src", "public", "scripts/build-assets.mjs", "wrangler.toml", "package.json", "tsconfig.json"],
    ...(pages ? {} : { edit: withoutPages }),
    ...opts,
  });
}

/** wrangler.toml without its [assets] and [build] tables (the pages and their bundle). */
function withoutPages(toml) {
  const out = [];
  let skipping = false;
  for (const line of toml.split("\n")) {
    const table = /^\[\[?([^\]]+)\]\]?\s*$/.exec(line);
    if (table) skipping = table[1] === "assets" || table[1] === "build";
    if (!skipping) out.push(line);
  }
  return out.join("\n");
}

/** The ceiling Worker in bench/ceiling/: a Durable Object that only forwards raw frames. */
export function startCeiling(opts = {}) {
  return startWorker({
    name: "ceiling",
    from: path.join(root, "bench/ceiling"),
    entries: ["wrangler.toml", "index.ts"],
    ...opts,
  });
}
