// The Worker's bundle, built once per state of the sources. The tests start dozens of brokers,
// each of which needs the same bundle (variables are bindings, not part of it): building it
// every time (`wrangler deploy --dry-run`, about 2 s of CPU) made every start slower and, on a
// busy two-core machine, some starts slow enough to miss their deadline. A bundle is kept under
// node_modules/.cache, named by a hash of everything in the project it could be built from, so
// any edit builds afresh and `rm -rf node_modules` forgets them all.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { offlineEnv, wranglerBin } from "./wrangler.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));
const cacheDir = path.join(root, "node_modules/.cache/nats-edge/bundles");
/** Bundles kept; the oldest go first. */
const KEEP = 8;
/** What no bundle is built from: dependencies (named by package-lock.json), state, outputs, and prose. */
const SKIP = new Set([".git", "node_modules", ".wrangler", "dist", "test-results", "bench/results", "public/vendor", "docs", "README.md"]);

/** A hash of the config's path and of every source file in the project. */
function sourceHash(configPath) {
  const h = createHash("sha256");
  h.update(path.relative(root, configPath));
  const walk = (rel) => {
    for (const e of readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (SKIP.has(r)) continue;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) h.update(`\0${r}\0`).update(readFileSync(path.join(root, r)));
    }
  };
  walk("");
  return h.digest("hex").slice(0, 24);
}

function run(args, cwd, shell = false) {
  const child = spawn(args[0], args.slice(1), {
    cwd,
    shell,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...offlineEnv, CI: "true", NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(" ")} failed (exit ${code}):\n${out}`))));
  });
}

/** Builds the Worker of `configPath` into `outdir` as `wrangler deploy` builds it. */
async function buildWorker(configPath, outdir) {
  await run([process.execPath, wranglerBin, "deploy", "--dry-run", "--outdir", outdir, "--config", configPath], path.dirname(configPath));
  return path.join(outdir, "index.js");
}

/**
 * The bundle of `configPath`'s Worker, from the cache or built into it. On a hit the config's
 * [build] command still runs (`buildCommand`, from its wrangler.toml), as wrangler would: it
 * writes what the pages serve, which is not part of the bundle.
 */
export async function cachedBundle(configPath, buildCommand) {
  const dir = path.join(cacheDir, sourceHash(configPath));
  const bundle = path.join(dir, "index.js");
  if (existsSync(bundle)) {
    if (buildCommand) await run([buildCommand], path.dirname(configPath), true);
    const now = new Date();
    utimesSync(dir, now, now);
    return bundle;
  }
  mkdirSync(cacheDir, { recursive: true });
  // Built aside and renamed into place, so that a start at the same moment never reads half.
  const tmp = mkdtempSync(path.join(cacheDir, ".build-"));
  try {
    await buildWorker(configPath, tmp);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another start built the same sources first: theirs serves.
      if (!existsSync(bundle)) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  prune();
  return bundle;
}

/** Keeps the KEEP bundles used last, and drops builds left half done an hour ago. */
function prune() {
  const entries = readdirSync(cacheDir)
    .map((n) => ({ n, t: statSync(path.join(cacheDir, n)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  const bundles = entries.filter((e) => !e.n.startsWith("."));
  const stale = entries.filter((e) => e.n.startsWith(".") && e.t < Date.now() - 3_600_000);
  for (const { n } of [...bundles.slice(KEEP), ...stale]) rmSync(path.join(cacheDir, n), { recursive: true, force: true });
}
