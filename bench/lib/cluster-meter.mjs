// What crossing shards costs in a cross-shard scenario (targets: "cluster"), from the broker's
// own counters, and the URL that pins a connection to a shard.

/** The URL for a connection hosted by `shard` (`?shard=N`); a single-shard broker has one host. */
export function at(target, shard) {
  return target.shards > 1 && shard !== undefined ? `${target.url}/?shard=${shard}` : target.url;
}

const clusterKeys = ["routeCalls", "watchCalls", "registerCalls", "routedMessages", "droppedMessages"];

/** The cluster counters of /healthz summed over shards; each shard's directory keys and connections. */
async function clusterCounters(target) {
  const h = await target.health();
  const sum = Object.fromEntries(clusterKeys.map((k) => [k, 0]));
  const keys = [];
  const conns = [];
  for (const s of h.shards) {
    for (const k of clusterKeys) sum[k] += s.cluster?.[k] ?? 0;
    keys[s.shard] = s.directory?.keys ?? 0;
    conns[s.shard] = s.connections;
  }
  return { sum, keys, conns };
}

/**
 * What crossing shards costs during one run, from the broker's own counters (GET /healthz, summed
 * over shards): null on a single-shard broker, which has no cluster. `start()` takes the baseline,
 * `checkPlacement(owner, hosts)` (after subscribing) says in a note if the subject's key landed on
 * another owner than src/protocol/shardkey.ts predicted, or the subscribers' connections on other
 * shards than `hosts`; `end(deliveries)` returns the figures (`what` names what `deliveries` counts).
 */
export function clusterMeter(target, ctx) {
  if (!(target.shards > 1)) return null;
  let base;
  return {
    async start() {
      base = await clusterCounters(target);
    },
    async checkPlacement(owner, hosts) {
      const now = await clusterCounters(target);
      const grew = now.keys.map((n, i) => (n > (base.keys[i] ?? 0) ? i : -1)).filter((i) => i >= 0);
      if (grew.length !== 1 || grew[0] !== owner) {
        ctx.notes.push(`placement check: the subject's key should be owned by shard ${owner}; directories grew on shard(s) [${grew.join(", ")}]`);
      }
      const want = now.conns.map((_, i) => hosts.filter((h) => h === i).length);
      const got = now.conns.map((n, i) => n - (base.conns[i] ?? 0));
      if (want.join() !== got.join()) {
        ctx.notes.push(`placement check: new connections per shard should be [${want.join(", ")}], are [${got.join(", ")}]`);
      }
    },
    /** The deltas since start() as figures (kind "cost"), per `per` of `what`. */
    async end(deliveries, per = 1000, what = "deliveries") {
      const d = (await clusterCounters(target)).sum;
      for (const k of clusterKeys) d[k] -= base.sum[k];
      if (d.droppedMessages > 0) ctx.notes.push(`the broker counted ${d.droppedMessages} dropped messages (droppedMessages)`);
      const calls = d.routeCalls + d.watchCalls + d.registerCalls;
      const rate = (x) => (deliveries > 0 ? (x * per) / deliveries : NaN);
      const unit = per === 1 ? "per requester" : `per ${per.toLocaleString("en-US")} ${what}`;
      const f = (figure, value, u = unit) => ({ figure, unit: u, value, better: "lower", kind: "cost" });
      return {
        figures: [
          f("DO calls (route+watch+register)", rate(calls)),
          f("route calls", rate(d.routeCalls)),
          f("watch calls", rate(d.watchCalls)),
          f("register calls", rate(d.registerCalls)),
          { ...f("records per route call", d.routeCalls ? d.routedMessages / d.routeCalls : NaN, "records"), better: "higher" },
          f("dropped messages", d.droppedMessages, "msg"),
        ],
        detail: [
          `cluster counters over the run: ${clusterKeys.map((k) => `${k} ${d[k]}`).join(", ")}; ${deliveries} deliveries`,
        ],
      };
    },
  };
}

/** Adds a cluster meter's figures (if any) to a scenario's result. */
export function withCost(result, cost) {
  if (!cost) return result;
  result.figures.push(...cost.figures);
  result.detail = [...(result.detail ?? []), ...cost.detail];
  return result;
}

