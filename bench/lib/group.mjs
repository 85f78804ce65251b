// A server process the benchmark started detached, in its own process group: its output is
// collected, and stopping it stops the whole group (wrangler's node and its workerd children,
// or nats-server), then removes its temporary directory. Used by broker.mjs and nats-server.mjs.
import { rmSync } from "node:fs";
import { groupPids, killGroup, sleep } from "./util.mjs";

/** Output kept per process: past OUTPUT_MAX characters, only the last OUTPUT_KEEP are kept. */
const OUTPUT_MAX = 512 * 1024;
const OUTPUT_KEEP = 256 * 1024;

// Groups started and not yet stopped: killed if this process exits any other way.
const live = new Map(); // pgid -> temp dir
process.on("exit", () => {
  for (const [pgid, dir] of live) {
    killGroup(pgid, "SIGKILL");
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
});

/**
 * Takes charge of `child`, spawned with `detached: true` and piped stdout/stderr, and of `tmp`,
 * its temporary directory (removed when it stops).
 * @returns {{
 *   pgid: number,
 *   output: () => string,                       what it printed (the last 256 KiB or more)
 *   onOutput: (f: (chunk: string) => void) => () => void,   also sends each chunk to f; returns "stop sending"
 *   exited: () => boolean,                      did it exit (on its own or stopped)?
 *   stop: () => Promise<void>,                  SIGTERM to the group, SIGKILL after 5 s, then sweeps the group until empty
 * }}
 */
export function processGroup(child, tmp, name) {
  const pgid = child.pid;
  if (pgid === undefined) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`${name}: failed to spawn`);
  }
  live.set(pgid, tmp);

  let out = "";
  const listeners = new Set();
  const onData = (chunk) => {
    const s = String(chunk);
    out += s;
    if (out.length > OUTPUT_MAX) out = out.slice(-OUTPUT_KEEP);
    for (const f of listeners) f(s);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);

  let exited = false;
  const exitedP = new Promise((resolve) => child.once("exit", () => ((exited = true), resolve())));

  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      if (!exited) {
        killGroup(pgid, "SIGTERM");
        const t = setTimeout(() => killGroup(pgid, "SIGKILL"), 5000);
        await exitedP;
        clearTimeout(t);
      }
      // The leader may exit before its children (wrangler's node before workerd): sweep the group
      // until it is empty.
      for (let i = 0; i < 50 && groupPids(pgid).length > 0; i++) {
        killGroup(pgid, i < 10 ? "SIGTERM" : "SIGKILL");
        await sleep(100);
      }
      live.delete(pgid);
      rmSync(tmp, { recursive: true, force: true });
    })());

  return {
    pgid,
    output: () => out,
    onOutput(f) {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    exited: () => exited,
    stop,
  };
}
