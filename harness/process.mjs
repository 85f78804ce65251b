// Server processes started detached, each in its own process group: their output is
// collected, and stopping one stops its whole group (the broker's node and its workerd, or
// wrangler's, or nats-server), then removes its temporary directory. Also the /proc readings
// (members of a group, resident memory) and free loopback ports that the tests, the benchmark
// and the scripts share.
import { readFileSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The ports the kernel may give the local end of an outgoing connection
 * (/proc/sys/net/ipv4/ip_local_port_range). A server port chosen among them can be taken by
 * any client's connection between one start and the next; below them, only by another listener.
 */
function ephemeralRange() {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    // Not Linux: the usual range.
  }
  return [32768, 60999];
}

/** The ports servers are started on: below the ephemeral range, so that they can start again there. */
const [SERVER_PORTS_FROM, SERVER_PORTS_TO] = [10_000, ephemeralRange()[0] - 1];

function listens(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen({ host: "127.0.0.1", port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port that was free on 127.0.0.1 a moment ago, out of the range outgoing connections use. */
export async function freePort() {
  for (let i = 0; i < 200; i++) {
    const port = SERVER_PORTS_FROM + Math.floor(Math.random() * (SERVER_PORTS_TO - SERVER_PORTS_FROM + 1));
    if (await listens(port)) return port;
  }
  throw new Error(`no free port from ${SERVER_PORTS_FROM} to ${SERVER_PORTS_TO}`);
}

/** `n` distinct free ports. */
export async function freePorts(n) {
  const set = new Set();
  while (set.size < n) set.add(await freePort());
  return [...set];
}

/**
 * `start()` again (three tries in all) when it failed because a port it chose was taken: a free
 * port is only free until someone takes it, and in a busy test run another process (a client's
 * own end of a connection) may take it before the server listens. Not when the port was asked
 * for (`fixed`): the caller wants that one.
 */
export async function retryOnTakenPort(start, fixed) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (fixed || attempt === 3 || !/address already in use/i.test(String(err))) throw err;
    }
  }
}

/** Sends `signal` to every process of the group led by `pgid`; false when it is gone. */
export function killGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function procStat(pid) {
  // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may contain spaces or parens.
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  const close = s.lastIndexOf(")");
  const comm = s.slice(s.indexOf("(") + 1, close);
  const fields = s.slice(close + 2).split(" ");
  return { comm, ppid: Number(fields[1]), pgrp: Number(fields[2]) };
}

/** The command line of a process ("" when it is gone). */
export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** VmRSS of one process in KiB, or 0 when it is gone. */
export function rssKiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Processes of the group `pgid` (optionally only those whose name is `comm`). */
export function groupPids(pgid, comm) {
  const out = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const st = procStat(name);
      if (st.pgrp === pgid && (comm === undefined || st.comm === comm)) out.push({ pid: Number(name), comm: st.comm });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Every process: {pid, comm, pgrp}. */
groupPids.all = function* () {
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      yield { pid: Number(name), ...procStat(name) };
    } catch {
      /* exited meanwhile */
    }
  }
};

/** Summed VmRSS (KiB) of the group's processes named `comm`, and how many there were. */
export function groupRssKiB(pgid, comm) {
  const pids = groupPids(pgid, comm);
  return { kib: pids.reduce((a, p) => a + rssKiB(p.pid), 0), processes: pids.length };
}


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
