// The dashboard: polls GET /varz once a second and draws totals, rates and per-shard rows;
// GET /jsz every few seconds for JetStream's streams, consumers and stored bytes.
// Rates are counter deltas over the server's clock (`now`), so a slow or late poll does not
// show up as a dip or a spike. Every number is also kept raw in `data-value`.

const POLL_MS = 1000;
// Samples kept per chart: two minutes at one a second. The SVG viewBox is WINDOW - 1 wide.
const WINDOW = 120;
const TOKEN_KEY = "nats-edge.monitor-token";
const COUNTERS = ["in_msgs", "out_msgs", "in_bytes", "out_bytes"];
const SVG_NS = "http://www.w3.org/2000/svg";

const $ = (sel) => document.querySelector(sel);

/** @type {{ t: number, totals: Record<string, number>, shards: Map<number, Record<string, number>> } | null} */
let prev = null;
const history = { in_msgs: [], out_msgs: [], in_bytes: [], out_bytes: [], connections: [], subscriptions: [] };
/** shard -> msgs/s (in + out) */
const shardHistory = new Map();
let waitingForToken = false;

// ---------------------------------------------------------------------------------------------
// Formatting

const intFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const smallFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

function count(n) {
  return intFmt.format(n);
}

/** A per-second value: a decimal only where it matters. */
function perSec(n) {
  return (n < 10 ? smallFmt : intFmt).format(n);
}

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? intFmt.format(n) : smallFmt.format(n)} ${units[i]}`;
}

/** nats-server reports uptime as text ("1h2m3s"); a number is taken as seconds. */
function uptime(v) {
  if (typeof v === "string") return v;
  if (typeof v !== "number" || !Number.isFinite(v)) return "–";
  let s = Math.floor(v);
  const parts = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]]) {
    if (s >= size || parts.length) parts.push(`${Math.floor(s / size)}${unit}`);
    s %= size;
  }
  parts.push(`${s}s`);
  return parts.join("");
}

const isBytes = (field) => field.endsWith("_bytes");

function show(el, value, text) {
  el.dataset.value = String(value);
  el.textContent = text;
}

// ---------------------------------------------------------------------------------------------
// Status, errors, the token prompt

function status(state, text) {
  const el = $("#status");
  el.dataset.state = state;
  el.textContent = text;
}

function showError(text) {
  const el = $("#error");
  el.textContent = text;
  el.hidden = text === "";
}

function askForToken(message) {
  waitingForToken = true;
  showError("");
  status("auth", "token required");
  $("#token-message").textContent = message;
  $("#token-form").hidden = false;
  $("#token-input").focus();
}

$("#token-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const token = $("#token-input").value.trim();
  if (token === "") return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $("#token-input").value = "";
  $("#token-form").hidden = true;
  waitingForToken = false;
  status("connecting", "checking token…");
});

/** The error a monitoring endpoint sends as JSON (`{"error": "..."}`), else the body as text. */
async function errorText(res) {
  const body = await res.text();
  try {
    const json = JSON.parse(body);
    if (json && typeof json.error === "string") return json.error;
  } catch {
    // not JSON: the text itself
  }
  return body.trim() || `${res.status} ${res.statusText}`;
}

// ---------------------------------------------------------------------------------------------
// Charts

function push(series, v) {
  series.push(v);
  if (series.length > WINDOW) series.shift();
}

/** A round upper bound (1, 2 or 5 times a power of ten), so the axis label reads well. */
function niceMax(v) {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function el(name, attrs = {}) {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/**
 * Draws `lines` (value arrays, newest last, right-aligned) into an SVG whose viewBox is
 * (WINDOW - 1) x 100, scaled to a shared maximum. Returns that maximum.
 */
function plot(svg, lines, grid = true) {
  let max = 0;
  for (const { values } of lines) for (const v of values) if (v > max) max = v;
  max = niceMax(max);
  svg.replaceChildren();
  if (grid) for (const y of [25, 50, 75]) svg.append(el("line", { class: "grid", x1: 0, x2: WINDOW - 1, y1: y, y2: y }));
  for (const { values, cls } of lines) {
    const offset = WINDOW - values.length;
    const points = values.map((v, i) => `${i + offset},${(100 - (v / max) * 98).toFixed(2)}`).join(" ");
    svg.append(el("polyline", { class: cls, points }));
  }
  return max;
}

function drawChart(name, lines, format) {
  const fig = $(`[data-chart="${name}"]`);
  const max = plot(fig.querySelector("svg"), lines);
  show(fig.querySelector(".ymax"), max, `max ${format(max)}`);
}

// ---------------------------------------------------------------------------------------------
// One sample

function numbers(src) {
  const out = {};
  for (const k of ["connections", "total_connections", "leafnodes", "subscriptions", "slow_consumers", ...COUNTERS]) {
    out[k] = Number(src[k] ?? 0);
  }
  return out;
}

/** Per second, from two readings of a counter; a counter that went down (a restarted shard) reads 0. */
function rate(now, before, dt) {
  if (before === undefined || dt <= 0) return 0;
  const d = now - before;
  return d >= 0 ? d / dt : 0;
}

function sampleTime(varz) {
  const t = Date.parse(varz.now);
  return Number.isFinite(t) ? t / 1000 : performance.now() / 1000;
}

function render(varz) {
  const t = sampleTime(varz);
  const totals = numbers(varz);
  const shards = new Map((varz.shards ?? []).map((s) => [Number(s.shard), numbers(s)]));
  // Before the second reading there is no interval; a clock that did not advance gives none either.
  const dt = prev ? t - prev.t : 0;

  $("#server-name").textContent = varz.server_name || "nats-edge";
  $("#version").textContent = varz.version ? `v${varz.version}` : "";
  show($('[data-stat="uptime"]'), varz.uptime ?? "", uptime(varz.uptime));
  show($('[data-stat="num_shards"]'), varz.num_shards ?? shards.size, count(varz.num_shards ?? shards.size));

  for (const node of document.querySelectorAll("[data-stat]")) {
    const field = node.dataset.stat;
    if (!(field in totals)) continue;
    show(node, totals[field], isBytes(field) ? bytes(totals[field]) : count(totals[field]));
  }
  const rates = {};
  for (const field of COUNTERS) {
    rates[field] = rate(totals[field], prev?.totals[field], dt);
    const text = isBytes(field) ? `${bytes(rates[field])}/s` : `${perSec(rates[field])}/s`;
    if (prev) show($(`[data-rate="${field}"]`), rates[field], text);
  }

  if (prev && dt > 0) {
    for (const field of COUNTERS) push(history[field], rates[field]);
    push(history.connections, totals.connections);
    push(history.subscriptions, totals.subscriptions);
    drawChart("msgs", [{ values: history.in_msgs, cls: "s-in" }, { values: history.out_msgs, cls: "s-out" }], (v) => `${count(v)}/s`);
    drawChart("bytes", [{ values: history.in_bytes, cls: "s-in" }, { values: history.out_bytes, cls: "s-out" }], (v) => `${bytes(v)}/s`);
    drawChart("conns", [{ values: history.connections, cls: "s-third" }, { values: history.subscriptions, cls: "s-in" }], count);
  }

  // With REGIONS, each shard names its region; the table groups them under it.
  const regions = new Map((varz.shards ?? []).filter((s) => typeof s.region === "string").map((s) => [Number(s.shard), s.region]));
  renderShards(shards, regions, dt);
  prev = { t, totals, shards };
}

const SHARD_COLUMNS = ["connections", "total_connections", "subscriptions", "rate:in_msgs", "rate:out_msgs", "rate:in_bytes", "rate:out_bytes", "in_msgs", "out_msgs", "slow_consumers"];

function renderShards(shards, regions, dt) {
  const rows = [];
  let region = null;
  for (const [shard, s] of [...shards].sort((a, b) => a[0] - b[0])) {
    // A region's shards are numbered together: a heading row where the region changes.
    if (regions.has(shard) && regions.get(shard) !== region) {
      region = regions.get(shard);
      const head = document.createElement("tr");
      head.className = "region";
      head.dataset.region = region;
      const th = document.createElement("th");
      th.colSpan = SHARD_COLUMNS.length + 2;
      th.scope = "rowgroup";
      th.textContent = `region ${region}`;
      head.append(th);
      rows.push(head);
    }
    const before = prev?.shards.get(shard);
    const tr = document.createElement("tr");
    tr.dataset.shard = String(shard);
    const name = document.createElement("td");
    name.textContent = String(shard);
    tr.append(name);
    for (const col of SHARD_COLUMNS) {
      const td = document.createElement("td");
      td.className = "num";
      td.dataset.field = col;
      if (col.startsWith("rate:")) {
        const field = col.slice(5);
        const r = rate(s[field], before?.[field], dt);
        if (before) show(td, r, isBytes(field) ? `${bytes(r)}/s` : perSec(r));
        else td.textContent = "–";
      } else {
        show(td, s[col], count(s[col]));
      }
      tr.append(td);
    }
    let spark = shardHistory.get(shard);
    if (!spark) shardHistory.set(shard, (spark = []));
    if (before && dt > 0) push(spark, rate(s.in_msgs, before.in_msgs, dt) + rate(s.out_msgs, before.out_msgs, dt));
    const td = document.createElement("td");
    const svg = el("svg", { class: "spark", viewBox: `0 0 ${WINDOW - 1} 100`, preserveAspectRatio: "none" });
    plot(svg, [{ values: spark, cls: "s-in" }], false);
    td.append(svg);
    tr.append(td);
    rows.push(tr);
  }
  $("#shards tbody").replaceChildren(...rows);
}

// ---------------------------------------------------------------------------------------------
// Polling

async function poll() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  let res;
  try {
    // credentials: "omit" keeps the browser from answering the 401's Basic challenge with its
    // own login box: the token goes in the header set here, from the form below.
    res = await fetch("/varz", { headers, cache: "no-store", credentials: "omit" });
  } catch (e) {
    status("error", "unreachable");
    showError(`GET /varz failed: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  if (res.status === 401) {
    if (token) sessionStorage.removeItem(TOKEN_KEY);
    askForToken(await errorText(res));
    return;
  }
  if (!res.ok) {
    status("error", `HTTP ${res.status}`);
    showError(await errorText(res));
    return;
  }
  const varz = await res.json();
  showError("");
  render(varz);
  if (polls++ % JSZ_EVERY === 0) void pollJetStream(headers);
  const at = new Date().toLocaleTimeString();
  status("ok", `updated ${at}`);
  $("#status").dataset.updated = String(Date.now());
}

/** JetStream's totals: asked less often than /varz, since every shard is asked for its streams. */
const JSZ_EVERY = 5;
let polls = 0;

async function pollJetStream(headers) {
  try {
    const res = await fetch("/jsz", { headers, cache: "no-store", credentials: "omit" });
    if (!res.ok) return;
    const jsz = await res.json();
    show($('[data-js="streams"]'), jsz.streams, jsz.disabled ? "off" : count(jsz.streams));
    show($('[data-js="consumers"]'), jsz.consumers, count(jsz.consumers));
    show($('[data-js="bytes"]'), jsz.bytes, bytes(jsz.bytes));
  } catch {
    // The next round tries again; /varz reports what is wrong with the server.
  }
}

// A chain of timeouts, not an interval: a slow answer delays the next poll instead of stacking
// requests behind it.
async function loop() {
  const started = performance.now();
  if (!waitingForToken) {
    try {
      await poll();
    } catch (e) {
      status("error", "error");
      showError(`reading /varz: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  setTimeout(loop, Math.max(0, POLL_MS - (performance.now() - started)));
}

loop();
