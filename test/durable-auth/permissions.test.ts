// Permissions survive the object's hibernation, also when they are too large to
// ride in the socket attachment (long JWT or configured permission lists are
// kept in SQLite instead).
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { RawClient, shardStub } from "../durable/ws.js";

const open: RawClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close().catch(() => undefined)));
});

async function as(user: string): Promise<RawClient> {
  const c = await RawClient.connect({ user, pass: "p" });
  open.push(c);
  return c;
}

async function evict(): Promise<void> {
  const stub = shardStub(0);
  await runInDurableObject(stub, () => undefined);
  await evictDurableObject(stub);
}

const denied = `-ERR 'Permissions Violation for Publish to "forbidden.x"'\r\n`;
const deniedSub = `-ERR 'Permissions Violation for Subscription to "forbidden.x"'\r\n`;

describe("permissions across hibernation", () => {
  for (const user of ["small", "large"]) {
    it(`hold after the object was evicted (${user} permission list)`, async () => {
      const c = await as(user);
      expect(await c.pingAfter("PUB forbidden.x 0\r\n\r\nSUB forbidden.x 1\r\nPUB fine 0\r\n\r\n")).toBe(denied + deniedSub);
      const stored = await runInDurableObject(shardStub(0), (_s, state) =>
        state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM permissions WHERE cid = ?`, c.cid).one().n,
      );
      expect(stored).toBe(user === "large" ? 1 : 0);
      await evict();
      expect(await c.pingAfter("PUB forbidden.x 0\r\n\r\nSUB forbidden.x 1\r\nPUB fine 0\r\n\r\n")).toBe(denied + deniedSub);
    });
  }
});
