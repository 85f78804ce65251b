// Small helpers shared by the benchmark modules: ports, sleeping, deadlines, process groups
// and resident memory read from /proc.
import { readFileSync, readdirSync } from "node:fs";
import net from "node:net";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen({ host: "127.0.0.1", port: 0 }, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `n` distinct free ports. */
export async function freePorts(n) {
  const set = new Set();
  while (set.size < n) set.add(await freePort());
  return [...set];
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

/** Polls `pred` every `everyMs` until true; false when `timeoutMs` passed or `abort()` says so. */
export async function waitFor(pred, timeoutMs, { everyMs = 5, abort = () => false } = {}) {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end || abort()) return false;
    await sleep(everyMs);
  }
  return true;
}

/**
 * Waits until `count()` reaches `target`, giving up when it made no progress for `stallMs`
 * or the deadline passed. Returns the final count.
 */
export async function waitCount(count, target, { stallMs = 3000, deadline = Infinity, abort = () => false } = {}) {
  let last = count();
  let lastChange = Date.now();
  while (count() < target && !abort() && Date.now() < deadline) {
    await sleep(5);
    const c = count();
    if (c !== last) {
      last = c;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) break;
  }
  return count();
}

function procStat(pid) {
  // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may contain spaces or parens.
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  const close = s.lastIndexOf(")");
  const comm = s.slice(s.indexOf("(") + 1, close);
  const fields = s.slice(close + 2).split(" ");
  return { comm, ppid: Number(fields[1]), pgrp: Number(fields[2]) };
}

/** CPU time (user + system) a process has used, in seconds; 0 when it is gone. */
export function cpuSeconds(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks (CLK_TCK 100)
  } catch {
    return 0;
  }
}

/** The command line of a process ("" when it is gone). */
export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/**
 * Measures CPU use between start() and stop() of the labelled processes given by `parts()`
 * ([{label, pid}]) and of this process ("client"): { pct: {label: % of one core}, wall: seconds }.
 */
export function cpuMeter(parts) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const b0 = machineBusySeconds();
  const p0 = parts().map((p) => ({ ...p, s: cpuSeconds(p.pid) }));
  return () => {
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const pct = { client: ((c.user + c.system) / 1e6 / wall) * 100 };
    for (const p of p0) pct[p.label] = (pct[p.label] ?? 0) + ((cpuSeconds(p.pid) - p.s) / wall) * 100;
    // Everything else the machine did meanwhile (other users' processes, the kernel's own work).
    const ours = Object.values(pct).reduce((a, v) => a + v, 0);
    pct.other = Math.max(0, ((machineBusySeconds() - b0) / wall) * 100 - ours);
    return { pct, wall };
  };
}

/** CPU seconds the whole machine spent busy (all CPUs, from /proc/stat). */
export function machineBusySeconds() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...
    const busy = f[0] + f[1] + f[2] + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    return busy / 100;
  } catch {
    return 0;
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

/** Resolves with `p`, or with `onTimeout()` after `ms` (the timer never keeps the process up). */
export function race(p, ms, onTimeout) {
  let t;
  return Promise.race([
    p,
    new Promise((resolve) => {
      t = setTimeout(() => resolve(onTimeout()), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

/** A payload of `size` printable bytes. */
export function payload(size) {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = 97 + ((i * 7) % 26);
  return b;
}
