import { describe, expect, it } from "vitest";
import { NS_PER_MS, parseRfc3339, rfc3339, ZERO_TIME_MS } from "../../../src/protocol/jetstream/time.js";

describe("Go's time.Time in JSON", () => {
  it("writes RFC 3339 in UTC with the fraction's trailing zeros dropped", () => {
    expect(rfc3339(Date.UTC(2026, 11, 3, 7, 25, 15, 623))).toBe("2026-12-03T07:25:15.623Z");
    expect(rfc3339(Date.UTC(2026, 11, 3, 7, 25, 15, 620))).toBe("2026-12-03T07:25:15.62Z");
    expect(rfc3339(Date.UTC(2026, 11, 3, 7, 25, 15, 0))).toBe("2026-12-03T07:25:15Z");
    expect(rfc3339(0)).toBe("1970-01-01T00:00:00Z");
    expect(rfc3339(-1)).toBe("1969-12-31T23:59:59.999Z");
  });

  it("keeps a fraction of a millisecond down to nanoseconds", () => {
    expect(rfc3339(1.5)).toBe("1970-01-01T00:00:00.0015Z");
    expect(rfc3339(1000.000001)).toBe("1970-01-01T00:00:01.000000001Z");
    expect(rfc3339(999.9999999)).toBe("1970-01-01T00:00:01Z");
    expect(NS_PER_MS).toBe(1_000_000);
  });

  it("writes Go's zero time as nats-server 2.9.10 does for an empty stream's first_ts", () => {
    expect(rfc3339(ZERO_TIME_MS)).toBe("0001-01-01T00:00:00Z");
  });

  it("reads RFC 3339 with any offset and fraction", () => {
    expect(parseRfc3339("2026-12-03T07:25:15.623050009Z")).toBe(Date.UTC(2026, 11, 3, 7, 25, 15, 623));
    expect(parseRfc3339("2026-12-03T07:25:15Z")).toBe(Date.UTC(2026, 11, 3, 7, 25, 15));
    expect(parseRfc3339("2026-12-03T09:25:15.5+02:00")).toBe(Date.UTC(2026, 11, 3, 7, 25, 15, 500));
    expect(parseRfc3339("2026-12-03T02:55:15-04:30")).toBe(Date.UTC(2026, 11, 3, 7, 25, 15));
    expect(parseRfc3339("0001-01-01T00:00:00Z")).toBe(ZERO_TIME_MS);
    expect(parseRfc3339("2024-02-29T00:00:00Z")).toBe(Date.UTC(2024, 1, 29));
    for (const ms of [0, 1, 1700000000123, ZERO_TIME_MS, -1]) expect(parseRfc3339(rfc3339(ms))).toBe(ms);
  });

  it("refuses what Go's parser refuses", () => {
    for (const s of [
      "",
      "2026-12-03",
      "2026-12-03 07:25:15Z",
      "2026-12-03T07:25:15",
      "2026-13-03T07:25:15Z",
      "2026-04-31T07:25:15Z",
      "2023-02-29T00:00:00Z",
      "2026-12-03T24:00:00Z",
      "2026-12-03T07:60:15Z",
      "2026-12-03T07:25:60Z",
      "2026-12-03T07:25:15.Z",
      "2026-12-03T07:25:15+0200",
      "2026-12-03T07:25:15+24:00",
      "26-12-03T07:25:15Z",
    ]) {
      expect(parseRfc3339(s), s).toBeNull();
    }
  });
});
