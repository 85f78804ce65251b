// The configurations and cases of `npm run compat` (scripts/compat.mjs): each
// configuration is a nats-server configuration document, run unchanged by
// nats-server (as its -c file) and by nats-edge (as NATS_CONFIG); each case is
// a conversation in raw frames (see harness/raw-ws.mjs) whose outcome is compared.
//
// Only what nats-server 2.9 understands goes into a document: no
// token_cookie/user_cookie/pass_cookie (2.11), no `operator` list.
//
// Cases are deterministic: no queue group has two members that could both be
// picked, and what depends on timers is bounded by `closeWithin` or
// normalized (server PINGs of a live connection).
//
// Beyond harness/raw-ws.mjs's case fields: `headers` and `query` per connection (sent
// to both servers), `rewrite(rawBytes)` and `normalize(escapedBytes)`, `pause` (ms
// after the case), and `known`: a deliberate difference of this case (or a list),
// { why, applies(ns, edge) } over the two outcomes of a connection. A
// configuration's `edgeVars` are extra Worker variables for nats-edge (SHARDS).
//
// The JetStream configurations are in compat-jetstream.mjs.

import { encodeAccount, encodeOperator, encodeUser, newScopedSigner } from "@nats-io/jwt";
import { createAccount, createOperator, createUser } from "@nats-io/nkeys";
import { hashSync } from "bcryptjs";
import { CLOSE, enc, OPEN } from "../../harness/raw-ws.mjs";
import { jetstreamConfigurations } from "./compat-jetstream.mjs";

/** CONNECT as the official clients send it, with `fields` (credentials) added. */
const connect = (fields = {}) =>
  `CONNECT ${JSON.stringify({ verbose: false, pedantic: false, headers: true, no_responders: true, protocol: 1, ...fields })}\r\n`;
const C0 = connect();

const pub = (subject, payload, reply) => `PUB ${subject}${reply ? ` ${reply}` : ""} ${payload.length}\r\n${payload}\r\n`;

/** `kp`'s signature of the nonce in the connection's INFO, as the clients encode it. */
function signNonce(kp, c) {
  return Buffer.from(kp.sign(enc.encode(String(c.infoJson?.nonce ?? "")))).toString("base64url");
}

const nkeyConnect = (user, signer = user) => (c) => connect({ nkey: user.getPublicKey(), sig: signNonce(signer, c) });
const jwtConnect = (jwt, signer) => (c) => connect(signer ? { jwt, sig: signNonce(signer, c) } : { jwt });

/** One case: `conns` label -> connect frame (or function), `steps` [label, frame] pairs. */
const kase = (name, conns, steps = [], opts = {}) => ({ name, conns, steps, ...opts });

/** Server PINGs of a connection kept alive: how many fit in the wait depends on timer phases. */
function withoutServerPings(bytes) {
  return bytes.includes("PING\\r\\n") ? `${bytes.replaceAll("PING\\r\\n", "")} (+ server PINGs)` : bytes;
}

/**
 * For cases that take longer than 2 s, about something else: nats-server sends
 * its first PING 2 s after a client connected (firstClientPingInterval),
 * whatever ping_interval says; nats-edge does not (see the case "first server
 * PING" below).
 */
function stripServerPings(bytes) {
  return bytes.replaceAll("PING\\r\\n", "");
}

/** Answers every server PING, as a client does. */
function answerPings(c, bytes) {
  if (Buffer.from(bytes).includes("PING\r\n") && c.ws.readyState === 1) c.ws.send(enc.encode("PONG\r\n"));
}

export async function configurations() {
  const nkUser = createUser();
  const nkStranger = createUser();

  const operator = createOperator();
  const accountA = createAccount();
  const accountB = createAccount();
  const accountL = createAccount(); // limited to one connection
  const accountN = createAccount(); // its JWT says nothing about limits
  const accountE = createAccount(); // expires while a user is connected
  const unknownAccount = createAccount();
  const signingKey = createAccount();
  const scopedKey = createAccount();
  const opJwt = await encodeOperator("OP", operator);
  const now = Math.floor(Date.now() / 1000);
  // Spelled out as nsc writes them: nats-server reads an absent limit as 0.
  const noLimits = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
  const accJwt = (name, kp, claims = {}) => encodeAccount(name, kp, { limits: noLimits, ...claims }, { signer: operator });
  const uRevoked = createUser();
  const ua = createUser();
  const ua2 = createUser();
  const ub = createUser();
  const uBearer = createUser();
  const uExpired = createUser();
  const uUnknown = createUser();
  const uLimited = createUser();
  const uExpiring = createUser();
  const jwtA = await encodeUser("ua", ua, accountA);
  const jwtA2 = await encodeUser("ua2", ua2, accountA);
  const jwtB = await encodeUser("ub", ub, accountB);
  const jwtBearer = await encodeUser("bearer", uBearer, accountA, { bearer_token: true });
  const jwtExpired = await encodeUser("expired", uExpired, accountA, {}, { exp: now - 60 });
  const jwtUnknown = await encodeUser("unknown", uUnknown, unknownAccount);
  const jwtLimited = await encodeUser("limited", uLimited, accountA, { pub: { allow: ["ok.>"] }, sub: { allow: ["ok.>"] } });
  const jwtNotYet = await encodeUser("later", ua, accountA, {}, { nbf: now + 3600 });
  const jwtStandardOnly = await encodeUser("tcp", ua, accountA, { allowed_connection_types: ["STANDARD"] });
  const jwtWebsocketOnly = await encodeUser("ws", ua, accountA, { allowed_connection_types: ["WEBSOCKET"] });
  const jwtRevoked = await encodeUser("revoked", uRevoked, accountA);
  const jwtBySigningKey = await encodeUser("sk", ua, accountA, {}, { signer: signingKey });
  const jwtByScopedKey = await encodeUser("scoped", ua, accountA, {}, { signer: scopedKey, scopedUser: true });
  const uL1 = createUser();
  const uL2 = createUser();
  const jwtL1 = await encodeUser("l1", uL1, accountL);
  const jwtL2 = await encodeUser("l2", uL2, accountL);
  const jwtN = await encodeUser("n", ua, accountN);
  // Issued when the case runs, so that it expires while the connection is open.
  const expiringConnect = async (c) => {
    const jwt = await encodeUser("expiring", uExpiring, accountA, {}, { exp: Math.floor(Date.now() / 1000) + 2 });
    return connect({ jwt, sig: signNonce(uExpiring, c) });
  };

  const bobHash = hashSync("bob-pw", 4);

  return [
    {
      name: "token",
      title: "authorization { token, timeout: 1 }",
      config: { authorization: { token: "s3cret", timeout: 1 } },
      cases: [
        kase("right token", { A: connect({ auth_token: "s3cret" }) }, [["A", "SUB foo 1\r\n"], ["A", pub("foo", "hi")]]),
        kase("CONNECT, SUB, PUB and PING in one frame", { A: connect({ auth_token: "s3cret" }) + "SUB foo 1\r\n" + pub("foo", "hi") + "PING\r\n" }),
        kase("wrong token", { A: connect({ auth_token: "nope" }) }),
        kase("verbose CONNECT, right token", { A: connect({ auth_token: "s3cret", verbose: true }) }),
        kase("verbose CONNECT, wrong token", { A: connect({ auth_token: "nope", verbose: true }) }),
        kase("no token", { A: C0 }),
        kase("token sent as user and password", { A: connect({ user: "s3cret", pass: "s3cret" }) }),
        kase("PUB before CONNECT", { A: null }, [["A", pub("foo", "hi")]]),
        kase("PING before CONNECT", { A: null }),
        kase("garbage before CONNECT (FOO)", { A: null }, [["A", "FOO\r\n"]]),
        kase("garbage starting with C before CONNECT (CONNX)", { A: null }, [["A", "CONNX {}\r\n"]]),
        kase("second CONNECT with the same token", { A: connect({ auth_token: "s3cret" }) }, [["A", connect({ auth_token: "s3cret" })]]),
        kase("second CONNECT with a wrong token", { A: connect({ auth_token: "s3cret" }) }, [["A", connect({ auth_token: "nope" })]]),
        kase("CONNECT after half the timeout, then quiet past it", { A: null }, [
          ["A", null, { wait: 500 }],
          ["A", connect({ auth_token: "s3cret" }), { wait: 1500 }],
        ], { normalize: stripServerPings }),
        kase("authorization timeout: nothing sent", { A: null }, [], { ping: false, closeWithin: 4000 }),
        kase("authorization timeout: half a CONNECT", { A: null }, [["A", 'CONNECT {"auth_token":']], { ping: false, closeWithin: 4000 }),
      ],
    },
    {
      name: "user-password",
      title: "authorization { user, password }",
      config: { authorization: { user: "u", password: "p" } },
      cases: [
        kase("right password", { A: connect({ user: "u", pass: "p" }) }, [["A", "SUB foo 1\r\n"], ["A", pub("foo", "hi")]]),
        kase("wrong password", { A: connect({ user: "u", pass: "x" }) }),
        kase("no password", { A: connect({ user: "u" }) }),
        kase("no credentials", { A: C0 }),
      ],
    },
    {
      name: "users",
      title: "authorization.users: plain, bcrypt and nkey users; no_auth_user with permissions",
      config: {
        authorization: {
          users: [
            { user: "alice", password: "alice-pw" },
            { user: "bob", password: bobHash },
            { nkey: nkUser.getPublicKey() },
            { user: "guest", permissions: { publish: "public.>", subscribe: "public.>" } },
          ],
        },
        no_auth_user: "guest",
      },
      cases: [
        kase("plain password, right", { A: connect({ user: "alice", pass: "alice-pw" }) }, [["A", "SUB foo 1\r\n"], ["A", pub("foo", "hi")]]),
        kase("plain password, wrong", { A: connect({ user: "alice", pass: "bob-pw" }) }),
        kase("plain password, missing", { A: connect({ user: "alice" }) }),
        kase("bcrypt password, right", { A: connect({ user: "bob", pass: "bob-pw" }) }, [["A", "SUB foo 1\r\n"], ["A", pub("foo", "hi")]]),
        kase("bcrypt password, wrong", { A: connect({ user: "bob", pass: "alice-pw" }) }),
        kase("bcrypt password: the hash itself sent", { A: connect({ user: "bob", pass: bobHash }) }),
        kase("unknown user", { A: connect({ user: "carol", pass: "alice-pw" }) }),
        kase("nkey, nonce signed", { A: nkeyConnect(nkUser) }, [["A", "SUB foo 1\r\n"], ["A", pub("foo", "hi")]]),
        kase("nkey, nonce signed by another key", { A: nkeyConnect(nkUser, nkStranger) }),
        kase("nkey, no signature", { A: connect({ nkey: nkUser.getPublicKey() }) }),
        kase("unknown nkey, nonce signed", { A: nkeyConnect(nkStranger) }),
        kase("no credentials: no_auth_user's permissions", { A: C0 }, [
          ["A", "SUB public.x 1\r\n"],
          ["A", pub("public.x", "hi")],
          ["A", pub("private", "no")],
          ["A", "SUB private 2\r\n"],
        ]),
        kase("no CONNECT at all: acts as no_auth_user (verbose by default)", { A: null }, [["A", "SUB public.x 1\r\n"], ["A", pub("public.x", "hi")]]),
        kase("no_auth_user by name, no password", { A: connect({ user: "guest" }) }, [["A", pub("private", "no")]]),
        kase("only a token (none configured)", { A: connect({ auth_token: "alice-pw" }) }, [["A", pub("private", "no")]]),
      ],
    },
    {
      name: "no_auth_user-bcrypt",
      title: "no_auth_user naming a user whose password is a bcrypt hash",
      config: { authorization: { users: [{ user: "bob", password: bobHash }] }, no_auth_user: "bob" },
      cases: [
        kase("no credentials", { A: C0 }),
        kase("no CONNECT at all", { A: null }, [["A", "SUB foo 1\r\n"]]),
        kase("bob with his password", { A: connect({ user: "bob", pass: "bob-pw" }) }),
      ],
    },
    {
      name: "accounts",
      title: "accounts A (a1, a2) and B (b1)",
      config: {
        accounts: {
          A: { users: [{ user: "a1", password: "pa" }, { user: "a2", password: "pa" }] },
          B: { users: [{ user: "b1", password: "pb" }] },
        },
      },
      cases: (() => {
        const a1 = connect({ user: "a1", pass: "pa" });
        const a2 = connect({ user: "a2", pass: "pa" });
        const b1 = connect({ user: "b1", pass: "pb" });
        return [
          kase("A's message reaches A's `>`, not B's", { A1: a1, A2: a2, B1: b1 }, [
            ["A2", "SUB > 1\r\n"],
            ["B1", "SUB > 1\r\n"],
            ["A1", pub("foo", "from A")],
          ]),
          kase("B's message stays in B", { A1: a1, B1: b1 }, [["A1", "SUB > 1\r\n"], ["B1", "SUB > 1\r\n"], ["B1", pub("foo", "from B")]]),
          kase("queue groups of one name in A and B", { A1: a1, B1: b1, A2: a2 }, [
            ["A1", "SUB foo q 1\r\n"],
            ["B1", "SUB foo q 1\r\n"],
            ["A2", pub("foo", "1") + pub("foo", "2")],
          ]),
          kase("a request finds no responder in another account", { A1: a1, B1: b1 }, [
            ["A1", "SUB svc 1\r\n"],
            ["B1", "SUB _INBOX.b.* 1\r\n"],
            ["B1", pub("svc", "req", "_INBOX.b.1")],
          ]),
          kase("a1 with B's password", { A: connect({ user: "a1", pass: "pb" }) }),
          kase("b1 with A's password", { A: connect({ user: "b1", pass: "pa" }) }),
          kase("a1 naming its own account A in CONNECT", { A: connect({ user: "a1", pass: "pa", account: "A" }) }),
          kase("a1 naming account B in CONNECT", { X: connect({ user: "a1", pass: "pa", account: "B" }), B1: b1 }, [
            ["X", "SUB > 1\r\n"],
            ["B1", pub("foo", "from B")],
          ]),
          kase("second CONNECT as a user of another account", { X: a1, B1: b1 }, [
            ["X", b1],
            ["X", "SUB > 1\r\n"],
            ["B1", pub("foo", "from B")],
          ]),
          kase("no credentials", { A: C0 }),
        ];
      })(),
    },
    {
      name: "permissions",
      title: "users with publish/subscribe allow and deny, queue entries, allow_responses",
      config: {
        authorization: {
          users: [
            { user: "pub", password: "p", permissions: { publish: { allow: ["allowed.>"], deny: ["allowed.secret"] } } },
            { user: "sub", password: "p", permissions: { subscribe: { allow: ["foo.>", "q.* workers"], deny: ["foo.secret"] } } },
            { user: "qdeny", password: "p", permissions: { subscribe: { deny: ["jobs.* bad"] } } },
            { user: "resp", password: "p", permissions: { subscribe: "svc.>", allow_responses: true } },
            { user: "any", password: "p" },
            { user: "overlap", password: "p", permissions: { subscribe: { deny: ["foo.*"] } } },
          ],
          default_permissions: { publish: { deny: ["forbidden.>"] } },
        },
      },
      cases: (() => {
        const as = (user) => connect({ user, pass: "p" });
        return [
          kase("publish allowed", { P: as("pub"), S: as("any") }, [["S", "SUB > 1\r\n"], ["P", pub("allowed.x", "hi")]]),
          kase("publish outside the allow list", { P: as("pub"), S: as("any") }, [["S", "SUB > 1\r\n"], ["P", pub("other", "hi")]]),
          kase("publish on the deny list", { P: as("pub"), S: as("any") }, [["S", "SUB > 1\r\n"], ["P", pub("allowed.secret", "hi")]]),
          kase("subscribe allowed", { S: as("sub"), P: as("any") }, [["S", "SUB foo.bar 1\r\n"], ["P", pub("foo.bar", "hi")]]),
          kase("subscribe outside the allow list", { S: as("sub") }, [["S", "SUB bar 1\r\n"]]),
          kase("subscribe on the deny list", { S: as("sub") }, [["S", "SUB foo.secret 1\r\n"]]),
          kase("queue subscribe with the allowed queue", { S: as("sub"), P: as("any") }, [["S", "SUB q.x workers 1\r\n"], ["P", pub("q.x", "hi")]]),
          kase("queue subscribe with another queue", { S: as("sub") }, [["S", "SUB q.x others 1\r\n"]]),
          kase("plain subscribe where only a queue is allowed", { S: as("sub") }, [["S", "SUB q.x 1\r\n"]]),
          kase("queue subscribe on a plain allow entry", { S: as("sub"), P: as("any") }, [["S", "SUB foo.x anyq 1\r\n"], ["P", pub("foo.x", "hi")]]),
          kase("denied queue (deny \"jobs.* bad\")", { S: as("qdeny") }, [
            ["S", "SUB jobs.a bad 1\r\n"],
            ["S", "SUB jobs.a good 2\r\n"],
            ["S", "SUB jobs.a 3\r\n"],
          ]),
          kase("wildcard subscription covering a denied subject", { S: as("sub"), P: as("any") }, [
            ["S", "SUB foo.> 1\r\n"],
            ["S", "SUB foo.* 2\r\n"],
            ["P", pub("foo.secret", "denied")],
            ["P", pub("foo.ok", "fine")],
          ]),
          kase("wildcard subscription overlapping a denied wildcard (deny foo.*, SUB *.bar)", { S: as("overlap"), P: as("any") }, [
            ["S", "SUB *.bar 1\r\n"],
            ["P", pub("foo.bar", "denied")],
            ["P", pub("baz.bar", "fine")],
          ], {
            known: {
              why:
                "A subscriber's deny list filters every delivery in nats-edge; nats-server filters only for a wildcard " +
                "subscription that covers a deny entry, so it delivers foo.bar to SUB *.bar although foo.* is denied " +
                "(src/protocol/permissions.ts, canDeliver).",
              applies: (ns, edge) => ns.bytes.replace("MSG foo.bar 1 6\\r\\ndenied\\r\\n", "") === edge.bytes && ns.close === edge.close,
            },
          }),
          kase("allow_responses: one reply allowed, a second refused", { R: as("resp"), Q: as("any") }, [
            ["R", "SUB svc.> 1\r\n"],
            ["Q", "SUB _INBOX.q.* 1\r\n"],
            ["Q", pub("svc.echo", "req", "_INBOX.q.1")],
            ["R", pub("_INBOX.q.1", "reply 1")],
            ["R", pub("_INBOX.q.1", "reply 2")],
          ]),
          kase("allow_responses: nothing else may be published", { R: as("resp") }, [["R", pub("elsewhere", "hi")]]),
          kase("verbose: refused PUB and SUB", { P: connect({ user: "pub", pass: "p", verbose: true }) }, [
            ["P", pub("other", "hi")],
            ["P", "SUB x 1\r\n"],
          ]),
          kase("verbose: refused SUB", { S: connect({ user: "sub", pass: "p", verbose: true }) }, [["S", "SUB bar 1\r\n"], ["S", "SUB q.x others 2\r\n"]]),
          kase("default_permissions for a user without permissions", { A: as("any") }, [["A", pub("forbidden.x", "hi")], ["A", pub("fine", "hi")]]),
          kase("default_permissions only for users without their own", { Q: as("qdeny"), S: as("any") }, [["S", "SUB > 1\r\n"], ["Q", pub("forbidden.x", "hi")]]),
        ];
      })(),
    },
    {
      name: "operator",
      title: "operator, resolver MEMORY, accounts A and B preloaded, websocket.jwt_cookie",
      config: {
        operator: opJwt,
        resolver: "MEMORY",
        resolver_preload: {
          [accountA.getPublicKey()]: await accJwt("A", accountA, {
            signing_keys: [signingKey.getPublicKey(), newScopedSigner(scopedKey, "ok-only", { pub: { allow: ["ok.>"] }, sub: { allow: ["ok.>"] } })],
            revocations: { [uRevoked.getPublicKey()]: now + 60 },
          }),
          [accountB.getPublicKey()]: await accJwt("B", accountB),
          [accountL.getPublicKey()]: await accJwt("L", accountL, { limits: { ...noLimits, conn: 1 } }),
          [accountN.getPublicKey()]: await encodeAccount("N", accountN, {}, { signer: operator }),
        },
        websocket: { jwt_cookie: "jwt" },
      },
      cases: [
        kase("user JWT, nonce signed", { A: jwtConnect(jwtA, ua) }, [["A", "SUB foo 1\r\n"], ["A", pub("foo", "hi")]]),
        kase("user JWT, nonce signed by another key", { A: jwtConnect(jwtA, ub) }),
        kase("user JWT, no signature", { A: jwtConnect(jwtA) }),
        kase("expired user JWT", { A: jwtConnect(jwtExpired, uExpired) }),
        kase("user JWT of an account not preloaded", { A: jwtConnect(jwtUnknown, uUnknown) }),
        kase("bearer user JWT, no signature", { A: jwtConnect(jwtBearer) }, [["A", "SUB foo 1\r\n"], ["A", pub("foo", "hi")]]),
        kase("bearer user JWT in the cookie, CONNECT without credentials", { A: C0 }, [["A", pub("foo", "hi")]], {
          headers: { A: { Cookie: `jwt=${jwtBearer}` } },
        }),
        kase("non-bearer user JWT in the cookie", { A: C0 }, [], { headers: { A: { Cookie: `jwt=${jwtA}` } } }),
        kase("bearer user JWT in the cookie, PUB before CONNECT", { A: null }, [["A", pub("foo", "hi")]], {
          headers: { A: { Cookie: `jwt=${jwtBearer}` } },
        }),
        kase("no JWT", { A: C0 }),
        kase("accounts isolated", { A1: jwtConnect(jwtA, ua), A2: jwtConnect(jwtA2, ua2), B: jwtConnect(jwtB, ub) }, [
          ["A1", "SUB > 1\r\n"],
          ["B", "SUB > 1\r\n"],
          ["A2", pub("foo", "from A")],
        ]),
        kase("permissions from the user JWT", { A: jwtConnect(jwtLimited, uLimited) }, [
          ["A", pub("nope", "x")],
          ["A", "SUB nope 1\r\n"],
          ["A", "SUB ok.x 2\r\n"],
          ["A", pub("ok.x", "fine")],
        ]),
        kase("user JWT not valid yet (nbf)", { A: jwtConnect(jwtNotYet, ua) }),
        kase("user JWT for STANDARD connections only", { A: jwtConnect(jwtStandardOnly, ua) }),
        kase("user JWT for WEBSOCKET connections", { A: jwtConnect(jwtWebsocketOnly, ua) }),
        kase("revoked user JWT", { A: jwtConnect(jwtRevoked, uRevoked) }),
        kase("user JWT issued by an account signing key", { A: jwtConnect(jwtBySigningKey, ua) }, [["A", "SUB foo 1\r\n"], ["A", pub("foo", "hi")]]),
        kase("user JWT issued by a scoped signing key: the scope's permissions", { A: jwtConnect(jwtByScopedKey, ua) }, [
          ["A", pub("nope", "x")],
          ["A", "SUB ok.x 1\r\n"],
          ["A", pub("ok.x", "fine")],
        ]),
        kase("second connection of an account limited to one (limits.conn 1)", { L1: jwtConnect(jwtL1, uL1), L2: jwtConnect(jwtL2, uL2) }),
        kase("account JWT without limits", { A: jwtConnect(jwtN, ua) }),
        kase("user JWT expiring while connected", { A: expiringConnect }, [], { ping: false, closeWithin: 5000, normalize: stripServerPings }),
      ],
    },
    {
      name: "account-expiry",
      title: "operator mode, an account JWT that expires 5 s after the configuration is written",
      // Built when the configuration starts, so that the account expires while the case runs.
      config: async () => ({
        operator: opJwt,
        resolver: "MEMORY",
        resolver_preload: {
          [accountE.getPublicKey()]: await encodeAccount("E", accountE, { limits: noLimits }, { signer: operator, exp: Math.floor(Date.now() / 1000) + 5 }),
        },
      }),
      cases: [
        kase("connected user of an account that expires", { A: async (c) => jwtConnect(await encodeUser("ue", ua, accountE), ua)(c) }, [], {
          ping: false,
          closeWithin: 9000,
          normalize: stripServerPings,
        }),
      ],
    },
    {
      name: "limits",
      title: "no authorization; max_payload 64, max_subscriptions 2, max_control_line 128",
      config: { max_payload: 64, max_subscriptions: 2, max_control_line: 128 },
      cases: [
        kase("CONNECT naming an account", { A: connect({ account: "A" }) }),
        kase("CONNECT asking for a new account", { A: connect({ new_account: true }) }),
        kase("CONNECT line over max_control_line", { A: connect({ name: "n".repeat(60) }) }),
        kase("first server PING, 3 s after CONNECT (ping_interval not set)", { A: C0 }, [["A", null, { wait: 3000 }]], {
          known: {
            why:
              "nats-server sends every client a first PING about 2 s after it connects, to measure the round trip; " +
              "nats-edge pings only every ping_interval (one alarm round per object), so an object whose clients are " +
              "idle is woken no more often than that.",
            applies: (ns, edge) => ns.bytes.replace(/^PING\\r\\n/, "") === edge.bytes && ns.close === edge.close,
          },
        }),
        kase("payload of 64 bytes", { A: C0 }, [["A", "SUB foo 1\r\n"], ["A", pub("foo", "x".repeat(64))]]),
        kase("payload of 65 bytes", { A: C0 }, [["A", pub("foo", "x".repeat(65))]]),
        kase("HPUB of 65 bytes in total", { A: C0 }, [["A", `HPUB foo 12 65\r\nNATS/1.0\r\n\r\n${"x".repeat(53)}\r\n`]]),
        kase("third subscription", { A: C0 }, [["A", "SUB a 1\r\n"], ["A", "SUB b 2\r\n"], ["A", "SUB c 3\r\n"], ["A", pub("a", "1") + pub("b", "2") + pub("c", "3")]]),
        kase("control line of 128 bytes", { A: C0 }, [["A", "SUB > 1\r\n"], ["A", pub("s".repeat(126), "hi")]]),
        kase("control line of 129 bytes", { A: C0 }, [["A", pub("s".repeat(127), "hi")]]),
        kase("SUB control line of 129 bytes", { A: C0 }, [["A", `SUB ${"s".repeat(127)} 1\r\n`]]),
      ],
    },
    {
      name: "max_connections",
      title: "max_connections 2",
      config: { max_connections: 2 },
      cases: [
        kase("third connection", { A: C0, B: C0, C: C0 }),
        kase("a place freed is taken", { A: C0, B: C0, C: C0 }, [
          ["A", CLOSE, { wait: 300 }],
          ["C", OPEN],
        ], { deferred: ["C"] }),
      ].map((c) => ({ ...c, pause: 300 })),
    },
    {
      name: "max_connections-shards",
      title: "max_connections 2, nats-edge with SHARDS 2 (connections pinned with ?shard=N)",
      config: { max_connections: 2 },
      edgeVars: { SHARDS: "2" },
      cases: [
        kase("two on shard 0, one on shard 1", { A: C0, B: C0, C: C0 }, [], {
          query: { A: "?shard=0", B: "?shard=0", C: "?shard=1" },
          pause: 300,
          known: {
            why:
              "nats-edge applies max_connections per shard, ceil(max_connections / SHARDS) each, without " +
              "counting the other shards' connections: a shard can be full while the broker is not, and the " +
              "broker as a whole can admit up to SHARDS - 1 more than the limit.",
            applies: (ns, edge) =>
              ns.info === edge.info &&
              ((ns.close === "open" && edge.close.startsWith("closed 1008 \"Maximum Connections")) ||
                (ns.close.startsWith("closed 1008 \"Maximum Connections") && edge.close === "open")),
          },
        }),
      ],
    },
    {
      name: "ping",
      title: 'ping_interval "1s", ping_max 2',
      config: { ping_interval: "1s", ping_max: 2 },
      cases: [
        kase("a client answering PINGs stays", { A: C0 }, [["A", null, { wait: 3500 }]], {
          onMessage: answerPings,
          normalize: withoutServerPings,
        }),
        kase("a silent client is stale after 2 PINGs", { A: C0 }, [], { ping: false, closeWithin: 6000 }),
        kase("a client that never sent CONNECT", { A: null }, [], { ping: false, closeWithin: 4500 }),
      ],
    },
    {
      name: "origins",
      title: 'websocket.allowed_origins ["http://good.example"]',
      config: { websocket: { allowed_origins: ["http://good.example"] } },
      cases: [
        kase("allowed origin", { A: C0 }, [], { headers: { A: { Origin: "http://good.example" } } }),
        kase("other origin", { A: C0 }, [], { headers: { A: { Origin: "http://evil.example" } } }),
        kase("allowed host, other scheme", { A: C0 }, [], { headers: { A: { Origin: "https://good.example" } } }),
        kase("no Origin header", { A: C0 }),
      ],
    },
    ...jetstreamConfigurations(),
  ];
}
