// Regions: the Durable Object location hints a deployment names in REGIONS, which
// region is nearest a client, and the delays the tests put between regions.
//
// The hints are Cloudflare's (workers-types DurableObjectLocationHint). A region is
// a hint; "nearest" is the shortest great-circle distance from the client's
// coordinates (request.cf latitude and longitude) to a point standing for the
// hint's area, or from its continent's middle when that is all that is known.

export const REGION_HINTS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;

export type Region = (typeof REGION_HINTS)[number];

/** A city in the middle of each hint's area, [latitude, longitude]. */
const REGION_POINTS: Readonly<Record<Region, readonly [number, number]>> = {
  wnam: [37.8, -122.3], // San Francisco: Western North America
  enam: [39.0, -77.5], // Ashburn: Eastern North America
  sam: [-23.5, -46.6], // São Paulo: South America
  weur: [50.1, 4.4], // Brussels: Western Europe
  eeur: [52.2, 21.0], // Warsaw: Eastern Europe
  apac: [22.3, 114.2], // Hong Kong: Asia-Pacific
  oc: [-33.9, 151.2], // Sydney: Oceania
  afr: [-26.2, 28.0], // Johannesburg: Africa
  me: [25.2, 55.3], // Dubai: Middle East
};

/** The middle of each continent (request.cf `continent`), when a client's coordinates are not known. */
const CONTINENT_POINTS: Readonly<Record<string, readonly [number, number]>> = {
  NA: [40, -95],
  SA: [-15, -60],
  EU: [50, 10],
  AF: [2, 20],
  AS: [30, 95],
  OC: [-25, 135],
  AN: [-75, 0],
};

export class RegionError extends Error {}

export function isRegion(text: string): text is Region {
  return (REGION_HINTS as readonly string[]).includes(text);
}

/** REGIONS: a comma list of distinct hints; empty when unset. */
export function parseRegions(raw: string | undefined): Region[] {
  if (raw === undefined || raw.trim() === "") return [];
  const out: Region[] = [];
  for (const part of raw.split(",")) {
    const hint = part.trim().toLowerCase();
    if (!isRegion(hint)) {
      throw new RegionError(`REGIONS: ${JSON.stringify(part.trim())} is not a location hint (expected some of ${REGION_HINTS.join(", ")})`);
    }
    if (out.includes(hint)) throw new RegionError(`REGIONS names ${hint} twice`);
    out.push(hint);
  }
  return out;
}

/** Where a client is, as request.cf tells it (its fields are strings or numbers, or missing). */
export interface ClientLocation {
  readonly latitude?: unknown;
  readonly longitude?: unknown;
  readonly continent?: unknown;
}

/** The point a location stands for: its coordinates, else its continent's middle; null when neither is known. */
function pointOf(where: ClientLocation): readonly [number, number] | null {
  const lat = Number(where.latitude);
  const lon = Number(where.longitude);
  if (where.latitude != null && where.longitude != null && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
    return [lat, lon];
  }
  return typeof where.continent === "string" ? (CONTINENT_POINTS[where.continent.toUpperCase()] ?? null) : null;
}

/** The index in `regions` of the region nearest `where`; null when where it is is not known. */
export function nearestRegion(regions: readonly Region[], where: ClientLocation): number | null {
  const p = pointOf(where);
  if (p === null || regions.length === 0) return null;
  let best = 0;
  let bestKm = Infinity;
  regions.forEach((r, i) => {
    const km = distanceKm(p, REGION_POINTS[r]);
    if (km < bestKm) {
      bestKm = km;
      best = i;
    }
  });
  return best;
}

/** Great-circle distance (haversine, on a sphere of the Earth's mean radius). */
export function distanceKm(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLon = (b[1] - a[1]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The point standing for a region, for the latency model. */
export function regionPoint(region: Region): readonly [number, number] {
  return REGION_POINTS[region];
}

/**
 * One-way delays between regions, in ms, that a test deployment adds to every call and
 * link frame from a shard in one to a shard in another: `80` for every pair, or
 * `wnam-weur:40,wnam-apac:90` pair by pair (a pair left out has none), both ways.
 */
export type RegionDelays = ReadonlyMap<string, number>;

const MAX_DELAY_MS = 10_000;

export function parseRegionDelays(raw: string | undefined, regions: readonly Region[]): RegionDelays {
  const delays = new Map<string, number>();
  if (raw === undefined || raw.trim() === "") return delays;
  const text = raw.trim();
  const ms = (v: string): number => {
    const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n > MAX_DELAY_MS) {
      throw new RegionError(`REGION_DELAY_MS: ${JSON.stringify(v.trim())} is not a whole number of milliseconds from 0 to ${MAX_DELAY_MS}`);
    }
    return n;
  };
  if (!text.includes(":")) {
    const all = ms(text);
    for (const a of regions) for (const b of regions) if (a !== b) delays.set(pairKey(a, b), all);
    return delays;
  }
  for (const part of text.split(",")) {
    const [pair, value, extra] = part.split(":");
    const ends = pair.trim().toLowerCase().split("-");
    if (extra !== undefined || value === undefined || ends.length !== 2) {
      throw new RegionError(`REGION_DELAY_MS: expected <region>-<region>:<ms>, got ${JSON.stringify(part.trim())}`);
    }
    for (const end of ends) {
      if (!isRegion(end) || !regions.includes(end)) throw new RegionError(`REGION_DELAY_MS: ${JSON.stringify(end)} is not one of REGIONS`);
    }
    if (ends[0] === ends[1]) throw new RegionError(`REGION_DELAY_MS: ${pair.trim()} names one region twice`);
    const d = ms(value);
    delays.set(pairKey(ends[0] as Region, ends[1] as Region), d);
    delays.set(pairKey(ends[1] as Region, ends[0] as Region), d);
  }
  return delays;
}

export function pairKey(from: Region, to: Region): string {
  return `${from}-${to}`;
}
