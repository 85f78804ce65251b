// Medians, percentiles and the report: a table on stdout and optional JSON lines.
import { writeFileSync } from "node:fs";

export function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Nearest-rank percentile of an already sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function fmt(x) {
  if (x === undefined || x === null || Number.isNaN(x)) return "—";
  if (typeof x === "string") return x;
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return "—";
  return `${(a / b).toFixed(2)}×`;
}

/** A paired ratio (Results.pairedRatio) as the tables show it. */
function pairedCell(r) {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : "—";
}

function pad(s, n, right = false) {
  s = String(s);
  return right ? s.padStart(n) : s.padEnd(n);
}

/** Renders rows of strings as an aligned plain-text table (first `leftCols` columns left-aligned). */
export function table(header, rows, leftCols = 2) {
  const all = [header, ...rows];
  const w = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? "").length)));
  const line = (r) => r.map((c, i) => pad(c ?? "", w[i], i >= leftCols)).join("  ");
  return [line(header), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n");
}

/**
 * Collects results: results.add(scenario, figure, unit, target, value) per run; lost/errors per
 * (scenario, target). `figures` keeps first-seen order for the table.
 */
export class Results {
  constructor() {
    this.figures = new Map(); // key -> {scenario, figure, unit, better, runs: {target: []}}
    this.lost = new Map(); // `${scenario}|${target}` -> {sent, received, lost, runs}
    this.errors = []; // {scenario, target, run, error}
    this.notes = new Map(); // scenario -> [string]
    this.cpus = new Map(); // `${scenario}|${target}` -> [{client, worker, ...}]
    this.sections = new Map(); // scenario -> "cluster" (scenarios not in the main table)
  }
  /** Puts `scenario` in a section of its own (rendered by renderCluster, not render). */
  section(scenario, name) {
    this.sections.set(scenario, name);
  }
  cpu(scenario, target, usage) {
    const key = `${scenario}|${target}`;
    const l = this.cpus.get(key) ?? [];
    l.push(usage);
    this.cpus.set(key, l);
  }

  /** CPU table: per scenario and target, the median % of one core of each process. */
  renderCpu(targets) {
    const rows = [];
    const scen = [...new Set([...this.cpus.keys()].map((k) => k.split("|")[0]))];
    for (const sc of scen) {
      for (const t of [...targets, "ceiling"]) {
        const l = this.cpus.get(`${sc}|${t}`);
        if (!l) continue;
        const keys = [...new Set(l.flatMap((u) => Object.keys(u)))];
        const parts = keys.map((k) => `${k} ${median(l.map((u) => u[k] ?? 0)).toFixed(0)}`);
        rows.push([rows.some((r) => r[3] === sc) ? "" : sc, t, parts.join(", "), sc]);
      }
    }
    return rows.length ? table(["scenario", "target", "bench client and server processes"], rows.map((r) => r.slice(0, 3)), 3) : "";
  }
  /** `kind`: "cost" for the cluster's cost figures (their own table); `rep`: the repetition, which pairs runs. */
  add(scenario, figure, unit, target, value, better = "higher", kind = undefined, rep = undefined) {
    const key = `${scenario}|${figure}`;
    let f = this.figures.get(key);
    if (!f) this.figures.set(key, (f = { scenario, figure, unit, better, kind, runs: {}, reps: {} }));
    (f.runs[target] ??= []).push(value);
    if (rep !== undefined) (f.reps[target] ??= new Map()).set(rep, value);
  }

  /**
   * The median of the ratios a/b run by run: each repetition runs every target back to back,
   * so a pair shares the machine's state of the moment, which the medians of each target taken
   * apart do not (this machine drifts between a slower and a faster state for seconds at a time).
   */
  pairedRatio(f, a, b) {
    const ra = f.reps[a];
    const rb = f.reps[b];
    if (!ra || !rb) return NaN;
    const ratios = [];
    for (const [rep, v] of ra) if (rb.has(rep)) ratios.push(v / rb.get(rep));
    return median(ratios);
  }
  count(scenario, target, sent, received) {
    const key = `${scenario}|${target}`;
    const c = this.lost.get(key) ?? { sent: 0, received: 0, lost: 0, runs: 0 };
    c.sent += sent;
    c.received += received;
    c.lost += Math.max(0, sent - received);
    c.runs += 1;
    this.lost.set(key, c);
  }
  error(scenario, target, run, error) {
    this.errors.push({ scenario, target, run, error: String(error?.message ?? error) });
  }
  note(scenario, text) {
    const l = this.notes.get(scenario) ?? [];
    l.push(text);
    this.notes.set(scenario, l);
  }

  /**
   * The main table: every figure on every target. The first target is the headline, the second
   * the reference (nats-server): the first's ratio to it comes right after the reference, and
   * every further target (wrangler dev) gets its own column and its own ratio to the reference.
   */
  render(targets) {
    const [a, b, ...rest] = targets;
    const header = ["scenario", "figure", "unit", a];
    if (b) header.push(b, `${a}/${b}`, "paired");
    for (const c of rest) header.push(c, `${c}/${b}`);
    header.push(`lost (${targets.join(" / ")})`);
    const rows = [];
    let prevScenario = null;
    for (const f of this.figures.values()) {
      if (f.scenario === "ceiling" || this.sections.has(f.scenario)) continue;
      const m = (t) => median(f.runs[t] ?? []);
      const row = [f.scenario === prevScenario ? "" : f.scenario, f.figure, f.unit, fmt(m(a))];
      if (b) {
        row.push(fmt(m(b)), ratio(m(a), m(b)), pairedCell(this.pairedRatio(f, a, b)));
      }
      for (const c of rest) row.push(fmt(m(c)), ratio(m(c), m(b)));
      const lostCell = (t) => {
        const c = this.lost.get(`${f.scenario}|${t}`);
        const failed = this.errors.filter((e) => e.scenario === f.scenario && e.target === t).length;
        return (c ? `${c.lost}/${c.sent}` : "—") + (failed ? ` (${failed} failed)` : "");
      };
      row.push(f.scenario === prevScenario ? "" : targets.map(lostCell).join(" / "));
      prevScenario = f.scenario;
      rows.push(row);
    }
    return rows.length ? table(header, rows) : "";
  }

  /**
   * The ceiling table, when that scenario ran: the forwarding object, nats-edge and its ratio to
   * it, and, where the scenario ran nats-server too (the pub→sub ceilings), nats-server and
   * nats-edge's ratio to it.
   */
  renderCeiling() {
    const figures = [...this.figures.values()].filter((f) => f.scenario === "ceiling");
    if (figures.length === 0) return "";
    const nats = "nats-server";
    const withNats = figures.some((f) => f.runs[nats]?.length);
    const rows = figures.map((f) => {
      const c = median(f.runs.ceiling ?? []);
      const e = median(f.runs["nats-edge"] ?? []);
      const row = [f.figure, f.unit, fmt(c), fmt(e), ratio(e, c)];
      if (withNats) {
        const n = median(f.runs[nats] ?? []);
        row.push(fmt(n), ratio(e, n));
      }
      return row;
    });
    const header = ["figure", "unit", "raw forward DO", "nats-edge", "nats-edge/raw"];
    if (withNats) header.push(nats, `nats-edge/${nats}`);
    const lost = ["ceiling", "nats-edge", nats].map((t) => {
      const c = this.lost.get(`ceiling|${t}`);
      return c ? `${t} lost ${c.lost}/${c.sent}` : "";
    });
    return `${table(header, rows)}\n(${lost.filter(Boolean).join(", ")})`;
  }

  /**
   * A section's figures on two targets side by side: `a` (the reference) and `b`, their ratio
   * b/a, the paired ratio and the losses. `labels`: the columns' names for a, b, the ratio and losses.
   */
  pairTable(section, a, b, labels) {
    const rows = [];
    let prev = null;
    for (const f of this.figures.values()) {
      if (this.sections.get(f.scenario) !== section || f.kind === "cost") continue;
      const lostCell = (t) => {
        const c = this.lost.get(`${f.scenario}|${t}`);
        const failed = this.errors.filter((e) => e.scenario === f.scenario && e.target === t).length;
        return (c ? `${c.lost}/${c.sent}` : "—") + (failed ? ` (${failed} failed)` : "");
      };
      rows.push([
        f.scenario === prev ? "" : f.scenario,
        f.figure,
        f.unit,
        fmt(median(f.runs[a] ?? [])),
        fmt(median(f.runs[b] ?? [])),
        ratio(median(f.runs[b] ?? []), median(f.runs[a] ?? [])),
        pairedCell(this.pairedRatio(f, b, a)),
        f.scenario === prev ? "" : `${lostCell(a)} / ${lostCell(b)}`,
      ]);
      prev = f.scenario;
    }
    return rows.length ? table(["scenario", "figure", "unit", labels[0], labels[1], labels[2], "paired", labels[3]], rows) : "";
  }

  /**
   * The cross-shard section: each figure on the single-shard broker (`single`) and across shards
   * (`cross`), their ratio and losses; then the cost figures (`cross` only) with a scenario a row.
   */
  renderCluster(single, cross) {
    const inCluster = [...this.figures.values()].filter((f) => this.sections.get(f.scenario) === "cluster");
    if (inCluster.length === 0) return "";
    const main = this.pairTable("cluster", single, cross, ["single shard", "4 shards, cross-shard", "cross/single", "lost (single / cross)"]);

    // Cost: one row per scenario, one column per cost figure (same order as added).
    const costNames = [...new Set(inCluster.filter((f) => f.kind === "cost" && f.unit !== "records" && f.unit !== "msg").map((f) => f.figure))];
    const costRows = [];
    for (const sc of [...new Set(inCluster.map((f) => f.scenario))]) {
      const get = (fig) => this.figures.get(`${sc}|${fig}`);
      const any = costNames.map(get).find(Boolean);
      if (!any) continue;
      const m = (fig) => fmt(median(get(fig)?.runs[cross] ?? []));
      costRows.push([sc, any.unit, ...costNames.map(m), m("records per route call"), m("dropped messages")]);
    }
    const cost = costRows.length
      ? table(["scenario", "per", ...costNames, "records per route call", "dropped"], costRows)
      : "";
    return cost ? `${main}\n\n${cost}` : main;
  }

  /** Median of one figure on one target (NaN when it was not measured). */
  value(scenario, figure, target) {
    return median(this.figures.get(`${scenario}|${figure}`)?.runs[target] ?? []);
  }

  /** One JSON line per figure and target. */
  writeJson(file) {
    const lines = [];
    for (const f of this.figures.values()) {
      for (const [target, runs] of Object.entries(f.runs)) {
        const c = this.lost.get(`${f.scenario}|${target}`);
        lines.push(
          JSON.stringify({
            scenario: f.scenario,
            figure: f.figure,
            unit: f.unit,
            ...(this.sections.has(f.scenario) ? { section: this.sections.get(f.scenario) } : {}),
            ...(f.kind ? { kind: f.kind } : {}),
            target,
            runs,
            median: median(runs),
            lost: c?.lost ?? null,
            sent: c?.sent ?? null,
          }),
        );
      }
    }
    writeFileSync(file, lines.join("\n") + "\n");
  }
}
