// A copy of the broker's sources, taken once when the benchmark starts, from which every broker
// of the run is built: the targets at the start, the cross-shard broker, and the fresh servers of
// the idle scenario. Building from the working tree at each start would let edits made during a
// run (or a half-finished one that does not build) reach some targets and not others.
//
// The copy lives under bench/results/ (git-ignored), inside the project, so the bundler finds the
// project's node_modules by walking up from it, as it does from src/. It holds what a build needs:
// the sources, the pages and their build step ([build] in wrangler.toml), and wrangler.toml.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { root } from "../../harness/broker.mjs";

const ENTRIES = ["src", "public", "scripts/build-assets.mjs", "wrangler.toml", "package.json", "tsconfig.json"];

/**
 * Copies the sources: from the working tree, or with `committed` from the last commit (HEAD),
 * leaving out whatever is being edited. Returns { dir, config, remove }: `config` is the copy's
 * wrangler.toml relative to the project root, as startBroker's `config` option takes it;
 * `remove()` deletes the copy (also done when this process exits).
 */
export function snapshotSource({ committed = false } = {}) {
  const base = path.join(root, "bench/results");
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(path.join(base, ".source-"));
  if (committed) {
    const tracked = execFileSync("git", ["-C", root, "ls-tree", "-r", "--name-only", "HEAD", "--", ...ENTRIES], { encoding: "utf8", maxBuffer: 64 << 20 });
    for (const f of tracked.split("\n").filter(Boolean)) {
      mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
      writeFileSync(path.join(dir, f), execFileSync("git", ["-C", root, "show", `HEAD:${f}`], { maxBuffer: 64 << 20 }));
    }
  } else {
    for (const e of ENTRIES) {
      const from = path.join(root, e);
      if (existsSync(from)) cpSync(from, path.join(dir, e), { recursive: true });
    }
  }
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.on("exit", remove);
  return { dir, config: path.relative(root, path.join(dir, "wrangler.toml")), remove };
}
