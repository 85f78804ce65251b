// nats-server's HTTP monitoring endpoints (server/monitor.go; docs.nats.io, "Monitoring")
// for the whole broker: /varz, /connz, /subsz (/subscriptionsz), /accountz, /leafz and /jsz. Every
// shard is asked for its part at once and the answers are merged here, so tools made
// for nats-server (prometheus-nats-exporter, nats-top) see nats-edge as one server.
// Query parameters, defaults, sort orders and error texts are nats-server's.

import { Hono, type Context } from "hono";
import {
  addCounts,
  compareConns,
  compareSubs,
  CONN_SORTS,
  emptyCounts,
  type ConnSort,
  type ConnState,
  type MonitorQuery,
  type MonitorReport,
} from "../durable/monitor/report.js";
import type { JetStreamReport } from "../durable/jetstream/report.js";
import { serverId } from "../durable/names.js";
import type { Settings } from "../durable/settings.js";
import type { ShardEnv } from "../durable/shard.js";
import { GLOBAL_ACCOUNT } from "../protocol/account.js";
import { authorizationConfigured } from "../protocol/auth.js";
import { decodeClaims } from "../protocol/jwt-claims.js";
import { describeServer } from "../protocol/server-info.js";
import { accountJetStream } from "../protocol/config-jetstream.js";
import { rfc3339 as rfc3339Nano } from "../protocol/jetstream/time.js";
import { isValidLiteralSubject } from "../protocol/subject.js";
import type { SublistCounts } from "../protocol/sublist.js";
import { monitorRefusal } from "./monitor-guard.js";
import { connInfo, durationNs, rfc3339, subDetail, sublistStats, uptime } from "./monitor-json.js";
import { startLeafLinks, checkedSettings, shard, withRegion, workerLog } from "./shards.js";

type Env = { Bindings: ShardEnv };
type Ctx = Context<Env>;

/** nats-server's DefaultConnListSize and DefaultSubListSize. */
const DEFAULT_LIST_SIZE = 1024;

export const monitoring = new Hono<Env>();

/** A query parameter nats-server would refuse: HTTP 400 with its text. */
class BadRequest extends Error {}

class ShardUnavailable extends Error {}

type Handler = (c: Ctx, settings: Settings) => Promise<Response>;

/** Settings checked, the caller admitted, and failures answered as JSON. */
function endpoint(handler: Handler): (c: Ctx) => Promise<Response> {
  return async (c) => {
    const settings = checkedSettings(c.env);
    if (typeof settings === "string") return c.json({ error: `nats-edge cannot serve: ${settings}` }, 503);
    const refused = await monitorRefusal(c.req.raw, settings);
    if (refused !== null) return refused;
    try {
      return await handler(c, settings);
    } catch (e) {
      if (e instanceof BadRequest) return c.json({ error: e.message }, 400);
      if (e instanceof ShardUnavailable) {
        workerLog(c.env).warn("shard unavailable", { route: new URL(c.req.url).pathname, error: e.message });
        return c.json({ error: e.message }, 503);
      }
      throw e;
    }
  };
}

/** Every shard's answer, asked in parallel; one that fails fails the request, naming the shard. */
async function ask<K extends MonitorQuery["kind"]>(
  c: Ctx,
  settings: Settings,
  query: Extract<MonitorQuery, { kind: K }>,
): Promise<Extract<MonitorReport, { kind: K }>[]> {
  return Promise.all(
    Array.from({ length: settings.shards }, async (_, i) => {
      try {
        // A shard answers a query with a report of the same kind.
        return (await shard(c.env, settings, i).monitor(query)) as Extract<MonitorReport, { kind: K }>;
      } catch (e) {
        throw new ShardUnavailable(`shard ${i} unavailable: ${String(e)}`);
      }
    }),
  );
}

// ---- query parameters, decoded as nats-server's decodeInt, decodeBool, decodeState -----------------

function param(c: Ctx, name: string): string {
  return c.req.query(name) ?? "";
}

function intParam(c: Ctx, name: string): number {
  const raw = param(c, name);
  if (raw === "") return 0;
  if (!/^[+-]?\d{1,15}$/.test(raw)) throw new BadRequest(`Error decoding int for '${name}': ${JSON.stringify(raw)} is not a whole number`);
  return Number(raw);
}

/** Go's strconv.ParseBool. */
function boolParam(c: Ctx, name: string): boolean {
  const raw = param(c, name);
  if (raw === "") return false;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(raw)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(raw)) return false;
  throw new BadRequest(`Error decoding boolean for '${name}': ${JSON.stringify(raw)} is not a boolean`);
}

function stateParam(c: Ctx): ConnState {
  const raw = param(c, "state");
  switch (raw.toLowerCase()) {
    case "":
    case "open":
      return "open";
    case "closed":
      return "closed";
    case "any":
    case "all":
      return "all";
  }
  throw new BadRequest(`Error decoding state for ${raw}`);
}

function page(c: Ctx): { offset: number; limit: number } {
  const offset = Math.max(0, intParam(c, "offset"));
  const limit = intParam(c, "limit");
  return { offset, limit: limit > 0 ? limit : DEFAULT_LIST_SIZE };
}

/** The port the Worker was reached on, as INFO reports it. */
function portOf(url: URL): number {
  return Number(url.port || (url.protocol === "https:" ? 443 : 80));
}

// ---- /varz -------------------------------------------------------------------------------------------

monitoring.get(
  "/varz",
  endpoint(async (c, settings) => {
    const reports = await ask(c, settings, { kind: "varz" });
    const now = Date.now();
    const start = Math.min(...reports.map((r) => r.start));
    const shards = reports.map((r) => r.stats);
    const total = (field: Exclude<keyof (typeof shards)[number], "shard">) => shards.reduce((n, s) => n + s[field], 0);
    const url = new URL(c.req.url);
    const port = portOf(url);
    const tls = url.protocol === "https:";
    const config = settings.config;
    // One server for the whole deployment; INFO names the shard a client reached instead.
    const varz = describeServer({ id: serverId(c.env.SHARD), name: "nats-edge", host: url.hostname, port });
    if (authorizationConfigured(config) || !settings.allowAnonymous) varz.auth_required = true;
    varz.max_connections = settings.maxConnections;
    if (settings.maxSubscriptions > 0) varz.max_subscriptions = settings.maxSubscriptions;
    Object.assign(varz, {
      ping_interval: durationNs(settings.pingIntervalMs),
      ping_max: settings.pingMax,
      // Monitoring shares the clients' host and port.
      http_host: url.hostname,
      http_port: tls ? 0 : port,
      http_base_path: "",
      https_port: tls ? port : 0,
      auth_timeout: config.authTimeoutMs / 1000,
      max_control_line: settings.maxControlLine,
      max_payload: settings.maxPayload,
      max_pending: settings.maxPending,
      websocket: websocketVarz(settings, url.hostname, port, tls),
      start: rfc3339(start),
      now: rfc3339(now),
      uptime: uptime(now - start),
      connections: total("connections"),
      total_connections: total("total_connections"),
      routes: 0,
      remotes: 0,
      leafnodes: total("leafnodes"),
      in_msgs: total("in_msgs"),
      out_msgs: total("out_msgs"),
      in_bytes: total("in_bytes"),
      out_bytes: total("out_bytes"),
      slow_consumers: total("slow_consumers"),
      subscriptions: total("subscriptions"),
    });
    const system = config.operator?.systemAccount ?? null;
    if (system !== null) varz.system_account = system;
    varz.num_shards = settings.shards;
    varz.shards = shards.map((r) => withRegion(settings, r.shard, r));
    if (settings.regions.length > 0) varz.regions = settings.regions;
    return c.json(varz);
  }),
);

/** nats-server's WebsocketOptsVarz, every field of which is left out when empty. */
function websocketVarz(settings: Settings, host: string, port: number, tls: boolean): Record<string, unknown> {
  const ws = settings.config.websocket;
  const out: Record<string, unknown> = { host, port };
  if (ws.jwtCookie !== null) out.jwt_cookie = ws.jwtCookie;
  if (!tls) out.no_tls = true;
  if (ws.sameOrigin) out.same_origin = true;
  if (ws.allowedOrigins.length > 0) out.allowed_origins = ws.allowedOrigins;
  return out;
}

// ---- /connz ------------------------------------------------------------------------------------------

monitoring.get(
  "/connz",
  endpoint(async (c, settings) => {
    const sortText = param(c, "sort");
    const sort = (sortText === "" ? "cid" : sortText) as ConnSort;
    if (!CONN_SORTS.includes(sort)) throw new BadRequest(`invalid sorting option: ${sortText}`);
    const auth = boolParam(c, "auth");
    const subs = param(c, "subs").toLowerCase() === "detail" ? "detail" : boolParam(c, "subs") ? "list" : "";
    let { offset, limit } = page(c);
    const cid = intParam(c, "cid");
    if (cid < 0) throw new BadRequest(`Error decoding uint64 for 'cid': ${cid} is negative`);
    const state = stateParam(c);
    if (sort === "stop" && state !== "closed") throw new BadRequest("sort by stop only valid on closed connections");
    if (sort === "reason" && state !== "closed") throw new BadRequest("sort by reason only valid on closed connections");
    if (cid > 0) limit = 1;
    const now = Date.now();
    const reports = await ask(c, settings, {
      kind: "connz",
      sort,
      state,
      cid,
      user: param(c, "user"),
      account: param(c, "acc"),
      subs: subs !== "",
      take: offset + limit,
      now,
    });
    const conns = reports
      .flatMap((r) => r.conns)
      .sort(compareConns(sort, now))
      .slice(offset, offset + limit);
    return c.json({
      server_id: serverId(c.env.SHARD),
      now: rfc3339(now),
      num_connections: conns.length,
      total: reports.reduce((n, r) => n + r.total, 0),
      offset,
      limit,
      // A cid tells the shard that handed it out (Host.open), and so the connection's region.
      connections: conns.map((r) => withRegion(settings, (r.cid - 1) % settings.shards, connInfo(r, { now, subs, auth, globalAccount: GLOBAL_ACCOUNT }))),
    });
  }),
);

// ---- /subsz ------------------------------------------------------------------------------------------

const subsz = endpoint(async (c, settings) => {
  const list = boolParam(c, "subs");
  const { offset, limit } = page(c);
  const test = param(c, "test");
  if (test !== "" && !isValidLiteralSubject(test)) throw new BadRequest(`invalid test subject, must be valid publish subject: ${test}`);
  const reports = await ask(c, settings, { kind: "subsz", account: param(c, "acc"), test, list, take: offset + limit });
  const counts = emptyCounts();
  for (const r of reports) addCounts(counts, r.counts);
  const subs = reports
    .flatMap((r) => r.subs)
    .sort(compareSubs)
    .slice(offset, offset + limit);
  // nats-server answers with the statistics alone when it lists nothing.
  if (subs.length === 0) return c.json(sublistStats(counts));
  return c.json({
    server_id: serverId(c.env.SHARD),
    now: rfc3339(Date.now()),
    ...sublistStats(counts),
    total: reports.reduce((n, r) => n + r.total, 0),
    offset,
    limit,
    subscriptions_list: subs.map((s) => subDetail(s, true)),
  });
});

monitoring.get("/subsz", subsz);
monitoring.get("/subscriptionsz", subsz);

// ---- /leafz ------------------------------------------------------------------------------------------

monitoring.get(
  "/leafz",
  endpoint(async (c, settings) => {
    startLeafLinks(c.env, settings, c.executionCtx);
    const reports = await ask(c, settings, { kind: "leafz", account: param(c, "acc"), subs: boolParam(c, "subs") });
    const leafs = reports.flatMap((r) => r.leafs).sort((a, b) => a.id - b.id);
    const out: Record<string, unknown> = {
      server_id: serverId(c.env.SHARD),
      now: rfc3339(Date.now()),
      leafnodes: leafs.length,
      // A leaf's id is a connection id, which tells the shard (and region) it reached, as in /connz.
      leafs: leafs.map((l) => withRegion(settings, (l.id - 1) % settings.shards, l)),
    };
    // nats-edge's own addition: the hubs it dials (leafnodes.remotes), up or not.
    const remotes = reports.flatMap((r) => r.remotes);
    if (remotes.length > 0) out.remotes = remotes;
    return c.json(out);
  }),
);

// ---- /accountz ---------------------------------------------------------------------------------------

monitoring.get(
  "/accountz",
  endpoint(async (c, settings) => {
    const reports = await ask(c, settings, { kind: "accountz" });
    const live = new Map<string, { connections: number; leafnodes: number; counts: SublistCounts }>();
    for (const r of reports) {
      for (const a of r.accounts) {
        let sum = live.get(a.name);
        if (sum === undefined) live.set(a.name, (sum = { connections: 0, leafnodes: 0, counts: emptyCounts() }));
        sum.connections += a.connections;
        sum.leafnodes += a.leafnodes;
        addCounts(sum.counts, a.counts);
      }
    }
    const config = settings.config;
    const jwts = config.operator?.accounts ?? new Map<string, string>();
    const names = [...new Set([GLOBAL_ACCOUNT, ...config.accounts, ...jwts.keys(), ...live.keys()])].sort();
    const system = config.operator?.systemAccount ?? null;
    const out: Record<string, unknown> = { server_id: serverId(c.env.SHARD), now: rfc3339(Date.now()) };
    if (system !== null) out.system_account = system;
    const name = param(c, "acc");
    if (name === "") {
      out.accounts = names;
      return c.json(out);
    }
    if (!names.includes(name)) throw new BadRequest(`Account ${name} does not exist`);
    const sum = live.get(name) ?? { connections: 0, leafnodes: 0, counts: emptyCounts() };
    const detail: Record<string, unknown> = { account_name: name };
    if (name === system) detail.is_system = true;
    const claims = accountClaims(jwts.get(name));
    Object.assign(detail, {
      expired: claims !== null && claims.exp > 0 && claims.exp * 1000 <= Date.now(),
      complete: true,
      jetstream_enabled: accountJetStream(settings.config.jetstream, name) !== null,
      leafnode_connections: sum.leafnodes,
      client_connections: sum.connections,
      subscriptions: sum.counts.subscriptions,
    });
    if (claims !== null) {
      detail.jwt = claims.jwt;
      if (claims.issuer !== "") detail.issuer_key = claims.issuer;
      if (claims.name !== "") detail.name_tag = claims.name;
    }
    detail.sublist_stats = sublistStats(sum.counts);
    out.account_detail = detail;
    return c.json(out);
  }),
);

/** What account_detail shows of an operator-mode account's JWT (checked when the configuration was read). */
function accountClaims(jwt: string | undefined): { jwt: string; issuer: string; name: string; exp: number } | null {
  if (jwt === undefined) return null;
  try {
    const c = decodeClaims(jwt);
    return {
      jwt,
      issuer: typeof c.iss === "string" ? c.iss : "",
      name: typeof c.name === "string" ? c.name : "",
      exp: typeof c.exp === "number" ? c.exp : 0,
    };
  } catch {
    return null;
  }
}

// ---- /jsz --------------------------------------------------------------------------------------------

/** nats-server's JSInfo: JetStream's totals, and with `accounts`, `streams`, `consumers`, `config` the details. */
monitoring.get(
  "/jsz",
  endpoint(async (c, settings) => {
    const js = settings.config.jetstream;
    const accounts = boolParam(c, "accounts");
    const streams = boolParam(c, "streams");
    const consumers = boolParam(c, "consumers");
    const config = boolParam(c, "config");
    const only = param(c, "acc");
    const { offset, limit } = page(c);
    const reports = await Promise.all(
      Array.from({ length: settings.shards }, async (_, i) => {
        try {
          // Plain JSON-shaped data; the RPC types cannot see through its open records.
          return (await shard(c.env, settings, i).jetstreamReport()) as unknown as JetStreamReport;
        } catch (e) {
          throw new ShardUnavailable(`shard ${i} unavailable: ${String(e)}`);
        }
      }),
    );
    const all = reports.flatMap((r) => r.streams).sort((a, b) => (a.account + a.name < b.account + b.name ? -1 : 1));
    const byAccount = new Map<string, typeof all>();
    for (const s of all) {
      const list = byAccount.get(s.account);
      if (list === undefined) byAccount.set(s.account, [s]);
      else list.push(s);
    }
    // What the streams' max_bytes reserve, as account info reports it (jetstream/account-api.ts).
    const reserved = (list: typeof all, memory: boolean) =>
      list.reduce((n, s) => (s.memory === memory && Number(s.config.max_bytes) > 0 ? n + Number(s.config.max_bytes) : n), 0);
    const stats = (list: typeof all) => ({
      memory: list.reduce((n, s) => n + (s.memory ? s.bytes : 0), 0),
      storage: list.reduce((n, s) => n + (s.memory ? 0 : s.bytes), 0),
      reserved_memory: reserved(list, true),
      reserved_storage: reserved(list, false),
      accounts: new Set(list.map((s) => s.account)).size,
      ha_assets: 0,
      api: { total: 0, errors: 0 },
    });
    const body: Record<string, unknown> = {
      ...stats(all),
      server_id: serverId(c.env.SHARD),
      now: rfc3339(Date.now()),
    };
    if (!js.enabled) body.disabled = true;
    body.config = { max_memory: js.maxMemory, max_storage: js.maxStorage };
    body.streams = all.length;
    body.consumers = all.reduce((n, s) => n + s.consumers.length, 0);
    body.messages = all.reduce((n, s) => n + s.messages, 0);
    body.bytes = all.reduce((n, s) => n + s.bytes, 0);
    if (accounts || only !== "") {
      const names = [...byAccount.keys()].filter((a) => only === "" || a === only);
      body.account_details = names.slice(offset, offset + limit).map((name) => {
        const list = byAccount.get(name)!;
        const detail: Record<string, unknown> = { name, id: name, ...stats(list) };
        if (streams || consumers || config) {
          detail.stream_detail = list.map((s) => {
            const d: Record<string, unknown> = { name: s.name, created: rfc3339Nano(s.created) };
            if (config) d.config = s.config;
            d.state = s.state;
            if (consumers && s.consumers.length > 0) d.consumer_detail = s.consumers;
            return d;
          });
        }
        return detail;
      });
    }
    body.total = byAccount.size;
    return c.json(body);
  }),
);
