// The configuration's `mappings` (also `maps`), at the top level for the global
// account and in each account, as nats-server reads them (opts.go
// parseAccountMappings, parseAccountMapDest): each source subject maps to a
// destination, or to one or more `{destination, weight, cluster}`, weight a
// percentage (a number, or a string such as "50%"). The errors are nats-server's,
// after the field's path.

import { fail, isObject, key, spelling, string, type Field } from "./config-fields.js";
import { Mappings, type MapDestination } from "./mappings.js";
import { MappingError } from "./subject-transform.js";
import { isValidSubject } from "./subject.js";

const DESTINATION = spelling({ destination: ["dest"], weight: [], cluster: [] });

export function mappings(f: Field): Mappings {
  if (!isObject(f.value)) fail(f.path, "must be an object of subject mappings");
  const out = new Mappings();
  for (const [source, value] of Object.entries(f.value)) {
    const path = key(f.path, source);
    if (!isValidSubject(source)) fail(path, `Subject ${JSON.stringify(source)} is not a valid subject`);
    const at: Field = { value, path };
    if (typeof value === "string") {
      add(out, source, [{ subject: value, weight: 100, cluster: null }], at, ` to ${JSON.stringify(value)}`);
    } else if (Array.isArray(value)) {
      add(out, source, value.map((v, i) => destination({ value: v, path: `${path}[${i}]` })), at, "");
    } else if (isObject(value)) {
      add(out, source, [destination(at)], at, "");
    } else {
      fail(path, `Unknown type ${value === null ? "null" : typeof value} for mapping destination`);
    }
  }
  return out;
}

/**
 * An account JWT's `mappings` (nats-io/jwt's Mapping: each source to a list of
 * `{subject, weight, cluster}`, a weight of 0 or none counting as 100), as nats-server
 * adds them when it loads the account; null when it has none.
 */
export function jwtMappings(value: unknown, path: string): Mappings | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) fail(path, "must be an object of subject mappings");
  const out = new Mappings();
  for (const [source, list] of Object.entries(value)) {
    const at: Field = { value: list, path: key(path, source) };
    if (!Array.isArray(list)) fail(at.path, "must be a list of weighted mappings");
    const dests = list.map((d: unknown, i): MapDestination => {
      const item = `${at.path}[${i}]`;
      if (!isObject(d) || typeof d.subject !== "string") fail(item, "must be an object with a subject");
      const weight = d.weight === undefined || d.weight === 0 ? 100 : d.weight;
      if (typeof weight !== "number" || !Number.isInteger(weight) || weight < 0) fail(item, "weight must be a whole number");
      const cluster = typeof d.cluster === "string" && d.cluster !== "" ? d.cluster : null;
      return { subject: d.subject, weight, cluster };
    });
    add(out, source, dests, at, "");
  }
  return out.size > 0 ? out : null;
}

function add(out: Mappings, source: string, dests: MapDestination[], at: Field, to: string): void {
  try {
    out.add(source, dests);
  } catch (e) {
    if (!(e instanceof MappingError)) throw e;
    fail(at.path, `Error adding mapping for ${JSON.stringify(source)}${to} : ${e.message}`);
  }
}

function destination(f: Field): MapDestination {
  if (!isObject(f.value)) fail(f.path, "Expected an entry for the mapping destination");
  let subject = "";
  let weight: number | null = null;
  let cluster: string | null = null;
  for (const [k, v] of Object.entries(f.value)) {
    const path = key(f.path, k);
    const name = DESTINATION.get(k.toLowerCase());
    if (name === "destination") subject = string({ value: v, path });
    else if (name === "weight") weight = weightOf(v, path);
    else if (name === "cluster") cluster = string({ value: v, path }) || null;
    else fail(path, `Unknown field ${JSON.stringify(k)} for mapping destination`);
  }
  if (weight === null) fail(f.path, `Missing weight for mapping destination ${JSON.stringify(subject)}`);
  if (subject === "") fail(f.path, "Missing destination for mapping destination");
  return { subject, weight, cluster };
}

/** A percentage: a whole number, or a string of one with an optional `%`. */
function weightOf(v: unknown, path: string): number {
  if (typeof v === "string") {
    const s = v.endsWith("%") ? v.slice(0, -1) : v;
    if (!/^[+-]?\d+$/.test(s)) fail(path, `Invalid weight ${JSON.stringify(s)} for mapping destination`);
    return inRange(Number(s), path);
  }
  if (typeof v === "number" && Number.isInteger(v)) return inRange(v, path);
  fail(path, `Unknown entry type for weight of ${JSON.stringify(v)}`);
}

function inRange(weight: number, path: string): number {
  if (weight < 0 || weight > 100) fail(path, `Invalid weight ${weight} for mapping destination`);
  return weight;
}
