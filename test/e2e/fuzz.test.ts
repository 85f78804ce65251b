// A short fuzz run (scripts/fuzz-engine.mjs, the engine of `npm run fuzz`) against the suite's
// broker: ten raw connections send random, malformed and mutated protocol for a few seconds
// while two official clients exchange numbered messages. FUZZ_SEED pins the seed; a failure
// prints it with each failing round, which `npm run fuzz -- --seed S --replay C:K` replays.
import { describe, expect, it } from "vitest";
import { formatReport, runFuzz } from "../../scripts/fuzz-engine.mjs";
import { brokerShards, brokerUrl } from "./util";

describe("hostile: fuzz", () => {
  it("answers hostile input only with server protocol and nats-server's errors and closes; official clients lose nothing", async () => {
    const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
    const report = await runFuzz({ url: brokerUrl(), shards: brokerShards(), seconds: 8, connections: 10, seed });
    const text = formatReport(report);
    // (a) server protocol and known -ERR texts, (b) close codes, (e) the official clients, (f) /healthz,
    // and every answer known in advance.
    expect(report.failures, text).toEqual([]);
    expect(report.good.lost, text).toBe(0);
    expect(report.good.received, text).toBe(report.good.sent);
    expect(report.health.status, text).toBe(200);
    // It did hostile things: errors were answered and connections closed by the server.
    expect(report.rounds, text).toBeGreaterThan(50);
    expect(report.expectations.met, text).toBeGreaterThan(20);
    expect(Object.keys(report.errors).length, text).toBeGreaterThan(2);
    expect(Object.keys(report.serverCloses).length, text).toBeGreaterThan(1);
  }, 120_000);
});
