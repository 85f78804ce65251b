import { encodeAccount, encodeOperator, encodeUser, type Operator } from "@nats-io/jwt";
import { createAccount, createOperator, createUser, type KeyPair } from "@nats-io/nkeys";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, EMPTY_CONFIG, parseConfig, parseGoDuration } from "../../src/protocol/config";
import { parse, refused } from "./config-doc";

const userKey = (): string => createUser().getPublicKey();
const NKEY_A = userKey();
const NKEY_B = userKey();
// A real bcrypt hash (cost 11) of "s3cr3t".
const BCRYPT = "$2a$11$1p/4NiZtlTLEzgLZr3Mm3ukBtnzRFIJq8JtL.dvQTwOHDmdHBt3Z2";

describe("the document", () => {
  it("absent or empty means no authentication and the environment's limits", () => {
    expect(parseConfig("")).toBe(EMPTY_CONFIG);
    expect(parseConfig("  \n")).toBe(EMPTY_CONFIG);
    expect(parseConfig("{}")).toEqual(EMPTY_CONFIG);
    expect(EMPTY_CONFIG).toEqual({
      token: null,
      users: [],
      accounts: ["$G"],
      authTimeoutMs: 2000,
      noAuthUser: null,
      operator: null,
      maxPayload: null,
      maxConnections: null,
      maxSubscriptions: null,
      maxControlLine: null,
      maxPending: null,
      pingIntervalMs: null,
      pingMax: null,
      websocket: {
        sameOrigin: false,
        allowedOrigins: [],
        jwtCookie: null,
        tokenCookie: null,
        usernameCookie: null,
        passwordCookie: null,
        compression: false,
      },
      jetstream: { enabled: true, maxMemory: -1, maxStorage: -1, accounts: new Map() },
      leafnodes: { users: [], authTimeoutMs: null, remotes: [] },
      mappings: new Map(),
    });
    expect(Object.isFrozen(EMPTY_CONFIG)).toBe(true);
  });

  it("must be JSON", () => {
    expect(() => parseConfig("{max_payload: 1}")).toThrow(ConfigError);
    try {
      parseConfig("{max_payload: 1}");
    } catch (e) {
      expect((e as Error).message).toMatch(/^not valid JSON: /);
    }
  });

  it("must be an object", () => {
    for (const text of ["[]", '"x"', "null", "3"]) {
      expect(() => parseConfig(text)).toThrow("not a JSON object: the document must be an object of settings");
    }
  });

  it("refuses unknown fields, and names nats-server's unsupported ones", () => {
    expect(refused({ foo: 1 })).toBe("foo: unknown field");
    expect(refused({ cluster: {} })).toBe("cluster: not supported by nats-edge");
    expect(refused({ gateway: {} })).toBe("gateway: not supported by nats-edge");
    expect(refused({ tls: {} })).toBe("tls: not supported by nats-edge");
    expect(refused({ http: 8222 })).toBe("http: not supported by nats-edge");
    expect(refused({ port: 4222 })).toBe(
      "port: not supported by nats-edge: Cloudflare provides the listener (nats-server running the same file takes its port from -p)",
    );
    expect(refused({ listen: "0.0.0.0:4222" })).toMatch(/^listen: not supported by nats-edge: Cloudflare provides the listener/);
  });

  it("matches field names case-insensitively and takes nats-server's aliases", () => {
    const c = parse({ MAX_PAYLOAD: 100, Max_Conn: 5, max_subs: 7, WS: { same_origin: true }, Authorization: { token: "t" } });
    expect(c.maxPayload).toBe(100);
    expect(c.maxConnections).toBe(5);
    expect(c.maxSubscriptions).toBe(7);
    expect(c.websocket.sameOrigin).toBe(true);
    expect(c.token).toBe("t");
  });

  it("refuses one setting given under two spellings", () => {
    expect(refused({ max_subs: 1, max_subscriptions: 2 })).toBe('max_subscriptions: the same setting as "max_subs", given twice');
    expect(refused({ max_payload: 1, MAX_PAYLOAD: 2 })).toBe('MAX_PAYLOAD: the same setting as "max_payload", given twice');
    expect(refused({ authorization: { users: [{ user: "a", pass: "x", password: "y" }] } })).toBe(
      'authorization.users[0].password: the same setting as "pass", given twice',
    );
  });
});

describe("limits", () => {
  it("takes whole numbers in range, 0 meaning the default", () => {
    const c = parse({
      max_payload: 65536,
      max_connections: 100,
      max_subscriptions: 10,
      max_control_line: 1024,
      max_pending: 1 << 20,
      ping_max: 3,
    });
    expect([c.maxPayload, c.maxConnections, c.maxSubscriptions, c.maxControlLine, c.maxPending, c.pingMax]).toEqual([
      65536,
      100,
      10,
      1024,
      1 << 20,
      3,
    ]);
    const z = parse({ max_payload: 0, max_connections: 0, max_control_line: 0, max_pending: 0, ping_max: 0 });
    expect([z.maxPayload, z.maxConnections, z.maxControlLine, z.maxPending, z.pingMax]).toEqual([null, null, null, null, null]);
    // For subscriptions 0 is itself a value: no limit.
    expect(parse({ max_subscriptions: 0 }).maxSubscriptions).toBe(0);
  });

  it("keeps max_payload within workerd's 32 MiB WebSocket messages", () => {
    expect(parse({ max_payload: 33546240 }).maxPayload).toBe(33546240);
    expect(refused({ max_payload: 33546241 })).toBe("max_payload: must be a whole number from 1 to 33546240");
  });

  it("refuses negatives, fractions, sizes as strings and out-of-range values", () => {
    expect(refused({ max_payload: -1 })).toBe("max_payload: must be a whole number from 1 to 33546240");
    expect(refused({ max_payload: 1.5 })).toBe("max_payload: must be a whole number from 1 to 33546240");
    expect(refused({ max_payload: "1MB" })).toBe("max_payload: must be a whole number from 1 to 33546240");
    expect(refused({ max_connections: -1 })).toBe("max_connections: must be a whole number from 1 to 2147483647");
    expect(refused({ max_subscriptions: 1_000_001 })).toBe("max_subscriptions: must be a whole number from 0 to 1000000");
    expect(refused({ max_control_line: 31 })).toBe("max_control_line: must be a whole number from 32 to 1048576");
    expect(refused({ max_control_line: 1048577 })).toBe("max_control_line: must be a whole number from 32 to 1048576");
    expect(refused({ max_pending: 1023 })).toBe("max_pending: must be a whole number from 1024 to 1073741824");
    expect(refused({ ping_max: -2 })).toBe("ping_max: must be a whole number from 1 to 2147483647");
    expect(refused({ max_conn: true })).toBe("max_conn: must be a whole number from 1 to 2147483647");
  });

  it("ping_interval is a Go duration, or whole seconds", () => {
    expect(parse({ ping_interval: "2m" }).pingIntervalMs).toBe(120_000);
    expect(parse({ ping_interval: "1m30s" }).pingIntervalMs).toBe(90_000);
    expect(parse({ ping_interval: "500ms" }).pingIntervalMs).toBe(500);
    expect(parse({ ping_interval: "1.5h" }).pingIntervalMs).toBe(5_400_000);
    expect(parse({ ping_interval: 30 }).pingIntervalMs).toBe(30_000);
    expect(parse({ ping_interval: "0s" }).pingIntervalMs).toBe(null);
    expect(refused({ ping_interval: "-1s" })).toBe("ping_interval: must be from 0 to 2147483647 ms");
    expect(refused({ ping_interval: "1d" })).toBe('ping_interval: must be a duration such as "2m", "30s" or "1m30s" ("1d": unknown unit "d")');
    expect(refused({ ping_interval: "30" })).toBe('ping_interval: must be a duration such as "2m", "30s" or "1m30s" ("30": missing unit)');
    expect(refused({ ping_interval: 1.5 })).toBe("ping_interval: must be a whole number from 0 to 2147483");
    expect(refused({ ping_interval: "30 days" })).toMatch(/^ping_interval: must be a duration/);
  });
});

describe("max_pending and max_payload", () => {
  it("refuses max_pending below max_payload, or below nats-server's default max_payload", () => {
    expect(refused({ max_payload: 4096, max_pending: 2048 })).toBe("max_pending: must be at least max_payload (4096)");
    expect(refused({ max_pending: 65536 })).toBe("max_pending: must be at least max_payload (1048576, nats-server's default)");
    expect(parse({ max_payload: 2048, max_pending: 2048 }).maxPending).toBe(2048);
  });
});

describe("parseGoDuration", () => {
  const ms = (s: string): number | string => {
    const d = parseGoDuration(s);
    return "ns" in d ? d.ns / 1e6 : d.error;
  };
  it("reads what Go's time.ParseDuration reads", () => {
    expect(ms("0")).toBe(0);
    expect(ms("1ns")).toBe(0.000001);
    expect(ms("1us")).toBe(0.001);
    expect(ms("1µs")).toBe(0.001);
    expect(ms("1μs")).toBe(0.001);
    expect(ms("1ms")).toBe(1);
    expect(ms("1s")).toBe(1000);
    expect(ms("1m")).toBe(60_000);
    expect(ms("1h")).toBe(3_600_000);
    expect(ms("1h2m3s4ms")).toBe(3_723_004);
    expect(ms("1.5s")).toBe(1500);
    expect(ms(".5s")).toBe(500);
    expect(ms("1.s")).toBe(1000);
    expect(ms("1.1s")).toBe(1100);
    expect(ms("+2s")).toBe(2000);
    expect(ms("-2s")).toBe(-2000);
  });
  it("refuses what Go refuses", () => {
    expect(ms("")).toBe("not a duration");
    expect(ms("s")).toBe("not a duration");
    expect(ms(".s")).toBe("not a duration");
    expect(ms("-")).toBe("not a duration");
    expect(ms("1")).toBe("missing unit");
    expect(ms("1.5.5s")).toBe("missing unit");
    expect(ms("1d")).toBe('unknown unit "d"');
    expect(ms("1 s")).toBe('unknown unit " s"');
    expect(ms("3000000h")).toBe("too long");
  });
});

describe("authorization", () => {
  it("token", () => {
    const c = parse({ authorization: { token: "s3cr3t" } });
    expect(c.token).toBe("s3cr3t");
    expect(c.users).toEqual([]);
    expect(parse({ authorization: { token: BCRYPT } }).token).toBe(BCRYPT);
    expect(refused({ authorization: { token: "" } })).toBe("authorization.token: must not be empty");
    expect(refused({ authorization: { token: 42 } })).toBe("authorization.token: must be a string");
  });

  it("checks bcrypt hashes, which nats-server would fail silently at every login", () => {
    expect(refused({ authorization: { token: "$2a$10$tooShort" } })).toBe(
      "authorization.token: starts like a bcrypt hash but is not one (60 characters: $2b$<cost>$<53 characters of salt and hash>)",
    );
    expect(refused({ authorization: { token: BCRYPT.replace("$2a$", "$2x$") } })).toBe(
      "authorization.token: bcrypt hashes of the $2x$ variant are not supported by nats-edge; use $2a$, $2b$ or $2y$",
    );
    expect(refused({ authorization: { token: BCRYPT.replace("$11$", "$03$") } })).toBe("authorization.token: bcrypt cost 3 is outside 4 to 31");
    // Not a bcrypt prefix: a plain secret that happens to start with "$".
    expect(parse({ authorization: { token: "$money" } }).token).toBe("$money");
  });

  it("a single user becomes a user of account $G", () => {
    const c = parse({ authorization: { user: "alice", password: "pw" } });
    expect(c.token).toBe(null);
    expect(c.users).toEqual([{ user: "alice", password: "pw", nkey: null, account: "$G", permissions: null }]);
    const aliases = parse({ authorization: { username: "alice", pass: BCRYPT } });
    expect(aliases.users[0]).toMatchObject({ user: "alice", password: BCRYPT });
    expect(parse({ authorization: { user: "alice" } }).users[0]!.password).toBe("");
  });

  it("refuses what nats-server refuses or ignores", () => {
    expect(refused({ authorization: { password: "pw" } })).toBe(
      'authorization.password: needs "user" (nats-server ignores a password without one)',
    );
    expect(refused({ authorization: { user: "a", password: "b", token: "t" } })).toBe(
      "authorization: cannot have both a user/password and a token",
    );
    expect(refused({ authorization: { user: "a", users: [{ user: "b" }] } })).toBe(
      "authorization.users: cannot be combined with a single user/password",
    );
    expect(refused({ authorization: { token: "t", users: [{ user: "b" }] } })).toBe("authorization.users: cannot be combined with a token");
    expect(refused({ authorization: { user: "" } })).toBe("authorization.user: must not be empty");
    expect(refused({ authorization: { auth_callout: {} } })).toBe("authorization.auth_callout: not supported by nats-edge");
    expect(refused({ authorization: { foo: 1 } })).toBe("authorization.foo: unknown field");
    expect(refused({ authorization: [] })).toBe("authorization: must be an object");
  });

  it("timeout is seconds, fractions allowed", () => {
    expect(parse({ authorization: { timeout: 3 } }).authTimeoutMs).toBe(3000);
    expect(parse({ authorization: { timeout: 0.25 } }).authTimeoutMs).toBe(250);
    expect(parse({ authorization: { timeout: 0 } }).authTimeoutMs).toBe(2000);
    expect(parse({ authorization: { token: "t" } }).authTimeoutMs).toBe(2000);
    // nats-server reads a string as 1 second without a word.
    expect(refused({ authorization: { timeout: "5s" } })).toBe("authorization.timeout: must be a number of seconds from 0 to 2147483.647");
    expect(refused({ authorization: { timeout: -1 } })).toBe("authorization.timeout: must be a number of seconds from 0 to 2147483.647");
  });

  it("permissions are the users list's defaults, refused where nats-server ignores them", () => {
    const c = parse({
      authorization: {
        permissions: { publish: "pub.>" },
        users: [{ user: "a" }, { user: "b", permissions: { subscribe: "b.>" } }, { nkey: NKEY_A }],
      },
    });
    const defaults = { publish: { allow: ["pub.>"], deny: null }, subscribe: null, allowResponses: null };
    expect(c.users.map((u) => u.permissions)).toEqual([
      defaults,
      { publish: null, subscribe: { allow: ["b.>"], deny: null }, allowResponses: null },
      defaults,
    ]);
    expect(parse({ authorization: { default_permission: { sub: "x" }, users: [{ user: "a" }] } }).users[0]!.permissions).toEqual({
      publish: null,
      subscribe: { allow: ["x"], deny: null },
      allowResponses: null,
    });
    expect(refused({ authorization: { user: "a", permissions: { publish: "x" } } })).toBe(
      'authorization.permissions: applies only to a "users" list (nats-server ignores it for a single user or a token)',
    );
    expect(refused({ authorization: { token: "t", default_permissions: { publish: "x" } } })).toBe(
      'authorization.default_permissions: applies only to a "users" list (nats-server ignores it for a single user or a token)',
    );
  });
});

describe("users", () => {
  it("user/password and nkey users, in account $G", () => {
    const c = parse({ authorization: { users: [{ user: "a", password: BCRYPT }, { nkey: NKEY_A }, { username: "b" }] } });
    expect(c.users).toEqual([
      { user: "a", password: BCRYPT, nkey: null, account: "$G", permissions: null },
      { user: null, password: null, nkey: NKEY_A, account: "$G", permissions: null },
      { user: "b", password: "", nkey: null, account: "$G", permissions: null },
    ]);
    expect(c.accounts).toEqual(["$G"]);
  });

  it("refuses malformed entries, naming the entry", () => {
    expect(refused({ authorization: { users: {} } })).toBe("authorization.users: must be a list of users");
    expect(refused({ authorization: { users: ["a"] } })).toBe("authorization.users[0]: must be an object");
    expect(refused({ authorization: { users: [{ password: "x" }] } })).toBe('authorization.users[0]: needs a "user" or an "nkey"');
    expect(refused({ authorization: { users: [{ user: "" }] } })).toBe("authorization.users[0].user: must not be empty");
    expect(refused({ authorization: { users: [{ user: "a" }, { user: 7 }] } })).toBe("authorization.users[1].user: must be a string");
    expect(refused({ authorization: { users: [{ user: "a", account: "X" }] } })).toBe("authorization.users[0].account: unknown field");
    expect(refused({ authorization: { users: [{ user: "a", password: "$2b$10$x" }] } })).toMatch(
      /^authorization\.users\[0\]\.password: starts like a bcrypt hash but is not one/,
    );
  });

  it("an nkey must be a user's public key and stand alone", () => {
    const msg = 'authorization.users[0].nkey: must be a user public nkey (56 characters starting with "U")';
    expect(refused({ authorization: { users: [{ nkey: createAccount().getPublicKey() }] } })).toBe(msg);
    expect(refused({ authorization: { users: [{ nkey: "UABC" }] } })).toBe(msg);
    // One character changed: the checksum no longer matches.
    const bad = NKEY_A.slice(0, 10) + (NKEY_A[10] === "A" ? "B" : "A") + NKEY_A.slice(11);
    expect(refused({ authorization: { users: [{ nkey: bad }] } })).toBe(msg);
    expect(refused({ authorization: { users: [{ nkey: new TextDecoder().decode(createUser().getSeed()) }] } })).toBe(msg);
    expect(refused({ authorization: { users: [{ nkey: NKEY_A, password: "x" }] } })).toBe(
      "authorization.users[0]: an nkey user takes no user or password",
    );
    expect(refused({ authorization: { users: [{ nkey: NKEY_A, user: "a" }] } })).toBe(
      "authorization.users[0]: an nkey user takes no user or password",
    );
  });

  it("a user name or nkey appears once in the whole document", () => {
    expect(refused({ authorization: { users: [{ user: "a" }, { user: "a" }] } })).toBe(
      'authorization.users[1].user: duplicate user "a" (also at authorization.users[0].user)',
    );
    expect(refused({ accounts: { X: { users: [{ user: "a" }] } }, authorization: { users: [{ user: "a" }] } })).toBe(
      'authorization.users[0].user: duplicate user "a" (also at accounts.X.users[0].user)',
    );
    expect(refused({ accounts: { X: { users: [{ nkey: NKEY_A }] }, Y: { users: [{ nkey: NKEY_A }] } } })).toBe(
      `accounts.Y.users[0].nkey: duplicate nkey "${NKEY_A}" (also at accounts.X.users[0].nkey)`,
    );
  });

  it("allowed_connection_types must let a WebSocket client in", () => {
    expect(parse({ authorization: { users: [{ user: "a", allowed_connection_types: ["websocket", "STANDARD"] }] } }).users).toHaveLength(1);
    expect(parse({ authorization: { users: [{ user: "a", clients: [] }] } }).users).toHaveLength(1);
    expect(refused({ authorization: { users: [{ user: "a", connection_types: ["STANDARD"] }] } })).toBe(
      "authorization.users[0].connection_types: leaves out WEBSOCKET, the only kind of connection nats-edge has: this user could never connect",
    );
    expect(refused({ authorization: { users: [{ user: "a", allowed_connection_types: ["WEBSOCKET", "FOO"] }] } })).toBe(
      'authorization.users[0].allowed_connection_types[1]: unknown connection type "FOO"',
    );
  });
});

describe("permissions", () => {
  const perms = (p: unknown) => parse({ authorization: { users: [{ user: "u", permissions: p }] } }).users[0]!.permissions;
  const refusedPerms = (p: unknown) => refused({ authorization: { users: [{ user: "u", permissions: p }] } });
  const P = "authorization.users[0].permissions";

  it("a subject, a list, or allow/deny lists", () => {
    expect(perms({ publish: "a.b", subscribe: ["c.*", "d.>"] })).toEqual({
      publish: { allow: ["a.b"], deny: null },
      subscribe: { allow: ["c.*", "d.>"], deny: null },
      allowResponses: null,
    });
    expect(perms({ pub: { allow: "a", deny: ["a.b"] }, sub: { deny: ">" } })).toEqual({
      publish: { allow: ["a"], deny: ["a.b"] },
      subscribe: { allow: null, deny: [">"] },
      allowResponses: null,
    });
    // nats-server's route aliases are accepted for users too.
    expect(perms({ import: "x", export: "y" })).toEqual({
      publish: { allow: ["x"], deny: null },
      subscribe: { allow: ["y"], deny: null },
      allowResponses: null,
    });
    // An empty object means no restriction and still replaces the defaults.
    expect(perms({})).toEqual({ publish: null, subscribe: null, allowResponses: null });
  });

  it("names the entry that is not a subject", () => {
    const doc = { authorization: { users: [{ user: "a" }, { user: "b", permissions: { publish: { allow: [3] } } }] } };
    expect(refused(doc)).toBe("authorization.users[1].permissions.publish.allow[0]: must be a string");
    expect(refusedPerms({ publish: ["ok", "foo..bar"] })).toBe(`${P}.publish[1]: "foo..bar" is not a valid subject`);
    expect(refusedPerms({ subscribe: "foo.>.bar" })).toBe(`${P}.subscribe: "foo.>.bar" is not a valid subject, nor "subject queue"`);
    expect(refusedPerms({ subscribe: { deny: "" } })).toBe(`${P}.subscribe.deny: "" is not a valid subject, nor "subject queue"`);
    expect(refusedPerms({ publish: 5 })).toBe(`${P}.publish: must be a subject, a list of subjects, or {"allow": …, "deny": …}`);
    expect(refusedPerms({ publish: { allow: "a", except: "b" } })).toBe(`${P}.publish.except: unknown field`);
    expect(refusedPerms({ publish: "a", respond: true })).toBe(`${P}.respond: unknown field`);
    expect(refusedPerms("a")).toBe(`${P}: must be an object`);
  });

  it("subscribe entries may name a queue group", () => {
    expect(perms({ subscribe: ["jobs.* workers", "foo  q.*", "bar >"] })!.subscribe!.allow).toEqual(["jobs.* workers", "foo q.*", "bar >"]);
    expect(refusedPerms({ subscribe: "a b c" })).toBe(`${P}.subscribe: "a b c" is not a valid subject, nor "subject queue"`);
    expect(refusedPerms({ subscribe: "a.. q" })).toBe(`${P}.subscribe: "a.. q" is not a valid subject, nor "subject queue"`);
    expect(refusedPerms({ publish: "a q" })).toBe(`${P}.publish: "a q" names a queue group, which only a subscribe permission can have`);
  });

  it("refuses empty lists, which nats-server reads as no restriction at all", () => {
    const why = 'an empty list restricts nothing; leave it out to allow everything, or deny ">" to allow nothing';
    expect(refusedPerms({ publish: [] })).toBe(`${P}.publish: ${why}`);
    expect(refusedPerms({ subscribe: { allow: [] } })).toBe(`${P}.subscribe.allow: ${why}`);
    expect(refusedPerms({ subscribe: {} })).toBe(
      `${P}.subscribe: an empty object restricts nothing; leave it out to allow everything, or deny ">" to allow nothing`,
    );
  });

  it("allow_responses leaves only replies to publish when there is no publish allow list", () => {
    const defaults = { maxMsgs: 1, expiresMs: 120_000 };
    expect(perms({ allow_responses: true })).toEqual({ publish: { allow: [], deny: null }, subscribe: null, allowResponses: defaults });
    expect(perms({ publish: { deny: "x" }, allow_responses: true })!.publish).toEqual({ allow: [], deny: ["x"] });
    expect(perms({ publish: ["a", "b"], allow_responses: true })!.publish).toEqual({ allow: ["a", "b"], deny: null });
    // Order in the document does not matter.
    expect(perms({ allow_responses: true, publish: "a" })!.publish).toEqual({ allow: ["a"], deny: null });
    expect(perms({ allow_responses: false })).toEqual({ publish: null, subscribe: null, allowResponses: null });
  });

  it("allow_responses takes max and expires, 0 meaning the default and negative no limit", () => {
    expect(perms({ allow_responses: { max: 5, expires: "1m" } })!.allowResponses).toEqual({ maxMsgs: 5, expiresMs: 60_000 });
    expect(perms({ publish_allow_responses: { max_msgs: 3, ttl: "500ms" } })!.allowResponses).toEqual({ maxMsgs: 3, expiresMs: 500 });
    expect(perms({ allow_responses: { max: 0, expires: "0s" } })!.allowResponses).toEqual({ maxMsgs: 1, expiresMs: 120_000 });
    expect(perms({ allow_responses: { max: -1, expires: "-1s" } })!.allowResponses).toEqual({ maxMsgs: 0, expiresMs: 0 });
    expect(perms({ allow_responses: {} })!.allowResponses).toEqual({ maxMsgs: 1, expiresMs: 120_000 });
  });

  it("refuses malformed allow_responses", () => {
    expect(refusedPerms({ allow_responses: "yes" })).toBe(`${P}.allow_responses: must be true, false or {"max": …, "expires": …}`);
    expect(refusedPerms({ allow_responses: { max: 1.5 } })).toBe(
      `${P}.allow_responses.max: must be a whole number from -2147483647 to 2147483647`,
    );
    expect(refusedPerms({ allow_responses: { expires: 60 } })).toBe(
      `${P}.allow_responses.expires: must be a duration string such as "1m" (nats-server takes no number here)`,
    );
    expect(refusedPerms({ allow_responses: { expires: "1 minute" } })).toMatch(/^authorization\.users\[0\]\.permissions\.allow_responses\.expires: must be a duration/);
    expect(refusedPerms({ allow_responses: { count: 1 } })).toBe(`${P}.allow_responses.count: unknown field`);
  });
});

describe("accounts", () => {
  it("users of an account belong to it; every account is listed after $G", () => {
    const c = parse({
      accounts: {
        A: { users: [{ user: "a1" }, { nkey: NKEY_A }] },
        B: { users: [{ user: "b1", password: "x" }] },
        C: {},
      },
      authorization: { users: [{ user: "g" }] },
    });
    expect(c.accounts).toEqual(["$G", "A", "B", "C"]);
    expect(c.users.map((u) => [u.user ?? u.nkey, u.account])).toEqual([
      ["g", "$G"],
      ["a1", "A"],
      [NKEY_A, "A"],
      ["b1", "B"],
    ]);
  });

  it("default_permissions apply to the account's users without their own", () => {
    const c = parse({
      accounts: { A: { default_permissions: { subscribe: "a.>" }, users: [{ user: "a1" }, { user: "a2", permissions: { publish: "x" } }] } },
    });
    expect(c.users[0]!.permissions!.subscribe).toEqual({ allow: ["a.>"], deny: null });
    expect(c.users[1]!.permissions).toEqual({ publish: { allow: ["x"], deny: null }, subscribe: null, allowResponses: null });
  });

  it("takes a plain list of names", () => {
    expect(parse({ accounts: ["A", "B"] }).accounts).toEqual(["$G", "A", "B"]);
    expect(refused({ accounts: ["A", "A"] })).toBe('accounts[1]: duplicate account "A"');
    expect(refused({ accounts: ["A", 2] })).toBe("accounts[1]: must be a string");
  });

  it("account names become subject tokens", () => {
    const why = 'account names cannot be empty or contain ".", "*", ">" or whitespace';
    expect(refused({ accounts: { "a.b": {} } })).toBe(`accounts["a.b"]: ${why}`);
    expect(refused({ accounts: { "a*": {} } })).toBe(`accounts["a*"]: ${why}`);
    expect(refused({ accounts: { "a>": {} } })).toBe(`accounts["a>"]: ${why}`);
    expect(refused({ accounts: { "my app": {} } })).toBe(`accounts["my app"]: ${why}`);
    expect(refused({ accounts: { "": {} } })).toBe(`accounts[""]: ${why}`);
    expect(refused({ accounts: ["a\tb"] })).toBe(`accounts[0]: ${why}`);
    expect(refused({ accounts: { $G: {} } })).toBe('accounts.$G: "$G" is a reserved account');
    expect(refused({ accounts: { $SYS: {} } })).toBe("accounts.$SYS: is nats-server's system account, which nats-edge does not have");
    expect(parse({ accounts: { "my-app_2": {} } }).accounts).toEqual(["$G", "my-app_2"]);
  });

  it("refuses what nats-edge does not do", () => {
    for (const f of ["exports", "imports", "limits", "nkey"]) {
      expect(refused({ accounts: { A: { [f]: [] } } })).toBe(`accounts.A.${f}: not supported by nats-edge`);
    }
    expect(refused({ accounts: { A: { users: [], other: 1 } } })).toBe("accounts.A.other: unknown field");
    expect(refused({ accounts: { A: [] } })).toBe("accounts.A: must be an object");
    expect(refused({ accounts: "A" })).toBe("accounts: must be an object of accounts (or a list of account names)");
  });

  it("a token or single user cannot be combined with users in accounts", () => {
    expect(refused({ accounts: { A: { users: [{ user: "a" }] } }, authorization: { token: "t" } })).toBe(
      "authorization.token: cannot be combined with users in accounts (accounts.A.users)",
    );
    expect(refused({ accounts: { A: { users: [{ user: "a" }] } }, authorization: { user: "g", password: "p" } })).toBe(
      "authorization.user: cannot be combined with users in accounts (accounts.A.users)",
    );
    // Accounts without users are fine.
    expect(parse({ accounts: { A: {} }, authorization: { token: "t" } }).token).toBe("t");
  });
});

describe("no_auth_user", () => {
  it("names a user of a users list", () => {
    expect(parse({ authorization: { users: [{ user: "anon" }] }, no_auth_user: "anon" }).noAuthUser).toBe("anon");
    expect(parse({ accounts: { A: { users: [{ user: "anon" }] } }, no_auth_user: "anon" }).noAuthUser).toBe("anon");
  });
  it("refuses anyone else", () => {
    const msg = 'no_auth_user: "anon" is not a user in authorization.users or in an account\'s users';
    expect(refused({ no_auth_user: "anon" })).toBe(msg);
    expect(refused({ authorization: { users: [{ user: "x" }] }, no_auth_user: "anon" })).toBe(msg);
    // nats-server looks only at the users lists, never at a single user.
    expect(refused({ authorization: { user: "anon" }, no_auth_user: "anon" })).toBe(msg);
    expect(refused({ authorization: { users: [{ nkey: NKEY_B }] }, no_auth_user: NKEY_B })).toBe(
      `no_auth_user: "${NKEY_B}" is not a user in authorization.users or in an account's users`,
    );
    expect(refused({ no_auth_user: "" })).toBe("no_auth_user: must not be empty");
  });
});

describe("operator mode", () => {
  let op: KeyPair;
  let opSigner: KeyPair;
  let opJwt: string;
  let acc: KeyPair;
  let accJwt: string;
  let acc2: KeyPair;
  let acc2Jwt: string;
  let sys: KeyPair;
  let sysJwt: string;
  let opWithSysJwt: string;
  let strictJwt: string;
  let foreignAccJwt: string;
  let userJwt: string;

  beforeAll(async () => {
    op = createOperator();
    opSigner = createOperator();
    opJwt = await encodeOperator("op", op, { signing_keys: [opSigner.getPublicKey()] });
    acc = createAccount();
    accJwt = await encodeAccount("A", acc, {}, { signer: op });
    acc2 = createAccount();
    acc2Jwt = await encodeAccount("A2", acc2, {}, { signer: opSigner });
    sys = createAccount();
    sysJwt = await encodeAccount("SYS", sys, {}, { signer: op });
    opWithSysJwt = await encodeOperator("op", op, { system_account: sys.getPublicKey() });
    strictJwt = await encodeOperator("op", op, {
      signing_keys: [opSigner.getPublicKey()],
      strict_signing_key_usage: true,
    } as Partial<Operator>);
    foreignAccJwt = await encodeAccount("F", acc, {}, { signer: createOperator() });
    userJwt = await encodeUser("u", createUser(), acc);
  });

  const base = () => ({
    operator: opJwt,
    resolver: "MEMORY",
    resolver_preload: { [acc.getPublicKey()]: accJwt, [acc2.getPublicKey()]: acc2Jwt },
  });

  it("trusts the operator and preloads its accounts", () => {
    const c = parse(base());
    expect(c.operator).not.toBe(null);
    expect(c.operator!.operators).toEqual([opJwt]);
    expect([...c.operator!.accounts]).toEqual([
      [acc.getPublicKey(), accJwt],
      [acc2.getPublicKey(), acc2Jwt],
    ]);
    expect(c.operator!.systemAccount).toBe(null);
    expect(c.users).toEqual([]);
    expect(c.accounts).toEqual(["$G"]);
  });

  it("takes a list of operators, the resolver's aliases and spellings", () => {
    const c = parse({ operators: [opJwt, opWithSysJwt], account_resolver: "mem", resolver_preload: {} });
    expect(c.operator!.operators).toEqual([opJwt, opWithSysJwt]);
    expect(parse({ ...base(), resolver: " memory " }).operator).not.toBe(null);
    expect(refused({ operator: [], resolver: "MEMORY" })).toBe("operator: must name at least one operator JWT");
    expect(refused({ operator: 5, resolver: "MEMORY" })).toBe("operator: must be an operator JWT or a list of them");
  });

  it("wants the JWT itself", () => {
    expect(refused({ operator: "/etc/nats/op.jwt", resolver: "MEMORY" })).toBe(
      "operator: must be the operator JWT itself (eyJ…), not a file: a Worker has no file system",
    );
    expect(refused({ operator: [opJwt, "op.jwt"], resolver: "MEMORY" })).toBe(
      "operator[1]: must be the operator JWT itself (eyJ…), not a file: a Worker has no file system",
    );
    expect(refused({ operator: "eyJnotajwt", resolver: "MEMORY" })).toMatch(/^operator: is not a valid JWT: /);
    // A signature that does not verify.
    const tampered = opJwt.slice(0, -4) + (opJwt.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect(refused({ operator: tampered, resolver: "MEMORY" })).toMatch(/^operator: is not a valid JWT: /);
    expect(refused({ operator: accJwt, resolver: "MEMORY" })).toBe("operator: is not an operator JWT");
    // Signed by an nkey, but without NATS claims.
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const head = `${b64({ typ: "JWT", alg: "ed25519-nkey" })}.${b64({ iss: op.getPublicKey(), sub: op.getPublicKey() })}`;
    const bare = `${head}.${Buffer.from(op.sign(new TextEncoder().encode(head))).toString("base64url")}`;
    expect(refused({ operator: bare, resolver: "MEMORY" })).toBe("operator: is not a NATS JWT");
  });

  it("needs the memory resolver", () => {
    expect(refused({ operator: opJwt })).toBe('operator: needs resolver: "MEMORY" (with the accounts in resolver_preload)');
    expect(refused({ operator: opJwt, resolver: "URL(http://localhost:9090/jwt/v1/accounts/)" })).toBe(
      'resolver: the URL resolver is not supported by nats-edge; use "MEMORY" with resolver_preload',
    );
    expect(refused({ operator: opJwt, resolver: { type: "full", dir: "./jwt" } })).toBe(
      'resolver: the full and cache resolvers are not supported by nats-edge; use "MEMORY" with resolver_preload',
    );
    expect(refused({ operator: opJwt, resolver: "MEMORYX" })).toBe('resolver: must be "MEMORY"');
  });

  it("checks every preloaded account JWT against its key and the trusted keys", () => {
    const a = acc.getPublicKey();
    expect(refused({ ...base(), resolver_preload: { [op.getPublicKey()]: accJwt } })).toBe(
      `resolver_preload.${op.getPublicKey()}: the key must be an account public nkey (56 characters starting with "A")`,
    );
    expect(refused({ ...base(), resolver_preload: { [a]: 1 } })).toBe(`resolver_preload.${a}: must be a string`);
    expect(refused({ ...base(), resolver_preload: { [a]: "x.y.z" } })).toMatch(new RegExp(`^resolver_preload\\.${a}: is not a valid JWT: `));
    expect(refused({ ...base(), resolver_preload: { [a]: userJwt } })).toBe(`resolver_preload.${a}: is not an account JWT`);
    expect(refused({ ...base(), resolver_preload: { [a]: acc2Jwt } })).toBe(
      `resolver_preload.${a}: is the JWT of account ${acc2.getPublicKey()}, not of ${a}`,
    );
    const foreignIssuer = JSON.parse(Buffer.from(foreignAccJwt.split(".")[1]!, "base64url").toString()).iss;
    expect(refused({ ...base(), resolver_preload: { [a]: foreignAccJwt } })).toBe(
      `resolver_preload.${a}: is signed by ${foreignIssuer}, which is neither a trusted operator nor one of its signing keys`,
    );
    expect(refused({ ...base(), resolver_preload: [accJwt] })).toBe(
      "resolver_preload: must be an object of account public key to account JWT",
    );
  });

  it("with strict_signing_key_usage only the signing keys sign accounts", () => {
    expect(parse({ operator: strictJwt, resolver: "MEMORY", resolver_preload: { [acc2.getPublicKey()]: acc2Jwt } }).operator).not.toBe(
      null,
    );
    expect(refused({ operator: strictJwt, resolver: "MEMORY", resolver_preload: { [acc.getPublicKey()]: accJwt } })).toBe(
      `resolver_preload.${acc.getPublicKey()}: is signed by ${op.getPublicKey()}, which is neither a trusted operator nor one of its signing keys`,
    );
  });

  it("system_account is the operator's and must be preloaded", () => {
    const s = sys.getPublicKey();
    const preload = { [s]: sysJwt };
    expect(parse({ operator: opWithSysJwt, resolver: "MEMORY", resolver_preload: preload }).operator!.systemAccount).toBe(s);
    expect(parse({ operator: opJwt, resolver: "MEMORY", resolver_preload: preload, system_account: s }).operator!.systemAccount).toBe(s);
    expect(parse({ operator: opJwt, resolver: "MEMORY", resolver_preload: preload, system: s }).operator!.systemAccount).toBe(s);
    expect(refused({ operator: opWithSysJwt, resolver: "MEMORY" })).toBe(`operator: names system account ${s}, which is not in resolver_preload`);
    expect(refused({ operator: opJwt, resolver: "MEMORY", system_account: s })).toBe(`system_account: account ${s} is not in resolver_preload`);
    const accOnly = { [acc.getPublicKey()]: accJwt };
    expect(refused({ operator: opWithSysJwt, resolver: "MEMORY", resolver_preload: accOnly, system_account: acc.getPublicKey() })).toBe(
      "system_account: differs from the system account the operator JWT names",
    );
  });

  it("cannot be combined with configured users or accounts", () => {
    expect(refused({ ...base(), accounts: { A: {} } })).toBe("accounts: cannot be combined with operator: accounts come from resolver_preload");
    const why = "cannot be combined with operator: users come from JWTs signed by the operator's accounts";
    expect(refused({ ...base(), authorization: { token: "t" } })).toBe(`authorization.token: ${why}`);
    expect(refused({ ...base(), authorization: { users: [{ user: "a" }] } })).toBe(`authorization.users: ${why}`);
    expect(refused({ ...base(), authorization: { user: "a" } })).toBe(`authorization.user: ${why}`);
    expect(refused({ ...base(), no_auth_user: "a" })).toBe("no_auth_user: not compatible with operator");
    // The authentication timeout still applies.
    expect(parse({ ...base(), authorization: { timeout: 5 } }).authTimeoutMs).toBe(5000);
  });

  it("its settings mean nothing without an operator", () => {
    expect(refused({ resolver: "MEMORY" })).toBe("resolver: is only used with operator");
    expect(refused({ resolver_preload: {} })).toBe("resolver_preload: is only used with operator");
    expect(refused({ accounts: { SYS: {} }, system_account: "SYS" })).toBe(
      "system_account: nats-edge has no system account; it is accepted only with operator, as the operator's",
    );
  });

  it("jwt_cookie needs an operator", () => {
    expect(parse({ ...base(), websocket: { jwt_cookie: "jwt" } }).websocket.jwtCookie).toBe("jwt");
    expect(refused({ websocket: { jwt_cookie: "jwt" } })).toBe(
      "websocket.jwt_cookie: needs operator (a JWT is only checked against trusted operators)",
    );
  });
});

describe("websocket", () => {
  it("origin checks and credential cookies", () => {
    const ws = parse({
      websocket: {
        same_origin: true,
        allowed_origins: ["https://Example.COM:443/", "http://localhost:8080", "https://app.example.com:8443"],
        token_cookie: "tok",
        user_cookie: "usr",
        pass_cookie: "pwd",
      },
    }).websocket;
    expect(ws).toEqual({
      sameOrigin: true,
      allowedOrigins: ["https://example.com", "http://localhost:8080", "https://app.example.com:8443"],
      jwtCookie: null,
      tokenCookie: "tok",
      usernameCookie: "usr",
      passwordCookie: "pwd",
      compression: false,
    });
    expect(parse({ ws: { origins: "http://[::1]:80" } }).websocket.allowedOrigins).toEqual(["http://[::1]"]);
  });

  it("refuses what is not a browser origin", () => {
    expect(refused({ websocket: { allowed_origins: ["www.example.com"] } })).toBe(
      'websocket.allowed_origins[0]: "www.example.com" is not an origin such as "https://example.com" or "http://localhost:8080"',
    );
    expect(refused({ websocket: { allowed_origins: ["ftp://example.com"] } })).toBe(
      'websocket.allowed_origins[0]: "ftp://example.com": an origin\'s scheme is http or https',
    );
    for (const o of ["https://example.com/app", "https://u:p@example.com", "https://example.com?x=1", "https://example.com#top"]) {
      expect(refused({ websocket: { allowed_origins: o } })).toBe(
        `websocket.allowed_origins: ${JSON.stringify(o)}: an origin is only scheme, host and port`,
      );
    }
    expect(refused({ websocket: { allowed_origins: 5 } })).toBe("websocket.allowed_origins: must be an origin or a list of them");
    expect(refused({ websocket: { same_origin: "yes" } })).toBe("websocket.same_origin: must be true or false");
  });

  it("accepts and checks the listener settings that a nats-server run of the same file needs", () => {
    const ws = parse({ websocket: { listen: "127.0.0.1:9222", host: "0.0.0.0", port: 9222, no_tls: true, compression: true } }).websocket;
    expect(ws).toEqual({ ...EMPTY_CONFIG.websocket, compression: true });
    expect(EMPTY_CONFIG.websocket.compression).toBe(false);
    expect(parse({ websocket: { listen: 9222, compress: false, net: "::" } }).websocket).toEqual(EMPTY_CONFIG.websocket);
    expect(refused({ websocket: { compression: "yes" } })).toBe("websocket.compression: must be true or false");
    expect(refused({ websocket: { port: "9222" } })).toBe("websocket.port: must be a whole number from -1 to 65535");
    expect(refused({ websocket: { listen: "localhost" } })).toBe('websocket.listen: must be a port or "host:port"');
    expect(refused({ websocket: { listen: "localhost:99999" } })).toBe('websocket.listen: must be a port or "host:port"');
    expect(refused({ websocket: { no_tls: "true" } })).toBe("websocket.no_tls: must be true or false");
  });

  it("refuses what nats-edge does not do, and nats-server's other names", () => {
    for (const f of ["tls", "authorization", "no_auth_user", "handshake_timeout", "advertise"]) {
      expect(refused({ websocket: { [f]: {} } })).toBe(`websocket.${f}: not supported by nats-edge`);
    }
    expect(refused({ websocket: { username_cookie: "u" } })).toBe('websocket.username_cookie: unknown field (nats-server calls it "user_cookie")');
    expect(refused({ websocket: { password_cookie: "p" } })).toBe('websocket.password_cookie: unknown field (nats-server calls it "pass_cookie")');
    expect(refused({ websocket: { token_cookie: "" } })).toBe("websocket.token_cookie: must not be empty");
    expect(refused({ websocket: true })).toBe("websocket: must be an object");
  });
});

describe("jetstream", () => {
  it("is on unless the document turns it off, in nats-server's words", () => {
    expect(parse({}).jetstream.enabled).toBe(true);
    for (const off of [false, "disabled", "disable", "DISABLED", { enabled: false }]) expect(parse({ jetstream: off }).jetstream.enabled).toBe(false);
    for (const on of [true, "enabled", "enable", {}, { enabled: true }]) expect(parse({ jetstream: on }).jetstream.enabled).toBe(true);
    expect(refused({ jetstream: "maybe" })).toBe("jetstream: expected 'enabled' or 'disabled' for string value, got 'maybe'");
    expect(refused({ jetstream: 1 })).toBe("jetstream: must be 'enabled', 'disabled', true, false, or a block of settings");
  });

  it("takes the server's storage limits, accepts a store directory, and refuses what the platform decides", () => {
    const js = parse({ jetstream: { max_memory_store: 1024, max_file: 1 << 30, store_dir: "/data/js" } }).jetstream;
    expect([js.maxMemory, js.maxStorage]).toEqual([1024, 1 << 30]);
    expect(refused({ jetstream: { domain: "edge" } })).toBe("jetstream.domain: not supported by nats-edge");
    expect(refused({ jetstream: { cipher: "aes" } })).toBe("jetstream.cipher: not supported by nats-edge");
    expect(refused({ jetstream: { max_file_store: "1GB" } })).toBe(`jetstream.max_file_store: must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
  });

  it("takes each account's own setting: off, on, or its limits under nats-server's names", () => {
    const js = parse({
      accounts: {
        A: { jetstream: "disabled" },
        B: { jetstream: "enabled" },
        C: { jetstream: { max_mem: 1000, max_file: 2000, max_streams: 3, consumers: 4, max_bytes_required: true, max_ack_pending: 50 } },
        D: {},
      },
    }).jetstream;
    expect(js.accounts.get("A")).toBeNull();
    expect(js.accounts.get("B")).toMatchObject({ maxStreams: -1, maxStorage: -1 });
    expect(js.accounts.get("C")).toEqual({
      maxMemory: 1000,
      maxStorage: 2000,
      maxStreams: 3,
      maxConsumers: 4,
      maxAckPending: 50,
      maxBytesRequired: true,
      memoryMaxStreamBytes: -1,
      storageMaxStreamBytes: -1,
    });
    expect(js.accounts.has("D")).toBe(false);
    expect(refused({ accounts: { A: { jetstream: { max_streams: -2 } } } })).toBe("accounts.A.jetstream.max_streams: must be a whole number from 0 to 2147483647");
    expect(refused({ accounts: { A: { jetstream: { cluster_traffic: "owner" } } } })).toBe("accounts.A.jetstream.cluster_traffic: not supported by nats-edge");
  });
});

describe("leafnodes", () => {
  it("takes nats-server's leafnode logins, each bound to an account", () => {
    const doc = {
      accounts: { A: {}, B: {} },
      leafnodes: {
        port: 7422,
        authorization: { users: [{ user: "l1", password: "p1", account: "A" }, { user: "l2", pass: BCRYPT }], timeout: 3 },
      },
    };
    expect(parse(doc).leafnodes).toEqual({
      users: [
        { user: "l1", password: "p1", nkey: null, account: "A" },
        { user: "l2", password: BCRYPT, nkey: null, account: "$G" },
      ],
      authTimeoutMs: 3000,
      remotes: [],
    });
    expect(parse({ leaf: { authorization: { user: "u", password: "p" } } }).leafnodes.users).toEqual([{ user: "u", password: "p", nkey: null, account: "$G" }]);
    expect(parse({ leafnodes: { authorization: { nkey: NKEY_A } } }).leafnodes.users[0].nkey).toBe(NKEY_A);
    expect(parse({ leafnodes: { listen: "127.0.0.1:7422", no_advertise: true } }).leafnodes).toEqual({ users: [], authTimeoutMs: null, remotes: [] });
  });

  it("takes the hubs to dial, with a .creds file's content", () => {
    const creds = "-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QifQ.e30.c2ln\n------END NATS USER JWT------\n\n" +
      "************************* IMPORTANT *************************\n\n" +
      "-----BEGIN USER NKEY SEED-----\nSUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY\n------END USER NKEY SEED------\n";
    const doc = {
      accounts: { A: {} },
      leafnodes: { remotes: [{ url: "nats-leaf://u:p@hub:7422", account: "A", credentials: creds }, { urls: ["wss://a.example", "tls://b.example:7422"] }] },
    };
    expect(parse(doc).leafnodes.remotes).toEqual([
      { urls: ["nats-leaf://u:p@hub:7422"], account: "A", credentials: { jwt: "eyJ0eXAiOiJKV1QifQ.e30.c2ln", seed: "SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY" } },
      { urls: ["wss://a.example", "tls://b.example:7422"], account: "$G", credentials: null },
    ]);
    expect(refused({ leafnodes: { remotes: [{}] } })).toBe('leafnodes.remotes[0]: needs a "url" (or "urls")');
    expect(refused({ leafnodes: { remotes: [{ url: "http://hub" }] } })).toMatch(/^leafnodes.remotes\[0\].url: "http:\/\/hub": the scheme must be one of nats-leaf, nats, tcp, tls, ws, wss$/);
    expect(refused({ leafnodes: { remotes: [{ url: "ws://hub", credentials: "/etc/nats/leaf.creds" }] } })).toMatch(/^leafnodes.remotes\[0\].credentials: must be the content of a .creds file/);
    expect(refused({ leafnodes: { remotes: [{ url: "ws://hub", account: "X" }] } })).toBe('leafnodes.remotes[0].account: account "X" is not defined in accounts');
    expect(refused({ leafnodes: { remotes: [{ url: "ws://hub", hub: true }] } })).toBe("leafnodes.remotes[0].hub: not supported by nats-edge");
  });

  it("refuses what it cannot honour, naming the field", () => {
    expect(refused({ leafnodes: { authorization: { user: "u", account: "X" } } })).toBe('leafnodes.authorization.account: account "X" is not defined in accounts');
    expect(refused({ leafnodes: { authorization: { user: "u", users: [] } } })).toBe('leafnodes.authorization.users: takes one of "user", "nkey" or "users"');
    expect(refused({ leafnodes: { authorization: { password: "p" } } })).toBe('leafnodes.authorization.password: needs "user"');
    expect(refused({ leafnodes: { authorization: { nkey: "nope" } } })).toMatch(/^leafnodes.authorization.nkey: must be a user public nkey/);
    expect(refused({ leafnodes: { authorization: { users: [{ user: "a" }, { user: "a" }] } } })).toBe('leafnodes.authorization.users[1].user: duplicate user "a"');
    expect(refused({ leafnodes: { tls: {} } })).toBe("leafnodes.tls: not supported by nats-edge");
    expect(refused({ leafnodes: { bogus: 1 } })).toBe("leafnodes.bogus: unknown field");
  });
});
