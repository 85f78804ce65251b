// Limits set through the broker's settings, each seen from the client's side:
// slow consumers are cut off without holding others back, subscriptions are
// capped per connection, and a bad setting is refused with a message naming it.
import * as crypto from "node:crypto";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ConnectionOptions } from "@nats-io/nats-core";
import { startBroker, type Broker } from "./broker.js";
import { Clients, uniq, waitUntil } from "./util.js";

/** A WebSocket client on a bare TCP socket, so the test can stop reading from it. */
async function stalledSubscriber(port: number, subject: string): Promise<net.Socket> {
  const sock = net.connect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", resolve);
    sock.once("error", reject);
  });
  sock.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise((resolve) => sock.once("data", resolve));
  sock.write(maskedFrame(`CONNECT {"verbose":false,"pedantic":false}\r\nSUB ${subject} 1\r\nPING\r\n`));
  return sock;
}

function maskedFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = crypto.randomBytes(4);
  const header =
    payload.length < 126
      ? Buffer.from([0x82, 0x80 | payload.length])
      : Buffer.from([0x82, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]);
}

async function health(broker: Broker): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${broker.port}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("limits", () => {
  let broker: Broker;
  let clients: Clients;

  beforeAll(async () => {
    broker = await startBroker({ vars: { MAX_PENDING: String(16 * 1024 * 1024), MAX_SUBSCRIPTIONS: "100" } });
    clients = new Clients(broker.url);
  });

  afterAll(async () => {
    await clients?.closeAll();
    await broker?.stop();
  });

  it("a subscriber that stops reading is cut off as a slow consumer; the others get every message", async () => {
    const subject = uniq("limits.slow");
    const stalled = await stalledSubscriber(broker.port, subject);
    await new Promise((r) => setTimeout(r, 200));
    stalled.pause(); // reads nothing from here on: it answers no PING either
    const before = await health(broker);

    const sub = await clients.connect();
    const pub = await clients.connect();
    let got = 0;
    sub.subscribe(subject, {
      callback: () => {
        got++;
      },
    });
    await sub.flush();
    const payload = new Uint8Array(32 * 1024);
    // 64 MiB, far past MAX_PENDING = 16 MiB. A healthy client may have several MiB in flight
    // (unread by the time its PONG is processed), so the limit must leave room for that.
    const N = 2048;
    for (let i = 0; i < N; i++) {
      pub.publish(subject, payload);
      if (i % 16 === 0) await pub.flush();
    }
    await pub.flush();
    await waitUntil(() => got === N || sub.isClosed(), 20_000, () => `${N} messages, got ${got}`);

    // The stalled connection is gone; the two healthy ones are still there.
    let connections = -1;
    for (let i = 0; i < 100 && connections !== (before.body.connections as number) + 1; i++) {
      connections = (await health(broker)).body.connections as number;
      if (connections !== (before.body.connections as number) + 1) await new Promise((r) => setTimeout(r, 50));
    }
    expect(connections).toBe((before.body.connections as number) + 1);
    expect(sub.isClosed()).toBe(false);
    expect(got).toBe(N);

    // Reading again, the stalled client finds the server's close frame: 1008, Slow Consumer.
    const reason = "Slow Consumer (Pending Bytes)";
    const closeFrame = Buffer.concat([Buffer.from([0x88, 2 + reason.length, 0x03, 0xf0]), Buffer.from(reason)]);
    let bytes = Buffer.alloc(0);
    stalled.on("data", (d: Buffer) => (bytes = Buffer.concat([bytes.subarray(-closeFrame.length), d])));
    stalled.resume();
    await waitUntil(() => bytes.includes(closeFrame), 10_000, () => "the close frame");
    stalled.destroy();
  });

  it("a publisher faster than a subscriber is stalled, not the subscriber cut off", async () => {
    const subject = uniq("limits.stall");
    let socket: WebSocket | null = null;
    const sub = await clients.connect({
      wsFactory: async (u: string) => {
        socket = new WebSocket(u, { perMessageDeflate: false });
        return { socket, encrypted: false };
      },
    } as Partial<ConnectionOptions>);
    const pub = await clients.connect();
    let got = 0;
    sub.subscribe(subject, { callback: () => void got++ });
    await sub.flush();
    const slowConsumers = async () => ((await (await fetch(`http://127.0.0.1:${broker.port}/varz`)).json()) as { slow_consumers: number }).slow_consumers;
    const before = await slowConsumers();
    // The subscriber reads nothing for 500 ms while 24 MiB are published for it at once, more
    // than MAX_PENDING (16 MiB): nats-server would stall the publisher, and so does the broker.
    const tcp = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    setTimeout(() => tcp.resume(), 500);
    const payload = new Uint8Array(32 * 1024);
    const N = 768;
    for (let i = 0; i < N; i++) pub.publish(subject, payload);
    await pub.flush();
    await waitUntil(() => got === N || sub.isClosed(), 20_000, () => `${N} messages, got ${got}`);
    expect(sub.isClosed()).toBe(false);
    expect(got).toBe(N);
    expect(await slowConsumers()).toBe(before);
  });

  it("one subscription past MAX_SUBSCRIPTIONS gets -ERR 'maximum subscriptions exceeded'; the connection stays", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const p = uniq("limits.subs");
    let subs = "";
    for (let i = 1; i <= 100; i++) subs += `SUB ${p}.${i} ${i}\r\n`;
    rs.send(subs);
    await rs.ping();
    expect(rs.afterInfo()).not.toContain("-ERR");
    const mark = rs.mark();
    rs.send(`SUB ${p}.extra 101\r\n`);
    await rs.ping();
    expect(rs.since(mark)).toBe("-ERR 'maximum subscriptions exceeded'\r\nPONG\r\n");
    // Still a working connection: the first 100 subscriptions deliver.
    rs.send(`PUB ${p}.100 2\r\nhi\r\n`);
    await rs.waitFor(`MSG ${p}.100 100 2\r\nhi\r\n`);
    expect(rs.isClosed).toBe(false);
  });
});

describe.each([
  ["MAX_PAYLOAD", "1MB", /^MAX_PAYLOAD must be a whole number from 1 to \d+, got "1MB"$/],
  ["REGIONS", "wnam,mars", /^REGIONS: "mars" is not a location hint \(expected some of wnam, enam, sam, weur, eeur, apac, oc, afr, me\)$/],
  ["REGION_DELAY_MS", "80", /^REGION_DELAY_MS slows every call between regions on purpose: it is for tests, and needs TEST_HOOKS=1$/],
])("a bad setting (%s=%s)", (name, value, reason) => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker({ vars: { [name]: value, ...(name === "REGION_DELAY_MS" ? { REGIONS: "wnam,weur" } : {}) } });
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it("is named by /healthz and by the answer to every connection", async () => {
    const h = await health(broker);
    expect(h.status).toBe(503);
    expect(h.body.error).toMatch(reason);

    const res = await fetch(`http://127.0.0.1:${broker.port}/`, {
      headers: { Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13" },
    }).catch((e: unknown) => e);
    // undici refuses to send an Upgrade header itself; a raw socket shows the answer instead.
    const answer = res instanceof Response ? `${res.status} ${await res.text()}` : await rawUpgrade(broker.port, name);
    expect(answer).toContain("503");
    expect(answer).toContain(h.body.error);
  });
});

async function rawUpgrade(port: number, expected: string): Promise<string> {
  const sock = net.connect({ host: "127.0.0.1", port });
  await new Promise((resolve) => sock.once("connect", resolve));
  sock.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let text = "";
  sock.on("data", (d: Buffer) => (text += d.toString()));
  await waitUntil(() => text.includes("\r\n\r\n") && text.includes(expected), 5_000).catch(() => undefined);
  sock.destroy();
  return text;
}
