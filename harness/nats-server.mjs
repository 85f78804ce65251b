// Starts the reference nats-server (when it is on PATH) with a WebSocket listener on loopback,
// detached in its own process group, from a temporary config file: a minimal one, or a given
// configuration document (JSON, which nats-server reads as its own format) with the listener
// filled in. With JetStream on, its store is a directory in the same temporary directory, so
// every start begins empty and nothing is left behind when it stops.
import { execFileSync, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePorts, processGroup, retryOnTakenPort, rssKiB, sleep } from "./process.mjs";

/** Absolute path of `nats-server` on PATH (plus /usr/sbin, where Debian puts it), or null. */
export function findNatsServer() {
  const dirs = (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/local/sbin", "/usr/local/bin"]);
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, "nats-server");
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

export function natsServerVersion(bin) {
  try {
    return execFileSync(bin, ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

/**
 * @param {string} bin
 * @param {object} [o]
 * @param {number} [o.readyTimeoutMs]
 * @param {boolean} [o.compression]  permessage-deflate on the WebSocket listener
 * @param {boolean} [o.jetstream]  JetStream on (as `-js`), also when the document does not say so
 * @param {number} [o.wsPort]  the WebSocket listener's port (to start again where clients reconnect); default: a free one
 * @param {Record<string, unknown>} [o.config]  a configuration document (nats-server's field
 *   names, as JSON); its `websocket` block gets `listen` (a free loopback port) and `no_tls`, and
 *   the client port and address come from the command line, so the document itself needs no
 *   listener settings. When it turns JetStream on (`"enabled"`, `true` or a block), the block
 *   gets a `store_dir` of its own. The document as written is the result's `config`.
 */
export function startNatsServer(bin, o = {}) {
  return retryOnTakenPort(() => startOnce(bin, o), o.wsPort !== undefined);
}

async function startOnce(bin, { readyTimeoutMs = 15_000, compression = false, jetstream = false, config, ...o }) {
  const tmp = mkdtempSync(path.join(tmpdir(), "nats-edge-nats-server-"));
  const storeDir = path.join(tmp, "jetstream");
  const [port, freeWs] = await freePorts(2);
  const wsPort = o.wsPort ?? freeWs;
  let conf;
  let args;
  let written;
  if (config === undefined) {
    conf = path.join(tmp, "nats.conf");
    writeFileSync(
      conf,
      [
        `host: "127.0.0.1"`,
        `port: ${port}`,
        `websocket {`,
        `  listen: "127.0.0.1:${wsPort}"`,
        `  no_tls: true`,
        ...(compression ? [`  compression: true`] : []),
        `}`,
        ...(jetstream ? [`jetstream {`, `  store_dir: ${JSON.stringify(storeDir)}`, `}`] : []),
        ``,
      ].join("\n"),
    );
    args = ["-c", conf];
  } else {
    written = {
      ...config,
      websocket: {
        ...config.websocket,
        listen: `127.0.0.1:${wsPort}`,
        no_tls: true,
        ...(compression ? { compression: true } : {}),
      },
    };
    const js = jetStreamBlock(config.jetstream, jetstream);
    if (js !== null) written.jetstream = { ...js, store_dir: storeDir };
    conf = path.join(tmp, "nats.json");
    writeFileSync(conf, JSON.stringify(written, null, 2) + "\n");
    args = ["-c", conf, "-a", "127.0.0.1", "-p", String(port)];
  }
  const child = spawn(bin, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const g = processGroup(child, tmp, "nats-server");
  const { pgid, output, exited, stop } = g;
  let stopReadyLines = () => {};
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server not ready after ${readyTimeoutMs} ms:\n${output()}`)), readyTimeoutMs);
      stopReadyLines = g.onOutput(() => {
        if (output().includes("Server is ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited (code ${code}, signal ${signal}):\n${output()}`));
      });
    }).finally(() => stopReadyLines());
  } catch (err) {
    await stop();
    throw err;
  }
  await sleep(50);
  return {
    name: "nats-server",
    url: `ws://127.0.0.1:${wsPort}`,
    /** The client (TCP) port, for the official TCP client. */
    clientPort: port,
    /** The configuration document it runs, when started from one. */
    config: written,
    port: wsPort,
    pgid,
    output,
    exited,
    rss: () => ({ kib: rssKiB(pgid), processes: exited() ? 0 : 1 }),
    cpuParts: () => [{ pid: pgid, label: "nats-server" }],
    rssParts: () => ({ "nats-server": rssKiB(pgid) }),
    restart: () => startNatsServer(bin, { readyTimeoutMs, compression, jetstream, config, ...o }),
    stop,
  };
}

/**
 * The document's `jetstream` as a block when JetStream is to be on (nats-server reads `true`,
 * `"enabled"` and a block without `enabled: false` as on), or null when it stays off.
 */
function jetStreamBlock(value, force) {
  if (value !== null && typeof value === "object") return value.enabled === false && !force ? null : { ...value };
  const on = value === true || (typeof value === "string" && /^enabled?$/i.test(value));
  return on || force ? {} : null;
}
