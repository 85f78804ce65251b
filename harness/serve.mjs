// Serves Workers in one workerd process through the Miniflare API, as `npm start` does: the
// Worker is built as `wrangler deploy` builds it (the bundle and the pages; the bundle once for
// each state of the sources, bundle-cache.mjs), and its bindings, variables, Durable Objects
// and assets are read from its wrangler.toml by wrangler itself, so nothing here repeats the
// configuration. Unlike `wrangler dev` there is no second workerd
// proxying every connection: clients reach the runtime that runs the Worker.
import path from "node:path";
import { cachedBundle } from "./bundle-cache.mjs";
import { exposeGc, offlineEnv } from "./wrangler.mjs";

/**
 * The v4 (flat) Miniflare options of one Worker: its wrangler.toml read by wrangler, its bundle,
 * and `vars` laid over the configured variables (as `wrangler dev --var` does).
 */
async function workerOptions(configPath, vars, { pages }) {
  const { unstable_readConfig, unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const config = unstable_readConfig({ config: configPath });
  const bundle = await cachedBundle(configPath, config.build?.command);
  const { workerOptions: options } = unstable_getMiniflareWorkerOptions(config);
  if (!pages) delete options.assets;
  return {
    ...options,
    name: config.name,
    modules: [{ type: "ESModule", path: bundle }],
    modulesRoot: path.dirname(bundle),
    bindings: { ...options.bindings, ...vars },
  };
}

/**
 * What the Workers print on the console. The broker's log lines (JSON, src/durable/log.ts) go
 * to stdout as they are, warnings and errors too, so that `npm start | grep '^{' | jq` sees
 * them all, uncoloured; anything else is printed as Miniflare prints it (warnings and
 * errors, such as workerd's uncaught exceptions, to stderr).
 */
function printLog({ level, message }) {
  if (message.startsWith('{"time":')) process.stdout.write(`${message}\n`);
  else if (level === "error" || level === "warn") console.error(message);
  else console.log(message);
}

/**
 * Starts workerd with the Worker of `config` (and, before it, the Workers of `front`, which may
 * bind to it as a service; the first one listens). Returns { url, port, dispose }.
 * @param {object} o
 * @param {string} o.config          the served Worker's wrangler.toml
 * @param {string[]} [o.front]       wrangler.toml of Workers in front of it, in the same process
 * @param {string} [o.host]
 * @param {number} o.port
 * @param {Record<string,string>} [o.vars]   variables over wrangler.toml's (all Workers)
 * @param {string} o.persistTo       state directory (wrangler dev's --persist-to layout)
 * @param {boolean} [o.pages]        serve the static pages (default true)
 * @param {number} [o.inspectorPort] workerd's inspector, for CPU profiles
 */
export async function serve({ config, front = [], host = "127.0.0.1", port, vars = {}, persistTo, pages = true, inspectorPort }) {
  Object.assign(process.env, offlineEnv, exposeGc(process.env));
  const { Miniflare, Log, LogLevel, convertV4MiniflareOptions } = await import("miniflare");
  const configs = [...front, config].map((c) => path.resolve(c));
  const workers = [];
  for (const c of configs) workers.push(await workerOptions(c, vars, { pages }));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host,
      port,
      inspectorPort,
      // wrangler dev keeps its state in <persist-to>/v3: the same directory serves both.
      resourcePersistencePath: path.join(persistTo, "v3"),
      durableObjectsPersist: path.join(persistTo, "v3", "do"),
      // Offline: request.cf gets Miniflare's placeholder instead of a download.
      cf: false,
      log: new Log(LogLevel.WARN),
      handleStructuredLogs: printLog,
      workers,
    }),
  );
  const url = await mf.ready;
  return { url: url.toString(), port: Number(url.port), dispose: () => mf.dispose() };
}
