// Authentication as a client sees it, with the official client's authenticators:
// token, user and password (plain and bcrypt), nkeys signing the INFO nonce,
// no_auth_user, credentials from cookies, the authorization timeout, ops before
// CONNECT, and a broker that admits nobody without credentials.
import bcrypt from "bcryptjs";
import { createUser } from "@nats-io/nkeys";
import {
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
  type NatsConnection,
} from "@nats-io/nats-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type Broker } from "./broker.js";
import { Clients, RawSocket, listen, quiesce, uniq, upgradeAnswer } from "./util.js";

const AUTH_VIOLATION = "-ERR 'Authorization Violation'\r\n";
/** What a verbose client logged in as the no_auth_user gets for CONNECT and PING. */
const GUEST = "+OK\r\nPONG\r\n";

/** Connecting fails with the server's authorization error. */
async function refused(clients: Clients, opts: Parameters<Clients["connect"]>[0]): Promise<Error> {
  const err = await clients.connect(opts).then(
    () => null,
    (e: Error) => e,
  );
  expect(err, "the connection should have been refused").not.toBeNull();
  return err!;
}

async function health(broker: Broker): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${broker.port}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("token", () => {
  let broker: Broker;
  let clients: Clients;

  beforeAll(async () => {
    const config = { authorization: { token: "s3cr3t", timeout: 1 }, websocket: { token_cookie: "nats_token" } };
    broker = await startBroker({ vars: { NATS_CONFIG: JSON.stringify(config) } });
    clients = new Clients(broker.url, 1);
  });
  afterEach(async () => clients.closeAll());
  afterAll(async () => broker?.stop());

  it("INFO asks for credentials and carries no nonce", async () => {
    const raw = await clients.raw();
    const info = await raw.info();
    expect(info.auth_required).toBe(true);
    expect(info.nonce).toBeUndefined();
  });

  it("the right token gets in; messages flow", async () => {
    const nc = await clients.connect({ authenticator: tokenAuthenticator("s3cr3t") });
    const subject = uniq("token");
    const inbox = listen(nc, subject);
    await nc.flush();
    nc.publish(subject, "hello");
    await inbox.waitFor(1);
    expect(inbox.strings()).toEqual(["hello"]);
  });

  it("the HTTP bridge takes the token as a bearer token or in its cookie", async () => {
    const nc = await clients.connect({ authenticator: tokenAuthenticator("s3cr3t") });
    const subject = uniq("token.http");
    const inbox = listen(nc, subject);
    await nc.flush();
    const http = broker.url.replace("ws://", "http://");
    const post = (headers: Record<string, string>) => fetch(`${http}/pub/${subject}`, { method: "POST", body: "via http", headers });
    expect((await post({ Authorization: "Bearer s3cr3t" })).status).toBe(204);
    expect((await post({ Cookie: "nats_token=s3cr3t" })).status).toBe(204);
    const wrong = await post({ Authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: "Authorization Violation" });
    await inbox.waitFor(2);
    expect(inbox.strings()).toEqual(["via http", "via http"]);
  });

  it("a wrong or missing token is refused with 'Authorization Violation'", async () => {
    const wrong = await refused(clients, { authenticator: tokenAuthenticator("nope") });
    expect(wrong.message).toMatch(/Authorization Violation/i);
    const none = await refused(clients, {});
    expect(none.message).toMatch(/Authorization Violation/i);
  });

  it("the raw exchange: -ERR then a close frame 1008", async () => {
    const raw = await clients.raw();
    await raw.info();
    raw.send('CONNECT {"verbose":false,"auth_token":"nope"}\r\nPING\r\n');
    const close = await raw.waitClosed();
    expect(raw.afterInfo()).toBe(AUTH_VIOLATION);
    expect(close.code).toBe(1008);
  });

  it("every CONNECT is checked: a second one with a wrong token closes the connection", async () => {
    const raw = await clients.raw();
    await raw.info();
    raw.send('CONNECT {"verbose":false,"auth_token":"s3cr3t"}\r\nPING\r\n');
    await raw.waitFor("PONG\r\n");
    raw.send('CONNECT {"verbose":false,"auth_token":"nope"}\r\nPING\r\n');
    await raw.waitClosed();
    expect(raw.afterInfo()).toBe(`PONG\r\n${AUTH_VIOLATION}`);
  });

  it("a CONNECT that names an account is refused, as nats-server refuses it", async () => {
    for (const extra of ['"account":"A"', '"new_account":true']) {
      const raw = await clients.raw();
      await raw.info();
      raw.send(`CONNECT {"verbose":false,"auth_token":"s3cr3t",${extra}}\r\nPING\r\n`);
      await raw.waitClosed();
      expect(raw.afterInfo(), extra).toBe(AUTH_VIOLATION);
    }
  });

  it("any op before CONNECT is an authorization violation", async () => {
    for (const op of ["PING\r\n", "SUB foo 1\r\n", "PUB foo 1\r\nx\r\n", "BOGUS\r\n"]) {
      const raw = await clients.raw();
      await raw.info();
      raw.send(op);
      await raw.waitClosed();
      expect(raw.afterInfo(), op).toBe(AUTH_VIOLATION);
    }
  });

  it("a client that never sends CONNECT gets 'Authentication Timeout' after authorization.timeout", async () => {
    const raw = await clients.raw();
    await raw.info();
    const t0 = Date.now();
    await raw.waitClosing(5_000);
    expect(raw.afterInfo()).toBe("-ERR 'Authentication Timeout'\r\n");
    expect(Date.now() - t0).toBeGreaterThan(700);
    // The close completes: the TCP connection ends, not only the WebSocket handshake.
    expect(await raw.closedAfterLastFrame()).toBeLessThan(1000);
  });

  it("the token can come from the cookie the websocket block names", async () => {
    const raw = await RawSocket.open(broker.url, 10_000, { Cookie: "other=1; nats_token=s3cr3t" });
    try {
      await raw.handshake({});
      expect(raw.afterInfo()).toBe("PONG\r\n");
    } finally {
      raw.close();
    }
  });
});

describe("users", () => {
  let broker: Broker;
  let clients: Clients;
  const nkeyUser = createUser();

  beforeAll(async () => {
    const config = {
      authorization: {
        users: [
          { user: "alice", password: "wonderland" },
          { user: "bob", password: bcrypt.hashSync("builder", 8) },
          { nkey: nkeyUser.getPublicKey() },
          { user: "guest", password: "unused-by-guests" },
        ],
      },
      no_auth_user: "guest",
      websocket: { user_cookie: "nu", pass_cookie: "np" },
    };
    broker = await startBroker({ vars: { NATS_CONFIG: JSON.stringify(config) } });
    clients = new Clients(broker.url, 1);
  });
  afterEach(async () => clients.closeAll());
  afterAll(async () => broker?.stop());

  async function roundTrip(nc: NatsConnection): Promise<void> {
    const subject = uniq("users");
    const inbox = listen(nc, subject);
    await nc.flush();
    nc.publish(subject, "ok");
    await inbox.waitFor(1);
  }

  it("plain and bcrypt passwords", async () => {
    await roundTrip(await clients.connect({ authenticator: usernamePasswordAuthenticator("alice", "wonderland") }));
    await roundTrip(await clients.connect({ user: "bob", pass: "builder" }));
    const bad = await refused(clients, { user: "bob", pass: "wrong" });
    expect(bad.message).toMatch(/Authorization Violation/i);
    const unknown = await refused(clients, { user: "mallory", pass: "wonderland" });
    expect(unknown.message).toMatch(/Authorization Violation/i);
  });

  it("nkeys: INFO carries a nonce, the client signs it", async () => {
    const raw = await clients.raw();
    const info = await raw.info();
    expect(info.auth_required).toBe(true);
    expect(typeof info.nonce).toBe("string");
    expect(String(info.nonce).length).toBeGreaterThan(10);
    await roundTrip(await clients.connect({ authenticator: nkeyAuthenticator(nkeyUser.getSeed()) }));
    const other = createUser();
    const bad = await refused(clients, { authenticator: nkeyAuthenticator(other.getSeed()) });
    expect(bad.message).toMatch(/Authorization Violation/i);
  });

  it("a signature over another nonce is refused", async () => {
    const raw = await clients.raw();
    await raw.info();
    const sig = Buffer.from(nkeyUser.sign(new TextEncoder().encode("not-the-nonce"))).toString("base64url");
    raw.send(`CONNECT ${JSON.stringify({ verbose: false, nkey: nkeyUser.getPublicKey(), sig })}\r\nPING\r\n`);
    await raw.waitClosed();
    expect(raw.afterInfo()).toBe(AUTH_VIOLATION);
  });

  it("no credentials at all: the no_auth_user; ops before CONNECT are allowed then", async () => {
    const guest = await clients.connect({});
    await roundTrip(guest);
    const raw = await clients.raw();
    await raw.info();
    raw.send("PING\r\n");
    await raw.waitFor("PONG\r\n");
  });

  it("credentials from cookies", async () => {
    const raw = await RawSocket.open(broker.url, 10_000, { Cookie: "nu=alice; np=wonderland" });
    try {
      await raw.handshake({});
      const bad = await RawSocket.open(broker.url, 10_000, { Cookie: "nu=alice; np=wrong" });
      await bad.info();
      bad.send('CONNECT {"verbose":false}\r\nPING\r\n');
      await bad.waitClosed();
      expect(bad.afterInfo()).toBe(AUTH_VIOLATION);
    } finally {
      raw.close();
    }
  });

  it("hostile credentials are refused, never crash the object, and bystanders keep working", async () => {
    const alice = await clients.connect({ user: "alice", pass: "wonderland" });
    const subject = uniq("hostilecreds");
    const inbox = listen(alice, subject);
    await alice.flush();
    const cases: [string, string][] = [
      ['{"user":42,"pass":"x"}', ""], // a field of the wrong type fails the CONNECT JSON: closed without a word
      ['{"user":"alice","pass":{"x":1}}', ""],
      [`{"user":"${"a".repeat(3000)}","pass":"x"}`, AUTH_VIOLATION],
      ['{"nkey":"not-a-key","sig":"!!!"}', AUTH_VIOLATION],
      [`{"nkey":"${nkeyUser.getPublicKey()}","sig":"${"A".repeat(500)}"}`, AUTH_VIOLATION],
      // Without an operator a JWT is no credential; with no user, password or token either,
      // nats-server logs such a client in as the no_auth_user.
      ['{"jwt":"a.b.c","sig":"x"}', GUEST],
      ['{"jwt":"eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.AAAA"}', GUEST],
      // Raw control characters inside a JSON string are not JSON: closed without a word.
      ['{"auth_token":"\u0000\uffff"}', ""],
      ['{"user":"alice","pass":"wonderland\u0000"}', ""],
      // The same, escaped as JSON allows: well-formed, and wrong.
      ['{"auth_token":"\\u0000\\uffff"}', AUTH_VIOLATION],
      ['{"user":"alice","pass":"wonderland\\u0000"}', AUTH_VIOLATION],
    ];
    for (const [json, expected] of cases) {
      const raw = await clients.raw();
      await raw.info();
      raw.send(`CONNECT ${json}\r\nPING\r\n`);
      if (expected === GUEST) await raw.waitFor("PONG\r\n");
      else await raw.waitClosed();
      expect(raw.afterInfo(), json.slice(0, 60)).toBe(expected);
      alice.publish(subject, json.slice(0, 20));
    }
    await quiesce(alice);
    await inbox.waitFor(cases.length);
    expect(alice.isClosed()).toBe(false);
  });

  it("a refused client does not disturb the others", async () => {
    const alice = await clients.connect({ user: "alice", pass: "wonderland" });
    const subject = uniq("steady");
    const inbox = listen(alice, subject);
    await alice.flush();
    for (let i = 0; i < 5; i++) {
      await refused(clients, { user: "alice", pass: "x" });
      alice.publish(subject, String(i));
    }
    await quiesce(alice);
    await inbox.waitFor(5);
  });
});

describe("no authorization configured", () => {
  let closed: Broker;
  let open: Broker;

  beforeAll(async () => {
    [closed, open] = await Promise.all([
      startBroker({ vars: { ALLOW_ANONYMOUS: "false" } }),
      startBroker({ vars: { ALLOW_ANONYMOUS: "true" } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([closed?.stop(), open?.stop()]);
  });

  it("without ALLOW_ANONYMOUS every client is refused, and /healthz says why", async () => {
    const clients = new Clients(closed.url, 1);
    try {
      const err = await refused(clients, {});
      expect(err.message).toMatch(/Authorization Violation/i);
      const raw = await clients.raw();
      const info = await raw.info();
      expect(info.auth_required).toBe(true);
    } finally {
      await clients.closeAll();
    }
    const h = await health(closed);
    expect(h.status).toBe(503);
    expect(String(h.body.error)).toMatch(/ALLOW_ANONYMOUS/);
  });

  it("with ALLOW_ANONYMOUS clients get in without credentials, and INFO asks for none", async () => {
    const clients = new Clients(open.url, 1);
    try {
      const raw = await clients.raw();
      const info = await raw.info();
      expect(info.auth_required).toBeUndefined();
      expect(info.nonce).toBeUndefined();
      const nc = await clients.connect({});
      await nc.flush();
    } finally {
      await clients.closeAll();
    }
    expect((await health(open)).status).toBe(200);
  });
});

describe("an invalid configuration", () => {
  let broker: Broker;

  beforeAll(async () => {
    const config = { authorization: { users: [{ user: "a", password: "b", permissions: { publish: { allow: [42] } } }] } };
    broker = await startBroker({ vars: { NATS_CONFIG: JSON.stringify(config) } });
  });
  afterAll(async () => broker?.stop());

  it("is named by /healthz and by the answer to every connection", async () => {
    const h = await health(broker);
    expect(h.status).toBe(503);
    expect(String(h.body.error)).toMatch(/^NATS_CONFIG authorization\.users\[0\]\.permissions\.publish\.allow\[0\]/);
    const res = await upgradeAnswer(broker.url);
    expect(res.status).toBe(503);
    expect(res.body).toMatch(/NATS_CONFIG authorization\.users\[0\]/);
  });
});
