// Subject mappings: the configuration's `mappings`, as nats-server reads them, and which
// destination each message gets (server/accounts.go AddWeightedMappings, selectMappedSubject).
import { encodeAccount, encodeOperator } from "@nats-io/jwt";
import { createAccount, createOperator } from "@nats-io/nkeys";
import { describe, expect, it } from "vitest";
import { Mappings } from "../../src/protocol/mappings";
import { parse, refused } from "./config-doc";

/** The $G account's mappings of a document's top-level `mappings`. */
const global = (mappings: unknown): Mappings => parse({ mappings }).mappings.get("$G")!;

/** A random source that answers each of `values` in turn (weights pick by floor(r * 100)). */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length];
};

describe("mappings", () => {
  it("map a subject, with wildcards, for the global account at the top level and each account of its own", () => {
    const c = parse({
      mappings: { "orders.*": "orders.v2.$1", "a.>": "b.>" },
      accounts: { A: { mappings: { "x.*.*": "y.{{wildcard(2)}}.{{wildcard(1)}}" } }, B: {} },
    });
    const g = c.mappings.get("$G")!;
    expect(g.map("orders.17", null)).toBe("orders.v2.17");
    expect(g.map("a.1.2", null)).toBe("b.1.2");
    expect(g.map("other", null)).toBeNull();
    expect(c.mappings.get("A")!.map("x.1.2", null)).toBe("y.2.1");
    expect(c.mappings.get("A")!.map("orders.17", null)).toBeNull();
    expect(c.mappings.has("B")).toBe(false);
    expect(parse({ maps: { a: "b" } }).mappings.get("$G")!.map("a", null)).toBe("b");
  });

  it("use the first mapping whose source matches", () => {
    const m = global({ "a.b": "first", "a.*": "second.$1" });
    expect(m.map("a.b", null)).toBe("first");
    expect(m.map("a.c", null)).toBe("second.c");
  });

  it("split messages by weight, the rest to the subject itself", () => {
    const m = global({ "svc.*": [{ destination: "svc.v1.$1", weight: 80 }, { destination: "svc.v2.$1", weight: "10%" }] });
    // By weight, least first: v2 takes [0, 10), the subject itself [10, 20), v1 [20, 100).
    const pick = sequence(0.05, 0.15, 0.5);
    expect([m.map("svc.x", null, pick), m.map("svc.x", null, pick), m.map("svc.x", null, pick)]).toEqual(["svc.v2.x", "svc.x", "svc.v1.x"]);
  });

  it("drop what the weights leave when the subject is one of the destinations", () => {
    const m = global({ chaos: [{ destination: "chaos", weight: 40 }] });
    const pick = sequence(0.1, 0.7);
    expect([m.map("chaos", null, pick), m.map("chaos", null, pick)]).toEqual(["chaos", ""]);
  });

  it("use the destinations of the publisher's region when some are scoped to it", () => {
    const m = global({
      "api.*": [
        { destination: "api.eu.$1", weight: 100, cluster: "weur" },
        { destination: "api.us.$1", weight: 100 },
      ],
    });
    expect(m.map("api.get", "weur")).toBe("api.eu.get");
    expect(m.map("api.get", "wnam")).toBe("api.us.get");
    expect(m.map("api.get", null)).toBe("api.us.get");
  });

  it("choose random tokens per message, and cache nothing that may change", () => {
    const m = global({ "work.*": "work.{{random(4)}}.$1" });
    const pick = sequence(0, 0.3, 0.6, 0.9);
    expect([0, 1, 2, 3].map(() => m.map("work.x", null, pick))).toEqual(["work.0.x", "work.1.x", "work.2.x", "work.3.x"]);
  });

  it("are refused with nats-server's words", () => {
    expect(refused({ mappings: { "foo.*": "bar.$2" } })).toBe(
      'mappings["foo.*"]: Error adding mapping for "foo.*" to "bar.$2" : invalid mapping destination: wildcard index out of range in $2: [2]',
    );
    expect(refused({ mappings: { "foo.*": "bar.*" } })).toBe('mappings["foo.*"]: Error adding mapping for "foo.*" to "bar.*" : invalid subject');
    expect(refused({ mappings: { "foo.*": "bar.{{left(1,2}}" } })).toBe(
      'mappings["foo.*"]: Error adding mapping for "foo.*" to "bar.{{left(1,2}}" : invalid mapping destination: unknown function in {{left(1,2}}',
    );
    expect(refused({ mappings: { "foo.*": { destination: "a.$1", weight: 101 } } })).toBe(
      'mappings["foo.*"].weight: Invalid weight 101 for mapping destination',
    );
    expect(refused({ mappings: { "foo.*": { destination: "a.$1", weight: "half" } } })).toBe(
      'mappings["foo.*"].weight: Invalid weight "half" for mapping destination',
    );
    expect(refused({ mappings: { "foo.*": { destination: "a.$1" } } })).toBe('mappings["foo.*"]: Missing weight for mapping destination "a.$1"');
    expect(refused({ mappings: { "foo.*": { destination: "a.$1", weight: 1, other: 1 } } })).toBe(
      'mappings["foo.*"].other: Unknown field "other" for mapping destination',
    );
    expect(refused({ mappings: { "foo.*": [{ destination: "a.$1", weight: 60 }, { destination: "b.$1", weight: 50 }] } })).toBe(
      'mappings["foo.*"]: Error adding mapping for "foo.*" : total weight needs to be <= 100',
    );
    expect(refused({ mappings: { a: [{ destination: "b", weight: 10 }, { dest: "b", weight: 10 }] } })).toBe(
      'mappings.a: Error adding mapping for "a" : duplicate entry for "b"',
    );
    expect(refused({ mappings: { "a b": "c" } })).toBe('mappings["a b"]: Subject "a b" is not a valid subject');
    expect(refused({ mappings: { a: 1 } })).toBe("mappings.a: Unknown type number for mapping destination");
    expect(refused({ mappings: { a: [1] } })).toBe("mappings.a[0]: Expected an entry for the mapping destination");
    expect(refused({ mappings: ["a"] })).toBe("mappings: must be an object of subject mappings");
    expect(refused({ accounts: { A: { mappings: { "x.*": "y.$3" } } } })).toBe(
      'accounts.A.mappings["x.*"]: Error adding mapping for "x.*" to "y.$3" : invalid mapping destination: wildcard index out of range in $3: [3]',
    );
  });

  it("come from an account JWT in operator mode, and not from the top level", () => {
    const op = createOperator();
    const acc = createAccount();
    const opJwt = encodeOperator("O", op);
    const accJwt = encodeAccount("A", acc, { mappings: { "q.*": [{ subject: "r.$1", weight: 0 }] } } as never, { signer: op });
    return Promise.all([opJwt, accJwt]).then(([o, a]) => {
      const doc = { operator: o, resolver: "MEMORY", resolver_preload: { [acc.getPublicKey()]: a } };
      expect(parse(doc).mappings.get(acc.getPublicKey())!.map("q.1", null)).toBe("r.1");
      expect(refused({ ...doc, mappings: { a: "b" } })).toBe("mappings: cannot be combined with operator: an account's mappings are in its JWT");
    });
  });
});
