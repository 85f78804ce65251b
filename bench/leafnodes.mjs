// Leafnode scenarios (`npm run bench -- --only leafnodes`): throughput across a leafnode link, with
// a nats-server leaf joined to a hub over WebSocket, as a leaf joins nats-edge. Two hubs, same
// leaf configuration, same clients: nats-edge (the run's single-shard broker) and, for
// reference, nats-server with a WebSocket listener and leafnodes on. The publisher is on one side
// and the subscriber on the other: the official TCP client (@nats-io/transport-node) on the leaf,
// @nats-io/nats-core wsconnect on the hub, as users of each would connect.
import { connect as tcpConnect } from "@nats-io/transport-node";
import { connect } from "./lib/client.mjs";
import { counter, counting, publishAll } from "./scenarios.mjs";
import { freePorts } from "../harness/process.mjs";
import { startNatsServer } from "../harness/nats-server.mjs";
import { payload, waitCount, waitFor } from "./lib/util.mjs";

const MB = 1e6;
let seq = 0;

/**
 * The two targets: a nats-server leaf of `edge` (its remote is ws://…/leafnode on nats-edge), and a
 * nats-server leaf of a nats-server hub (ws:// to the hub's WebSocket listener). Each target is the
 * hub's WebSocket URL for its clients, the leaf's client port, and both processes for the CPU figures.
 */
export async function startLeafTargets(natsBin, edge) {
  const [leafPort] = await freePorts(1);
  const hub = await startNatsServer(natsBin, { config: { leafnodes: { listen: `127.0.0.1:${leafPort}` } } });
  const pair = async (name, hubTarget, remoteUrl) => {
    const leaf = await startNatsServer(natsBin, { config: { leafnodes: { remotes: [{ url: remoteUrl }] } } });
    return {
      name,
      url: hubTarget.url,
      leafPort: leaf.clientPort,
      cpuParts: () => [...(hubTarget.cpuParts?.() ?? []), { pid: leaf.pgid, label: "leaf nats-server" }],
      exited: () => hubTarget.exited() || leaf.exited(),
      output: () => hubTarget.output(),
      stop: () => leaf.stop(),
    };
  };
  const viaServer = await pair("nats-server hub", hub, hub.url);
  const viaEdge = await pair("nats-edge hub", edge, edge.url);
  return {
    targets: [viaServer, viaEdge],
    stop: async () => {
      await viaServer.stop();
      await viaEdge.stop();
      await hub.stop();
    },
  };
}

/**
 * `count` messages of `size` bytes from one side of the link to the other: `up` from a publisher
 * on the leaf to a subscriber on the hub, `down` the other way. Probes of one byte are published
 * until one arrives, so the link knows of the subscription before the measured messages go.
 */
async function acrossLink(target, ctx, { count, size, direction }) {
  const subject = `bench.leaf.${process.pid}.${++seq}`;
  const onLeaf = await tcpConnect({ servers: `127.0.0.1:${target.leafPort}`, reconnect: false });
  ctx.conns.add(onLeaf);
  const onHub = await connect(target.url, { ctx });
  const [pub, sub] = direction === "up" ? [onLeaf, onHub] : [onHub, onLeaf];
  const c = counter();
  let probes = 0;
  const tally = counting(c, () => (ctx.received = c.n));
  sub.subscribe(subject, { callback: (err, m) => (m?.data.length === 1 ? probes++ : tally(err, m)) });
  await sub.flush();
  const probe = new Uint8Array([0x70]);
  await waitFor(
    () => {
      if (probes === 0) pub.publish(subject, probe);
      return probes > 0;
    },
    10_000,
    { everyMs: 20, abort: () => ctx.aborted },
  );
  if (probes === 0) throw new Error("the subscription never reached the other side of the link");
  const cpu = ctx.startCpu();
  const sent = await publishAll(ctx, pub, subject, payload(size), count, (s) => s - c.n);
  await waitCount(() => c.n, sent, { abort: () => ctx.aborted, deadline: ctx.deadline });
  cpu();
  const secs = (c.last - c.first) / 1000;
  return {
    figures: [
      { figure: "msgs/s", unit: "msg/s", value: c.n > 1 ? c.n / secs : NaN },
      { figure: "MB/s", unit: "MB/s", value: c.n > 1 ? (c.n * size) / MB / secs : NaN },
    ],
    sent,
    received: c.n,
    messages: c.n,
    notes: [],
  };
}

export const leafScenarios = [
  {
    group: "leafnodes",
    id: "leaf-up",
    name: "leaf→hub 128 B",
    targets: "leaf",
    run: acrossLink,
    full: { count: 300_000, size: 128, direction: "up" },
    quick: { count: 10_000, size: 128, direction: "up" },
  },
  {
    group: "leafnodes",
    id: "leaf-down",
    name: "hub→leaf 128 B",
    targets: "leaf",
    run: acrossLink,
    full: { count: 300_000, size: 128, direction: "down" },
    quick: { count: 10_000, size: 128, direction: "down" },
  },
];
