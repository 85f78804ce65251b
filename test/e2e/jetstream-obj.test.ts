// Object stores with the unmodified @nats-io/obj client: objects larger than max_payload go
// in chunks, with their metadata under a rollup subject, so this exercises streams with
// rollups, purges by subject, last-per-subject reads and ordered consumers as the client
// uses them.

import { afterEach, describe, expect, it } from "vitest";
import { nuid } from "@nats-io/nats-core";
import { Objm } from "@nats-io/obj";
import { Clients, MAX_PAYLOAD, patternBytes, sameBytes } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

describe("jetstream object store", () => {
  it("stores an object larger than max_payload in chunks and reads it back whole", async () => {
    const objm = new Objm(await clients.connect());
    const os = await objm.create(`o${nuid.next()}`);
    const data = patternBytes(3 * MAX_PAYLOAD + 12_345);
    const info = await os.putBlob({ name: "big.bin", description: "three and a bit" }, data);
    expect(info.size).toBe(data.length);
    expect(info.chunks).toBeGreaterThan(3);
    const reader = await new Objm(await clients.connect()).open(info.bucket);
    const back = await reader.getBlob("big.bin");
    expect(back).not.toBeNull();
    expect(sameBytes(back!, data)).toBe(true);
    expect((await reader.info("big.bin"))?.description).toBe("three and a bit");
  });

  it("lists, replaces, links and deletes objects", async () => {
    const objm = new Objm(await clients.connect());
    const os = await objm.create(`o${nuid.next()}`);
    await os.putBlob({ name: "a" }, new TextEncoder().encode("first"));
    await os.putBlob({ name: "b" }, new TextEncoder().encode("second"));
    await os.putBlob({ name: "a" }, new TextEncoder().encode("first, again"));
    expect(new TextDecoder().decode((await os.getBlob("a"))!)).toBe("first, again");
    const b = await os.info("b");
    await os.link("to-b", b!);
    expect(new TextDecoder().decode((await os.getBlob("to-b"))!)).toBe("second");
    expect((await os.list()).map((o) => o.name).sort()).toEqual(["a", "b", "to-b"]);
    await os.delete("a");
    expect(await os.getBlob("a")).toBeNull();
    expect((await os.list()).map((o) => o.name).sort()).toEqual(["b", "to-b"]);
    const status = await os.status();
    expect(status.sealed).toBe(false);
    expect(await os.destroy()).toBe(true);
  });
});
