// Small helpers of the benchmark: deadlines, counting, CPU use read from /proc, payloads.
// Processes, ports and memory are the harness's (harness/process.mjs).
import { readFileSync, readdirSync } from "node:fs";
import { sleep } from "../../harness/process.mjs";

export { sleep };

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

/** The soft limit on open files (`ulimit -n`) of a process ("self": this one), or null. */
export function openFileLimit(pid = "self") {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"));
    if (!m) return null;
    return m[1] === "unlimited" ? Infinity : Number(m[1]);
  } catch {
    return null;
  }
}

/** Open file descriptors of a process ("self": this one), or null when it cannot be read. */
export function openFiles(pid = "self") {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
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
