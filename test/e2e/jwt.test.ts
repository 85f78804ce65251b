// Decentralized authentication: an operator, account JWTs in the memory
// resolver, and users presenting their JWT and signing the INFO nonce with the
// official client's authenticators (or, as browsers do, a bearer JWT in a cookie).
import { createAccount, createOperator, createUser, type KeyPair } from "@nats-io/nkeys";
import { encodeAccount, encodeOperator, encodeUser, fmtCreds, type User } from "@nats-io/jwt";
import { credsAuthenticator, jwtAuthenticator } from "@nats-io/nats-core";
import { jetstreamManager, StorageType } from "@nats-io/jetstream";
import { apiError } from "./jetstream-util.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type Broker } from "./broker.js";
import { Clients, RawSocket, delay, listen, quiesce, uniq } from "./util.js";

const operator = createOperator();
const accountA = createAccount();
const accountB = createAccount();
const stranger = createAccount(); // signed by the operator, but not in the resolver

async function userJwt(account: KeyPair, user: KeyPair, claims: Partial<User> = {}, dates: { exp?: number; nbf?: number } = {}): Promise<string> {
  return encodeUser("u", user, account, claims, dates);
}

describe("operator mode", () => {
  let broker: Broker;
  let clients: Clients;

  beforeAll(async () => {
    const config = {
      operator: await encodeOperator("OP", operator),
      resolver: "MEMORY",
      resolver_preload: {
        // A has JetStream, with limits; B's JWT gives it none.
        [accountA.getPublicKey()]: await encodeAccount("A", accountA, { limits: { disk_storage: 100_000, mem_storage: 0, streams: 1 } }, { signer: operator }),
        [accountB.getPublicKey()]: await encodeAccount("B", accountB, {}, { signer: operator }),
      },
      websocket: { jwt_cookie: "nats_jwt" },
    };
    broker = await startBroker({ vars: { SHARDS: "2", NATS_CONFIG: JSON.stringify(config) } });
    clients = new Clients(broker.url, 2);
  });
  afterEach(async () => clients.closeAll());
  afterAll(async () => broker?.stop());

  it("a user JWT with the nonce signed gets in (jwtAuthenticator and a creds file)", async () => {
    const u = createUser();
    const jwt = await userJwt(accountA, u);
    const nc = await clients.connect({ authenticator: jwtAuthenticator(jwt, u.getSeed()) });
    const subject = uniq("jwt");
    const inbox = listen(nc, subject);
    await nc.flush();
    const nc2 = await clients.connect({ authenticator: credsAuthenticator(fmtCreds(jwt, u)) });
    nc2.publish(subject, "hi");
    await quiesce(nc2, nc);
    await inbox.waitFor(1);
  });

  it("accounts are isolated", async () => {
    const ua = createUser();
    const ub = createUser();
    const a = await clients.connect({ authenticator: jwtAuthenticator(await userJwt(accountA, ua), ua.getSeed()) });
    const b = await clients.connect({ authenticator: jwtAuthenticator(await userJwt(accountB, ub), ub.getSeed()) });
    const subject = uniq("jwtiso");
    const seenB = listen(b, ">");
    await b.flush();
    a.publish(subject, "A only");
    await quiesce(a, b);
    await delay(150);
    expect(seenB.strings()).not.toContain("A only");
  });

  it("refused: wrong seed, unknown account, expired, not yet valid", async () => {
    const u = createUser();
    const other = createUser();
    const cases: [string, string, Uint8Array][] = [
      ["wrong seed", await userJwt(accountA, u), other.getSeed()],
      ["unknown account", await userJwt(stranger, u), u.getSeed()],
      ["expired", await userJwt(accountA, u, {}, { exp: Math.floor(Date.now() / 1000) - 10 }), u.getSeed()],
      ["not yet valid", await userJwt(accountA, u, {}, { nbf: Math.floor(Date.now() / 1000) + 3600 }), u.getSeed()],
    ];
    for (const [what, jwt, seed] of cases) {
      const err = await clients.connect({ authenticator: jwtAuthenticator(jwt, seed) }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message, what).toMatch(/Authorization Violation/i);
    }
  });

  it("permissions from the user JWT", async () => {
    const u = createUser();
    const jwt = await userJwt(accountA, u, { pub: { allow: ["ok.>"] }, sub: { allow: ["ok.>", "_INBOX.>"] } });
    const raw = await clients.raw();
    const info = await raw.info();
    const sig = Buffer.from(u.sign(new TextEncoder().encode(String(info.nonce)))).toString("base64url");
    const m = raw.mark();
    raw.send(`CONNECT ${JSON.stringify({ verbose: false, jwt, sig })}\r\nPUB nope 0\r\n\r\nSUB nope 1\r\nPUB ok.x 0\r\n\r\nPING\r\n`);
    await raw.waitFor("PONG\r\n", 5_000, m);
    expect(raw.since(m)).toBe(
      `-ERR 'Permissions Violation for Publish to "nope"'\r\n-ERR 'Permissions Violation for Subscription to "nope"'\r\nPONG\r\n`,
    );
  });

  it("credentials that expire close the connection with 'User Authentication Expired'", async () => {
    const u = createUser();
    const exp = Math.floor(Date.now() / 1000) + 3;
    const jwt = await userJwt(accountA, u, {}, { exp });
    const raw = await clients.raw();
    const info = await raw.info();
    const sig = Buffer.from(u.sign(new TextEncoder().encode(String(info.nonce)))).toString("base64url");
    raw.send(`CONNECT ${JSON.stringify({ verbose: false, jwt, sig })}\r\nPING\r\n`);
    await raw.waitFor("PONG\r\n");
    await raw.waitClosing(10_000);
    expect(raw.afterInfo()).toBe("PONG\r\n-ERR 'User Authentication Expired'\r\n");
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(exp - 0.5);
    expect(await raw.closedAfterLastFrame()).toBeLessThan(1000);
  });

  it("the HTTP bridge takes a bearer JWT in Authorization and keeps its account", async () => {
    const u = createUser();
    const jwt = await userJwt(accountA, u, { bearer_token: true, pub: { allow: ["http.>"], deny: [] }, sub: { allow: [], deny: [] } });
    const reader = createUser();
    const nc = await clients.connect({ authenticator: jwtAuthenticator(await userJwt(accountA, reader), reader.getSeed()) });
    const ub = createUser();
    const other = await clients.connect({ authenticator: jwtAuthenticator(await userJwt(accountB, ub), ub.getSeed()) });
    const subject = uniq("http");
    const inA = listen(nc, subject);
    const inB = listen(other, subject);
    await Promise.all([nc.flush(), other.flush()]);
    const http = broker.url.replace("ws://", "http://");
    const post = (path: string, token: string) => fetch(`${http}${path}`, { method: "POST", body: "via http", headers: { Authorization: `Bearer ${token}` } });
    expect((await post(`/pub/${subject}`, jwt)).status).toBe(204);
    await inA.waitFor(1);
    const denied = await post("/pub/elsewhere", jwt);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ error: 'Permissions Violation for Publish to "elsewhere"' });
    // Without the nonce signed, a JWT that is not a bearer token is refused, as on a socket.
    const unsigned = await post(`/pub/${subject}`, await userJwt(accountA, u));
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual({ error: "Authorization Violation" });
    await quiesce(nc, other);
    expect(inA.msgs.length).toBe(1);
    expect(inB.msgs.length).toBe(0);
  });

  it("a bearer JWT in the cookie needs no signature (browsers)", async () => {
    const u = createUser();
    const jwt = await userJwt(accountA, u, { bearer_token: true });
    const raw = await RawSocket.open(broker.url, 10_000, { Cookie: `nats_jwt=${jwt}` });
    try {
      await raw.handshake({});
      expect(raw.afterInfo()).toBe("PONG\r\n");
    } finally {
      raw.close();
    }
    const notBearer = await userJwt(accountA, u);
    const raw2 = await RawSocket.open(broker.url, 10_000, { Cookie: `nats_jwt=${notBearer}` });
    await raw2.info();
    raw2.send('CONNECT {"verbose":false}\r\nPING\r\n');
    await raw2.waitClosed();
    expect(raw2.afterInfo()).toBe("-ERR 'Authorization Violation'\r\n");
  });

  it("JetStream as the account JWT's limits say: off without them", async () => {
    const ua = createUser();
    const ub = createUser();
    const a = await clients.connect({ authenticator: jwtAuthenticator(await userJwt(accountA, ua), ua.getSeed()) });
    const b = await clients.connect({ authenticator: jwtAuthenticator(await userJwt(accountB, ub), ub.getSeed()) });
    expect(await apiError(jetstreamManager(b))).toEqual({ code: 503, err_code: 10039, description: "JetStream not enabled for account" });
    const jsm = await jetstreamManager(a);
    expect((await jsm.getAccountInfo()).limits).toMatchObject({ max_storage: 100_000, max_memory: 0, max_streams: 1, max_consumers: -1 });
    // No memory storage at all (mem_storage 0), and one stream.
    expect(await apiError(jsm.streams.add({ name: "M", subjects: ["m.>"], storage: StorageType.Memory }))).toMatchObject({ err_code: 10028 });
    await jsm.streams.add({ name: "ONE", subjects: ["one.>"] });
    expect(await apiError(jsm.streams.add({ name: "TWO", subjects: ["two.>"] }))).toMatchObject({ err_code: 10027 });
  });
});
