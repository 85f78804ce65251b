import { afterEach, describe, expect, it } from "vitest";
import { WebSocket as WsClient } from "ws";
import { brokerUrl, Clients, listen, MAX_PAYLOAD, uniq } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

describe("connect: INFO as the client sees it", () => {
  it("nc.info carries the nats-server fields", async () => {
    const nc = await clients.connect();
    const info = nc.info!;
    expect(info).toBeDefined();
    expect(typeof info.server_id).toBe("string");
    expect(info.server_id.length).toBeGreaterThan(0);
    expect(typeof info.server_name).toBe("string");
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.proto).toBe(1);
    expect(info.headers).toBe(true);
    expect(info.max_payload).toBe(MAX_PAYLOAD);
    expect(typeof info.client_id).toBe("number");
    // connect_urls would be added to the client's reconnect pool: must be absent
    expect(info.connect_urls).toBeUndefined();
  });

  it("the first frame is a binary INFO line with the same fields", async () => {
    const rs = await clients.raw();
    const info = await rs.info();
    expect(rs.frames[0]!.binary).toBe(true);
    expect(rs.frames[0]!.text.startsWith("INFO ")).toBe(true);
    expect(info.proto).toBe(1);
    expect(info.headers).toBe(true);
    expect(info.max_payload).toBe(MAX_PAYLOAD);
    expect(typeof info.client_id).toBe("number");
    expect(info).not.toHaveProperty("connect_urls");
  });

  it("two connections get different client_id", async () => {
    const a = await clients.connect();
    const b = await clients.connect();
    expect(a.info!.client_id).not.toBe(b.info!.client_id);
    // same server
    expect(a.info!.server_id).toBe(b.info!.server_id);
  });
});

describe("connect: liveness", () => {
  it("flush resolves and rtt() returns a small non-negative number", async () => {
    const nc = await clients.connect();
    await nc.flush();
    const rtt = await nc.rtt();
    expect(rtt).toBeGreaterThanOrEqual(0);
    expect(rtt).toBeLessThan(5_000);
    // several in a row
    for (let i = 0; i < 5; i++) await nc.flush();
  });

  it("a raw PING gets a PONG before and after CONNECT", async () => {
    const rs = await clients.raw();
    await rs.info();
    await rs.ping();
    await rs.handshake();
    await rs.ping();
    expect(rs.isClosed).toBe(false);
  });
});

describe("connect: closing", () => {
  it("drain delivers what was in flight, then closes without error", async () => {
    const sub = await clients.connect();
    const pub = await clients.connect();
    const subj = uniq("connect.drain");
    const inbox = listen(sub, subj);
    await sub.flush();
    for (let i = 0; i < 20; i++) pub.publish(subj, String(i));
    await pub.flush();
    await inbox.waitFor(20);
    await sub.drain();
    expect(sub.isClosed()).toBe(true);
    await expect(sub.closed()).resolves.toBeUndefined();
    expect(inbox.strings()).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(inbox.errors).toEqual([]);
  });

  it("close() resolves closed() without error; the broker keeps serving others", async () => {
    const a = await clients.connect();
    const b = await clients.connect();
    await a.close();
    await expect(a.closed()).resolves.toBeUndefined();
    expect(a.isClosed()).toBe(true);
    await b.flush();
    expect(b.isClosed()).toBe(false);
  });

  it("a drained subscription's interest is gone: requests to it get no responders", async () => {
    const nc = await clients.connect();
    const req = await clients.connect();
    const subj = uniq("connect.drainsub");
    const sub = nc.subscribe(subj, {
      callback: (_e, m) => {
        m.respond("ok");
      },
    });
    await nc.flush();
    expect((await req.request(subj, "x", { timeout: 2_000 })).string()).toBe("ok");
    await sub.drain();
    await nc.flush();
    let last: unknown;
    // a few tries, in case interest removal is propagated asynchronously
    for (let i = 0; i < 20; i++) {
      try {
        await req.request(subj, "x", { timeout: 500 });
        last = "replied";
      } catch (err) {
        last = err;
        break;
      }
    }
    expect(last).toBeInstanceOf(Error);
    expect((last as Error).name).toBe("RequestError");
  });
});

describe("connect: WebSocket extensions", () => {
  it("a permessage-deflate offer is declined, as nats-server declines it without websocket { compression: true }", async () => {
    const ws = new WsClient(brokerUrl(), { perMessageDeflate: true });
    try {
      const upgrade = new Promise<string | undefined>((resolve, reject) => {
        ws.once("upgrade", (res) => resolve(res.headers["sec-websocket-extensions"]));
        ws.once("error", reject);
      });
      await new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      });
      expect(await upgrade).toBeUndefined();
      expect(ws.extensions).toBe("");
    } finally {
      ws.terminate();
    }
  });
});
