// One connection that makes the object throw is closed alone: the frames and
// keepalives of the object's other connections still go out. The failure is made
// from inside the object (runInDurableObject), where a bug would be.

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { Client } from "../../src/durable/host/client.js";
import type { Host } from "../../src/durable/host/host.js";
import type { Shard } from "../../src/durable/shard.js";
import { RawClient, shardStub } from "./ws.js";

const stub = shardStub();
const open: RawClient[] = [];

async function client(): Promise<RawClient> {
  const c = await RawClient.connect();
  open.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close().catch(() => undefined)));
});

/** Makes connection `cid` throw from `method` from now on. */
async function breakClient(cid: number, method: "flush" | "keepAlive"): Promise<void> {
  await runInDurableObject(stub, (instance: Shard) => {
    const host = (instance as unknown as { host: Host }).host;
    const c = [...host.openClients()].find((x) => x.cid === cid) as Client;
    c[method] = () => {
      throw new Error(`${method} broken by a test`);
    };
  });
}

async function closedWith(c: RawClient): Promise<{ code: number; reason: string }> {
  for (let i = 0; i < 300 && c.closed === null; i++) await new Promise((r) => setTimeout(r, 10));
  return c.closed ?? { code: 0, reason: "still open" };
}

describe("one connection's failure stays its own", () => {
  it("a frame that cannot be written closes that connection; the others get theirs", async () => {
    const [pub, sub, victim] = [await client(), await client(), await client()];
    expect(await sub.pingAfter("SUB iso.a 1\r\n")).toBe("");
    expect(await victim.pingAfter("SUB iso.a 1\r\n")).toBe("");
    // Every write to the victim throws, even the one closing it would make.
    await breakClient(victim.cid, "flush");

    expect(await pub.pingAfter("PUB iso.a 2\r\nhi\r\n")).toBe("");
    expect((await sub.until("MSG iso.a 1 2\r\nhi\r\n")).length).toBeGreaterThan(0);
    expect(await closedWith(victim)).toEqual({ code: 1011, reason: "Internal Error" });
    // The object goes on: the victim is forgotten, the others still talk.
    expect(await pub.pingAfter("PUB iso.a 3\r\nbye\r\n")).toBe("");
    expect((await sub.until("MSG iso.a 1 3\r\nbye\r\n")).length).toBeGreaterThan(0);
    const connections = await runInDurableObject(stub, (instance: Shard) => instance.health().connections);
    expect(connections).toBe(2);
  });

  it("a connection that fails in the alarm is closed alone; the others get their keepalive", async () => {
    const [a, victim, b] = [await client(), await client(), await client()];
    await breakClient(victim.cid, "keepAlive");
    // Make the keepalive round due now, and run the alarm.
    await runInDurableObject(stub, (instance: Shard) => {
      (instance as unknown as { host: { keepaliveAt: number } }).host.keepaliveAt = Date.now() - 1;
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await closedWith(victim)).toEqual({ code: 1011, reason: "Internal Error" });
    expect((await a.until("PING\r\n")).length).toBeGreaterThan(0);
    expect((await b.until("PING\r\n")).length).toBeGreaterThan(0);
  });
});
