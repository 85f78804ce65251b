// JetStream as NATS_CONFIG sets it: turned off for the server, off for one account, and
// each account's limits (streams, consumers, max_bytes required, storage reserved and
// stored), refused with nats-server's codes; and streams that belong to their account,
// invisible to others.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wsconnect, type NatsConnection } from "@nats-io/nats-core";
import { AckPolicy, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { apiError } from "./jetstream-util.js";
import { startBroker, type Broker } from "./broker.js";

const brokers: Broker[] = [];
const conns: NatsConnection[] = [];

afterAll(async () => {
  for (const nc of conns) await nc.close().catch(() => undefined);
  for (const b of brokers) await b.stop();
});

async function connect(b: Broker, user?: string): Promise<NatsConnection> {
  const nc = await wsconnect({ servers: b.url, reconnect: false, ...(user ? { user, pass: "p" } : {}) });
  conns.push(nc);
  return nc;
}


describe("jetstream turned off", () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker({ vars: { NATS_CONFIG: JSON.stringify({ jetstream: "disabled" }) } });
    brokers.push(broker);
  }, 60_000);

  it("answers no JetStream request, as a nats-server without -js", async () => {
    const nc = await connect(broker);
    await expect(jetstreamManager(nc)).rejects.toThrow("jetstream is not enabled");
  });
});

describe("jetstream per account", () => {
  let broker: Broker;
  const user = (name: string) => ({ user: name, password: "p" });
  beforeAll(async () => {
    const config = {
      accounts: {
        OFF: { users: [user("off")], jetstream: "disabled" },
        LIMITED: {
          users: [user("limited")],
          jetstream: { max_streams: 2, max_consumers: 1, max_file: 2_000, max_bytes_required: true },
        },
        SHARED: { users: [user("shared")], jetstream: { max_file: 2_000, max_mem: 100 } },
        FREE: { users: [user("free")] },
        OTHER: { users: [user("other")] },
      },
    };
    broker = await startBroker({ vars: { NATS_CONFIG: JSON.stringify(config) } });
    brokers.push(broker);
  }, 60_000);

  it("refuses an account whose block turns it off", async () => {
    const nc = await connect(broker, "off");
    // The manager's first request (account info) is refused already.
    expect(await apiError(jetstreamManager(nc))).toEqual({
      code: 503,
      err_code: 10039,
      description: "JetStream not enabled for account",
    });
  });

  it("holds an account to its limits: streams, consumers, the storage streams reserve", async () => {
    const nc = await connect(broker, "limited");
    const jsm = await jetstreamManager(nc);
    const info = await jsm.getAccountInfo();
    expect(info.limits).toMatchObject({ max_streams: 2, max_consumers: 1, max_storage: 2_000, max_bytes_required: true });
    expect(await apiError(jsm.streams.add({ name: "NOBYTES", subjects: ["nobytes"] }))).toEqual({
      code: 400,
      err_code: 10113,
      description: "account requires a stream config to have max bytes set",
    });
    // A stream reserves its max_bytes of the account's 2,000 bytes, beside the others' reservations.
    const insufficient = { code: 500, err_code: 10047, description: "insufficient storage resources available" };
    expect(await apiError(jsm.streams.add({ name: "ONE", subjects: ["one.>"], max_bytes: 10_000 }))).toEqual(insufficient);
    await jsm.streams.add({ name: "ONE", subjects: ["one.>"], max_bytes: 1_500 });
    expect(await apiError(jsm.streams.add({ name: "TWO", subjects: ["two.>"], max_bytes: 1_000 }))).toEqual(insufficient);
    await jsm.streams.add({ name: "TWO", subjects: ["two.>"], max_bytes: 500 });
    // An update reserves what it adds: 1,500 to 1,600 passes the account's 2,000 beside TWO's 500.
    expect(await apiError(jsm.streams.update("ONE", { max_bytes: 1_600 }))).toEqual(insufficient);
    await jsm.streams.update("ONE", { max_bytes: 1_400 });
    await jsm.streams.update("TWO", { max_bytes: 600 });
    expect(await jsm.getAccountInfo()).toMatchObject({ reserved_storage: 2_000, reserved_memory: 0 });
    expect(await apiError(jsm.streams.add({ name: "THREE", subjects: ["three.>"], max_bytes: 1 }))).toEqual({
      code: 400,
      err_code: 10027,
      description: "maximum number of streams reached",
    });
    await jsm.consumers.add("ONE", { durable_name: "c1", ack_policy: AckPolicy.Explicit });
    expect(await apiError(jsm.consumers.add("ONE", { durable_name: "c2", ack_policy: AckPolicy.Explicit }))).toEqual({
      code: 400,
      err_code: 10026,
      description: "maximum consumers limit reached",
    });
  });

  it("holds an account to its storage: what streams reserve, and what they store", async () => {
    const nc = await connect(broker, "shared");
    const jsm = await jetstreamManager(nc);
    expect(await apiError(jsm.streams.add({ name: "MEM", subjects: ["mem.>"], storage: StorageType.Memory, max_bytes: 200 }))).toEqual({
      code: 500,
      err_code: 10028,
      description: "insufficient memory resources available",
    });
    // Streams without max_bytes reserve nothing, and share the account's 2,000 bytes as they store.
    await jsm.streams.add({ name: "A", subjects: ["a.>"] });
    await jsm.streams.add({ name: "B", subjects: ["b.>"] });
    const js = jetstream(nc);
    let refusal = "";
    for (let i = 0; i < 30 && refusal === ""; i++) {
      try {
        await js.publish(i % 2 === 0 ? "a.x" : "b.x", new Uint8Array(200));
      } catch (e) {
        refusal = (e as Error).message;
      }
    }
    expect(refusal).toBe("resource limits exceeded for account");
    const stored = (await jsm.streams.info("A")).state.bytes + (await jsm.streams.info("B")).state.bytes;
    expect(stored).toBeLessThanOrEqual(2_000);
  });

  it("keeps each account's streams to itself", async () => {
    const freeNc = await connect(broker, "free");
    const free = await jetstreamManager(freeNc);
    await free.streams.add({ name: "MINE", subjects: ["mine.>"] });
    await jetstream(freeNc).publish("mine.x", "free's");
    const other = await jetstreamManager(await connect(broker, "other"));
    expect(await apiError(other.streams.info("MINE"))).toMatchObject({ err_code: 10059 });
    // The same name and subjects in another account are another stream.
    await other.streams.add({ name: "MINE", subjects: ["mine.>"] });
    expect((await other.streams.info("MINE")).state.messages).toBe(0);
    expect((await free.streams.info("MINE")).state.messages).toBe(1);
    // Account info counts the account's API requests answered before it, and the refused ones.
    expect((await other.getAccountInfo()).api).toMatchObject({ total: 4, errors: 1 });
  });
});
