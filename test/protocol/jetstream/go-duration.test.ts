import { describe, expect, it } from "vitest";
import { formatGoDuration, parseGoDuration } from "../../../src/protocol/jetstream/go-duration.js";

describe("Go's durations", () => {
  it("writes them as Duration.String does", () => {
    const cases: ReadonlyArray<readonly [number | bigint, string]> = [
      [0, "0s"],
      [1, "1ns"],
      [1100, "1.1µs"],
      [2_200_000, "2.2ms"],
      [1e6, "1ms"],
      [2e9, "2s"],
      [1.5e9, "1.5s"],
      [60e9, "1m0s"],
      [90e9, "1m30s"],
      [3600e9, "1h0m0s"],
      [3723_000_000_001, "1h2m3.000000001s"],
      [-5e9, "-5s"],
      [(1n << 63n) - 1n, "2562047h47m16.854775807s"],
    ];
    for (const [ns, text] of cases) expect(formatGoDuration(ns), text).toBe(text);
  });

  it("reads them as time.ParseDuration does", () => {
    const cases: ReadonlyArray<readonly [string, number | null]> = [
      ["0", 0],
      ["5s", 5e9],
      ["+5s", 5e9],
      ["-1.5h", -5400e9],
      ["1h15m30.5s", 4530.5e9],
      ["300ms", 300e6],
      ["1us", 1000],
      ["1µs", 1000],
      ["1μs", 1000],
      [".5s", 500e6],
      ["5.s", 5e9],
      ["1ns", 1],
      ["", null],
      ["5", null],
      ["s", null],
      [".s", null],
      ["5 s", null],
      ["5d", null],
      ["1e3s", null],
      ["3000000h", null],
    ];
    for (const [text, ns] of cases) expect(parseGoDuration(text), text).toBe(ns);
  });
});
