// Limits on connections from NATS_CONFIG: max_connections, server PINGs at
// ping_interval closing stale connections after ping_max unanswered, and
// browser origins refused before any object is woken; closes the server decides end the
// connection; compression only when configured.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type Broker } from "./broker.js";
import { WebSocket as WsClient } from "ws";
import { Clients, RawSocket, delay, listen, quiesce, uniq, upgradeStatus, waitUntil } from "./util.js";

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
    // The close completes: the TCP connection ends, not only the WebSocket handshake.
    expect(await raw.closedAfterLastFrame()).toBeLessThan(1000);
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
    expect(await silent.closedAfterLastFrame()).toBeLessThan(1000);
    expect(good.isClosed()).toBe(false);
    await good.flush();
  });

  it("a protocol error closes the connection, and the close completes", async () => {
    const raw = await clients.raw();
    await raw.info();
    raw.send("NOT A VERB\r\n");
    await raw.waitClosing();
    expect(raw.afterInfo()).toBe("-ERR 'Unknown Protocol Operation'\r\n");
    expect(await raw.closedAfterLastFrame()).toBeLessThan(1000);
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

describe("same_origin, and compression when configured", () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker({ vars: { NATS_CONFIG: JSON.stringify({ websocket: { same_origin: true, compression: true } }) } });
  });
  afterAll(async () => broker?.stop());

  it("only pages served from the broker's own origin may connect", async () => {
    expect(await upgradeStatus(broker.url, { Origin: `http://127.0.0.1:${broker.port}` })).toBe(101);
    expect(await upgradeStatus(broker.url, { Origin: `http://localhost:${broker.port}` })).toBe(403);
    expect(await upgradeStatus(broker.url, { Origin: "http://127.0.0.1:1" })).toBe(403);
  });

  it("with websocket { compression: true } a permessage-deflate offer is accepted as nats-server answers it, and messages flow compressed", async () => {
    const ws = new WsClient(broker.url, { perMessageDeflate: true });
    ws.binaryType = "arraybuffer";
    let text = "";
    ws.on("message", (d: ArrayBuffer) => (text += new TextDecoder().decode(d)));
    const answered = new Promise<unknown>((resolve) => ws.once("upgrade", (res) => resolve(res.headers["sec-websocket-extensions"])));
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      });
      // No context takeover either way, as nats-server answers (the runtime orders the parameters).
      const answer = String(await answered).split(";").map((p) => p.trim());
      expect(answer.sort()).toEqual(["client_no_context_takeover", "permessage-deflate", "server_no_context_takeover"]);
      expect(ws.extensions).toBe("permessage-deflate");
      const payload = "compressible ".repeat(200);
      ws.send(new TextEncoder().encode(`CONNECT {"verbose":false}\r\nSUB deflated 1\r\nPUB deflated ${payload.length}\r\n${payload}\r\nPING\r\n`));
      await waitUntil(() => text.includes("PONG\r\n"), 5_000, () => `PONG; received ${JSON.stringify(text)}`);
      expect(text).toContain(`MSG deflated 1 ${payload.length}\r\n${payload}\r\n`);
    } finally {
      ws.terminate();
    }
  });
});
