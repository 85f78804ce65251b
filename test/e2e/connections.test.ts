// Limits on connections from NATS_CONFIG: max_connections, server PINGs at
// ping_interval closing stale connections after ping_max unanswered, and
// browser origins refused before any object is woken.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type Broker } from "./broker.js";
import { Clients, RawSocket, delay, listen, quiesce, uniq, upgradeStatus } from "./util.js";

describe("connection limits", () => {
  let broker: Broker;
  let clients: Clients;

  beforeAll(async () => {
    const config = {
      max_connections: 4,
      ping_interval: "1s",
      ping_max: 2,
      websocket: { allowed_origins: ["https://app.example.com"] },
    };
    broker = await startBroker({ vars: { NATS_CONFIG: JSON.stringify(config) } });
    clients = new Clients(broker.url, 1);
  });
  afterEach(async () => clients.closeAll());
  afterAll(async () => broker?.stop());

  it("past max_connections a connection gets INFO, then -ERR 'maximum connections exceeded'", async () => {
    const held = await Promise.all([1, 2, 3, 4].map(() => clients.connect({})));
    const raw = await clients.raw();
    await raw.waitFor("-ERR 'maximum connections exceeded'\r\n");
    await raw.waitClosing();
    expect(raw.afterInfo()).toBe("-ERR 'maximum connections exceeded'\r\n");
    // The others are untouched, and a slot frees up when one leaves.
    const subject = uniq("maxconn");
    const inbox = listen(held[0], subject);
    await held[0].flush();
    held[1].publish(subject, "still here");
    await quiesce(held[1], held[0]);
    await inbox.waitFor(1);
    await held[3].close();
    await delay(100);
    const again = await clients.raw();
    await again.handshake({});
  });

  it("a client that answers the server's PINGs stays; one that does not is closed as stale", async () => {
    const good = await clients.connect({ pingInterval: 60_000 });
    const silent = await clients.raw();
    await silent.handshake({});
    // From here on the raw socket answers nothing.
    await silent.waitClosing(10_000);
    const after = silent.afterInfo();
    expect(after.match(/PING\r\n/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(after.endsWith("-ERR 'Stale Connection'\r\n")).toBe(true);
    expect(good.isClosed()).toBe(false);
    await good.flush();
  });

  it("origins: a listed origin and a non-browser client get in; any other origin gets 403", async () => {
    expect(await upgradeStatus(broker.url, { Origin: "https://evil.example.com" })).toBe(403);
    expect(await upgradeStatus(broker.url, { Origin: "http://app.example.com" })).toBe(403);
    expect(await upgradeStatus(broker.url, { Origin: "https://app.example.com" })).toBe(101);
    expect(await upgradeStatus(broker.url)).toBe(101);
    const raw = await RawSocket.open(broker.url, 10_000, { Origin: "https://app.example.com" });
    try {
      await raw.handshake({});
    } finally {
      raw.close();
    }
  });
});

describe("same_origin", () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker({ vars: { NATS_CONFIG: JSON.stringify({ websocket: { same_origin: true } }) } });
  });
  afterAll(async () => broker?.stop());

  it("only pages served from the broker's own origin may connect", async () => {
    expect(await upgradeStatus(broker.url, { Origin: `http://127.0.0.1:${broker.port}` })).toBe(101);
    expect(await upgradeStatus(broker.url, { Origin: `http://localhost:${broker.port}` })).toBe(403);
    expect(await upgradeStatus(broker.url, { Origin: "http://127.0.0.1:1" })).toBe(403);
  });
});
