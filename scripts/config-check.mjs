#!/usr/bin/env node
// Checks a configuration document (what NATS_CONFIG holds) with the broker's
// own parser, so a file can be validated before it is deployed:
//
//   npm run config:check nats.json
//
// Prints "<file>: valid" and what the broker will do with it, exit status 0;
// or the first problem, exit status 1; without a file, the usage, status 2.
// The parser is TypeScript: esbuild (installed with wrangler) bundles it into
// a temporary module first.

import { build } from "esbuild";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

async function loadParser() {
  const out = await build({
    entryPoints: [path.join(root, "src/protocol/config.ts")],
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    // tweetnacl (under @nats-io/nkeys) is CommonJS and requires node:crypto.
    banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
    logLevel: "silent",
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nats-edge-config-"));
  const file = path.join(dir, "config.mjs");
  try {
    fs.writeFileSync(file, out.outputFiles[0].contents);
    return await import(pathToFileURL(file).href);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const short = (key) => `${key.slice(0, 8)}…`;

function authSummary(c) {
  if (c.operator) {
    const o = c.operator;
    const sys = o.systemAccount ? `, system account ${short(o.systemAccount)}` : "";
    return `Operator mode: ${plural(o.operators.length, "trusted operator")}, ${plural(o.accounts.size, "preloaded account")}${sys}; clients log in with user JWTs.`;
  }
  const parts = [];
  if (c.token) parts.push("a token");
  if (c.users.length > 0) {
    const byAccount = new Map(c.accounts.map((a) => [a, []]));
    for (const u of c.users) byAccount.get(u.account).push(u.user ?? `nkey ${short(u.nkey)}`);
    const list = [...byAccount]
      .filter(([, names]) => names.length > 0)
      .map(([a, names]) => `${a}: ${names.join(", ")}`)
      .join("; ");
    parts.push(`${plural(c.users.length, "user")} (${list})`);
  }
  if (parts.length === 0) return "No authentication: every client is accepted into account $G.";
  const anon = c.noAuthUser ? ` Clients without credentials log in as ${c.noAuthUser}.` : "";
  return `Authentication by ${parts.join(" or ")}.${anon}`;
}

function limitsSummary(c) {
  const limits = [
    ["max_payload", c.maxPayload],
    ["max_connections", c.maxConnections],
    ["max_subscriptions", c.maxSubscriptions === 0 ? "0 (no limit)" : c.maxSubscriptions],
    ["max_control_line", c.maxControlLine],
    ["max_pending", c.maxPending],
    ["ping_interval", c.pingIntervalMs === null ? null : `${c.pingIntervalMs} ms`],
    ["ping_max", c.pingMax],
  ];
  const set = limits.filter(([, v]) => v !== null).map(([k, v]) => `${k} ${v}`);
  const unset = limits.filter(([, v]) => v === null).map(([k]) => k);
  const a = set.length > 0 ? `Limits: ${set.join(", ")}.` : "";
  const b = unset.length > 0 ? ` From the environment or the defaults: ${unset.join(", ")}.` : "";
  return `${a}${b} Authentication timeout ${c.authTimeoutMs} ms.`.trim();
}

function websocketSummary(ws) {
  const parts = [];
  if (ws.sameOrigin) parts.push("same origin required");
  if (ws.allowedOrigins.length > 0) parts.push(`origins allowed: ${ws.allowedOrigins.join(", ")}`);
  const cookies = [
    ["JWT", ws.jwtCookie],
    ["token", ws.tokenCookie],
    ["user", ws.usernameCookie],
    ["password", ws.passwordCookie],
  ].filter(([, v]) => v !== null);
  if (cookies.length > 0) parts.push(`credentials from cookies (${cookies.map(([k, v]) => `${k}: ${v}`).join(", ")})`);
  return parts.length > 0 ? `WebSocket: ${parts.join("; ")}.` : "WebSocket: any origin.";
}

const file = process.argv[2];
if (file === undefined || file === "-h" || file === "--help") {
  console.error("usage: npm run config:check <file.json>\n\nChecks a nats-edge configuration document (the NATS_CONFIG setting).");
  process.exit(2);
}

let text;
try {
  text = fs.readFileSync(file, "utf8");
} catch (e) {
  console.error(`${file}: cannot read: ${e.message}`);
  process.exit(1);
}

const { parseConfig, ConfigError } = await loadParser();
try {
  const c = parseConfig(text);
  console.log(`${file}: valid`);
  console.log([authSummary(c), limitsSummary(c), websocketSummary(c.websocket)].join(" "));
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(`${file}: ${e.message}`);
  process.exit(1);
}
