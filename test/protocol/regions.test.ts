import { describe, expect, it } from "vitest";
import { distanceKm, nearestRegion, parseRegionDelays, parseRegions, RegionError } from "../../src/protocol/regions";

describe("REGIONS", () => {
  it("reads a comma list of location hints, in order", () => {
    expect(parseRegions(undefined)).toEqual([]);
    expect(parseRegions(" ")).toEqual([]);
    expect(parseRegions("wnam, WEUR,apac")).toEqual(["wnam", "weur", "apac"]);
  });

  it("refuses an unknown hint, naming it and the hints there are, and a hint named twice", () => {
    expect(() => parseRegions("wnam,eu")).toThrow(RegionError);
    expect(() => parseRegions("wnam,eu")).toThrow('REGIONS: "eu" is not a location hint (expected some of wnam, enam, sam, weur, eeur, apac, oc, afr, me)');
    expect(() => parseRegions("wnam,,weur")).toThrow('REGIONS: "" is not a location hint');
    expect(() => parseRegions("weur,wnam,weur")).toThrow("REGIONS names weur twice");
  });
});

describe("the nearest region", () => {
  const all = parseRegions("wnam,enam,sam,weur,eeur,apac,oc,afr,me");
  const at = (latitude: number, longitude: number) => ({ latitude: String(latitude), longitude: String(longitude) });
  const near = (regions: string, where: object) => {
    const list = parseRegions(regions);
    const i = nearestRegion(list, where);
    return i === null ? null : list[i];
  };

  it("is the hint whose area is closest to the client's coordinates", () => {
    const cases: [string, [number, number], string][] = [
      ["Seattle", [47.6, -122.3], "wnam"],
      ["New York", [40.7, -74.0], "enam"],
      ["Buenos Aires", [-34.6, -58.4], "sam"],
      ["Madrid", [40.4, -3.7], "weur"],
      ["Bucharest", [44.4, 26.1], "eeur"],
      ["Tokyo", [35.7, 139.7], "apac"],
      ["Auckland", [-36.8, 174.8], "oc"],
      ["Nairobi", [-1.3, 36.8], "afr"],
      ["Riyadh", [24.7, 46.7], "me"],
    ];
    for (const [city, [lat, lon], region] of cases) expect([city, near(all.join(","), at(lat, lon))]).toEqual([city, region]);
  });

  it("is chosen among the deployment's regions only", () => {
    expect(near("wnam,weur,apac", at(-33.9, 151.2))).toBe("apac"); // Sydney, without oc
    expect(near("wnam,weur,apac", at(40.7, -74.0))).toBe("wnam"); // New York, without enam
    expect(near("weur", at(-33.9, 151.2))).toBe("weur");
  });

  it("falls back to the client's continent, and is unknown when nothing is", () => {
    expect(near("wnam,weur,apac", { continent: "EU" })).toBe("weur");
    expect(near("wnam,weur,apac", { continent: "oc" })).toBe("apac");
    expect(near("wnam,weur,apac", { latitude: "x", longitude: "1", continent: "NA" })).toBe("wnam");
    expect(near("wnam,weur,apac", {})).toBeNull();
    expect(near("wnam,weur,apac", { continent: "XX" })).toBeNull();
    expect(near("wnam,weur,apac", { latitude: "91", longitude: "0" })).toBeNull();
    expect(nearestRegion([], at(0, 0))).toBeNull();
  });

  it("measures great circles", () => {
    // London to New York: about 5,570 km.
    expect(distanceKm([51.5, -0.13], [40.7, -74.0])).toBeGreaterThan(5_500);
    expect(distanceKm([51.5, -0.13], [40.7, -74.0])).toBeLessThan(5_650);
    expect(distanceKm([10, 10], [10, 10])).toBe(0);
  });
});

describe("REGION_DELAY_MS", () => {
  const regions = parseRegions("wnam,weur,apac");

  it("is one delay for every pair, or pair by pair both ways", () => {
    expect(parseRegionDelays(undefined, regions).size).toBe(0);
    const all = parseRegionDelays("80", regions);
    expect(all.size).toBe(6);
    expect(all.get("wnam-apac")).toBe(80);
    const some = parseRegionDelays("wnam-weur:40, weur-apac:120", regions);
    expect(Object.fromEntries(some)).toEqual({ "wnam-weur": 40, "weur-wnam": 40, "weur-apac": 120, "apac-weur": 120 });
  });

  it("refuses what it cannot read, naming it", () => {
    expect(() => parseRegionDelays("fast", regions)).toThrow('REGION_DELAY_MS: "fast" is not a whole number of milliseconds from 0 to 10000');
    expect(() => parseRegionDelays("wnam-oc:40", regions)).toThrow('REGION_DELAY_MS: "oc" is not one of REGIONS');
    expect(() => parseRegionDelays("wnam-wnam:40", regions)).toThrow("REGION_DELAY_MS: wnam-wnam names one region twice");
    expect(() => parseRegionDelays("wnam:40", regions)).toThrow("REGION_DELAY_MS: expected <region>-<region>:<ms>");
    expect(() => parseRegionDelays("wnam-weur:40:2", regions)).toThrow("REGION_DELAY_MS: expected <region>-<region>:<ms>");
  });
});
