import { encodeAccount, encodeOperator, encodeUser, newScopedSigner } from "@nats-io/jwt";
import { jwtAuthenticator, nkeyAuthenticator } from "@nats-io/nats-core";
import { createAccount, createOperator, createUser, type KeyPair } from "@nats-io/nkeys";
import { hashSync } from "bcryptjs";
import { beforeAll, describe, expect, it } from "vitest";
import { Authenticator, newNonce, type AuthResult, type Credentials, type Identity } from "../../src/protocol/auth";
import { EMPTY_CONFIG, type BrokerConfig } from "../../src/protocol/config";
import type { OperatorConfig } from "../../src/protocol/config-operator";
import type { UserConfig } from "../../src/protocol/config-users";
import type { PermissionsConfig } from "../../src/protocol/permissions";

function config(over: Partial<BrokerConfig> = {}): BrokerConfig {
  return { ...EMPTY_CONFIG, ...over };
}

function user(over: Partial<UserConfig>): UserConfig {
  return { user: null, password: null, nkey: null, account: "$G", permissions: null, ...over };
}

function identity(r: AuthResult): Identity {
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r.identity;
}

function reason(r: AuthResult): string {
  if (r.ok) throw new Error(`accepted as ${JSON.stringify(r.identity)}`);
  return r.reason;
}

/** The signature a client sends: Ed25519 over the nonce, raw URL-safe base64 (nats.go's form). */
function signRawUrl(kp: KeyPair, nonce: string): string {
  const sig = kp.sign(new TextEncoder().encode(nonce));
  return btoa(String.fromCharCode(...sig)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const NOW = Date.now();

describe("newNonce", () => {
  it("is 11 random bytes in raw URL-safe base64, as nats-server's", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const n = newNonce();
      expect(n).toMatch(/^[A-Za-z0-9_-]{15}$/);
      seen.add(n);
    }
    expect(seen.size).toBe(100);
  });
});

describe("without authorization", () => {
  it("admits everyone into the global account when anonymous access is allowed", () => {
    const a = new Authenticator(config(), true);
    expect(a.required).toBe(false);
    expect(a.needsNonce).toBe(false);
    expect(identity(a.authenticate({}, null, NOW))).toEqual({ account: "$G", user: "", permissions: null, expiresAt: null });
    // Credentials are not looked at, as nats-server does not look at them.
    expect(identity(a.authenticate({ user: "x", pass: "y", auth_token: "z" }, null, NOW)).account).toBe("$G");
  });

  it("refuses everyone when anonymous access is not allowed", () => {
    const a = new Authenticator(config(), false);
    expect(a.required).toBe(true);
    expect(a.needsNonce).toBe(false);
    expect(reason(a.authenticate({}, null, NOW))).toBe("anonymous access is disabled (ALLOW_ANONYMOUS)");
    expect(a.authenticate({ user: "x", pass: "y" }, null, NOW).ok).toBe(false);
  });
});

describe("token", () => {
  it("admits the token in plain", () => {
    const a = new Authenticator(config({ token: "s3cr3t" }), true);
    expect(a.required).toBe(true);
    expect(a.needsNonce).toBe(false);
    expect(identity(a.authenticate({ auth_token: "s3cr3t" }, null, NOW))).toEqual({
      account: "$G",
      user: "",
      permissions: null,
      expiresAt: null,
    });
    expect(a.authenticate({ auth_token: "s3cr3" }, null, NOW).ok).toBe(false);
    expect(a.authenticate({ auth_token: "s3cr3tt" }, null, NOW).ok).toBe(false);
    expect(a.authenticate({ auth_token: "" }, null, NOW).ok).toBe(false);
    expect(a.authenticate({}, null, NOW).ok).toBe(false);
    // A user name does not stand in for the token.
    expect(a.authenticate({ user: "s3cr3t", pass: "s3cr3t" }, null, NOW).ok).toBe(false);
  });

  it("reads an empty token as none", () => {
    const a = new Authenticator(config({ token: "" }), false);
    expect(reason(a.authenticate({ auth_token: "" }, null, NOW))).toBe("anonymous access is disabled (ALLOW_ANONYMOUS)");
    expect(new Authenticator(config({ token: "" }), true).required).toBe(false);
  });

  it("admits the token under bcrypt", () => {
    const a = new Authenticator(config({ token: hashSync("s3cr3t", 4) }), true);
    expect(a.authenticate({ auth_token: "s3cr3t" }, null, NOW).ok).toBe(true);
    expect(a.authenticate({ auth_token: "wrong" }, null, NOW).ok).toBe(false);
  });
});

describe("user and password", () => {
  const perms: PermissionsConfig = { publish: { allow: ["a.>"], deny: null }, subscribe: null, allowResponses: null };
  const a = new Authenticator(
    config({
      users: [
        user({ user: "alice", password: "plain-pass", permissions: perms }),
        user({ user: "bob", password: hashSync("bcrypt-pass", 4), account: "B" }),
        // nats-server's test/configs/authorization.conf: "foo" under bcrypt, hashed by Go.
        user({ user: "derek", password: "$2a$10$UHR6GhotWhpLsKtVP0/i6.Nh9.fuY73cWjLoJjb2sKT8KISBcUW5q" }),
      ],
    }),
    false,
  );

  it("admits users with their account and permissions", () => {
    expect(a.required).toBe(true);
    expect(a.needsNonce).toBe(false);
    expect(identity(a.authenticate({ user: "alice", pass: "plain-pass" }, null, NOW))).toEqual({
      account: "$G",
      user: "alice",
      permissions: perms,
      expiresAt: null,
    });
    expect(identity(a.authenticate({ user: "bob", pass: "bcrypt-pass" }, null, NOW))).toEqual({
      account: "B",
      user: "bob",
      permissions: null,
      expiresAt: null,
    });
    expect(a.authenticate({ user: "derek", pass: "foo" }, null, NOW).ok).toBe(true);
  });

  it("refuses wrong passwords and unknown users", () => {
    expect(reason(a.authenticate({ user: "alice", pass: "plain-pas" }, null, NOW))).toBe('wrong password for user "alice"');
    expect(a.authenticate({ user: "alice", pass: "plain-pass!" }, null, NOW).ok).toBe(false);
    expect(a.authenticate({ user: "alice" }, null, NOW).ok).toBe(false);
    expect(a.authenticate({ user: "bob", pass: "wrong" }, null, NOW).ok).toBe(false);
    // The hash itself is not the password.
    expect(a.authenticate({ user: "derek", pass: "$2a$10$UHR6GhotWhpLsKtVP0/i6.Nh9.fuY73cWjLoJjb2sKT8KISBcUW5q" }, null, NOW).ok).toBe(false);
    expect(reason(a.authenticate({ user: "carol", pass: "x" }, null, NOW))).toBe('unknown user "carol"');
    expect(reason(a.authenticate({}, null, NOW))).toBe("no credentials");
    expect(a.authenticate({ pass: "plain-pass" }, null, NOW).ok).toBe(false);
  });

  it("treats a stored secret as bcrypt exactly when nats-server's isBcrypt would", () => {
    const x = hashSync("pw", 4).replace(/^\$2[ab]\$/, "$2x$");
    const b = new Authenticator(
      config({
        users: [
          user({ user: "x", password: x }),
          // Looks like bcrypt, is not a hash: nothing matches it (nats-io/nats-server#7062).
          user({ user: "fake", password: "$2a$10$not-a-hash" }),
          user({ user: "dollar", password: "$2q$10$plain" }),
        ],
      }),
      false,
    );
    expect(b.authenticate({ user: "x", pass: "pw" }, null, NOW).ok).toBe(true);
    expect(b.authenticate({ user: "fake", pass: "$2a$10$not-a-hash" }, null, NOW).ok).toBe(false);
    expect(b.authenticate({ user: "dollar", pass: "$2q$10$plain" }, null, NOW).ok).toBe(true);
  });

  it("falls back to the token when no user name is given", () => {
    const b = new Authenticator(config({ token: "tok", users: [user({ user: "u", password: "p" })] }), false);
    expect(b.authenticate({ auth_token: "tok" }, null, NOW).ok).toBe(true);
    expect(b.authenticate({ user: "u", pass: "p" }, null, NOW).ok).toBe(true);
    expect(b.authenticate({ user: "u", pass: "x", auth_token: "tok" }, null, NOW).ok).toBe(false);
  });
});

describe("no_auth_user", () => {
  const a = new Authenticator(
    config({
      users: [user({ user: "guest", password: "guest-pass", account: "PUBLIC" }), user({ user: "admin", password: "adm" })],
      noAuthUser: "guest",
    }),
    false,
  );

  it("stands in for a client that sent no user, password or token", () => {
    expect(identity(a.authenticate({}, null, NOW))).toMatchObject({ account: "PUBLIC", user: "guest" });
    // nkey, jwt and sig are not part of nats-server's condition.
    expect(identity(a.authenticate({ jwt: "ey…", sig: "x" }, null, NOW)).user).toBe("guest");
  });

  it("does not stand in once any of them was sent", () => {
    expect(a.authenticate({ user: "admin", pass: "adm" }, null, NOW).ok).toBe(true);
    expect(a.authenticate({ user: "admin", pass: "wrong" }, null, NOW).ok).toBe(false);
    expect(a.authenticate({ pass: "guest-pass" }, null, NOW).ok).toBe(false);
    expect(a.authenticate({ auth_token: "anything" }, null, NOW).ok).toBe(false);
  });

  it("cannot be a bcrypt user, as in nats-server", () => {
    const b = new Authenticator(config({ users: [user({ user: "guest", password: hashSync("g", 4) })], noAuthUser: "guest" }), false);
    expect(b.authenticate({}, null, NOW).ok).toBe(false);
    expect(b.authenticate({ user: "guest", pass: "g" }, null, NOW).ok).toBe(true);
  });
});

describe("nkey users", () => {
  const kp = createUser();
  const other = createUser();
  const perms: PermissionsConfig = { publish: null, subscribe: { allow: ["x"], deny: null }, allowResponses: null };
  const a = new Authenticator(
    config({
      users: [user({ nkey: kp.getPublicKey(), account: "A", permissions: perms }), user({ user: "pw", password: "p" })],
    }),
    false,
  );

  it("asks for a nonce", () => {
    expect(a.required).toBe(true);
    expect(a.needsNonce).toBe(true);
  });

  it("admits the signature the official client makes (standard base64)", () => {
    const nonce = newNonce();
    const creds = nkeyAuthenticator(kp.getSeed())(nonce) as Credentials;
    expect(identity(a.authenticate(creds, nonce, NOW))).toEqual({
      account: "A",
      user: kp.getPublicKey(),
      permissions: perms,
      expiresAt: null,
    });
  });

  it("admits a raw URL-safe base64 signature", () => {
    const nonce = newNonce();
    expect(a.authenticate({ nkey: kp.getPublicKey(), sig: signRawUrl(kp, nonce) }, nonce, NOW).ok).toBe(true);
  });

  it("refuses a signature of another nonce, by another key, or none", () => {
    const nonce = newNonce();
    expect(reason(a.authenticate({ nkey: kp.getPublicKey(), sig: signRawUrl(kp, newNonce()) }, nonce, NOW))).toBe(
      "signature not verified",
    );
    expect(a.authenticate({ nkey: kp.getPublicKey(), sig: signRawUrl(other, nonce) }, nonce, NOW).ok).toBe(false);
    expect(reason(a.authenticate({ nkey: kp.getPublicKey() }, nonce, NOW))).toBe("signature missing");
    expect(reason(a.authenticate({ nkey: kp.getPublicKey(), sig: "not base64!" }, nonce, NOW))).toBe("signature not valid base64");
    expect(a.authenticate({ nkey: kp.getPublicKey(), sig: "AAAA" }, nonce, NOW).ok).toBe(false);
    expect(reason(a.authenticate({ nkey: kp.getPublicKey(), sig: signRawUrl(kp, nonce) }, null, NOW))).toBe(
      "no nonce was issued to sign",
    );
  });

  it("refuses an unknown nkey even with a valid signature", () => {
    const nonce = newNonce();
    expect(reason(a.authenticate({ nkey: other.getPublicKey(), sig: signRawUrl(other, nonce) }, nonce, NOW))).toMatch(
      /^unknown nkey/,
    );
  });

  it("leaves password users to their passwords", () => {
    expect(a.authenticate({ user: "pw", pass: "p" }, null, NOW).ok).toBe(true);
    expect(a.authenticate({ user: "pw", pass: "q" }, null, NOW).ok).toBe(false);
  });
});

// ---------------------------------------------------------------------------
// Operator mode, with keys and JWTs made by the official libraries.

const sec = (ms: number): number => Math.floor(ms / 1000);

interface World {
  okp: KeyPair;
  osk: KeyPair;
  akp: KeyPair;
  ask: KeyPair;
  ukp: KeyPair;
  operatorJwt: string;
  accountJwt: string;
}

async function world(account: Record<string, unknown> = {}, operator: Record<string, unknown> = {}): Promise<World> {
  const okp = createOperator();
  const osk = createOperator();
  const akp = createAccount();
  const ask = createAccount();
  const ukp = createUser();
  const operatorJwt = await encodeOperator("OP", okp, { signing_keys: [osk.getPublicKey()], ...operator });
  const accountJwt = await encodeAccount("ACC", akp, { signing_keys: [ask.getPublicKey()], ...account }, { signer: okp });
  return { okp, osk, akp, ask, ukp, operatorJwt, accountJwt };
}

function operatorConfig(operators: string[], accounts: [string, string][]): BrokerConfig {
  const operator: OperatorConfig = { operators, accounts: new Map(accounts), systemAccount: null, jetstream: new Map(), mappings: new Map() };
  return config({ operator });
}

function authFor(w: World, extraAccounts: [string, string][] = []): Authenticator {
  return new Authenticator(operatorConfig([w.operatorJwt], [[w.akp.getPublicKey(), w.accountJwt], ...extraAccounts]), false);
}

/** CONNECT's credentials as the official client builds them from a JWT and its seed. */
function signed(jwt: string, kp: KeyPair, nonce: string): Credentials {
  return jwtAuthenticator(jwt, kp.getSeed())(nonce) as Credentials;
}

describe("operator mode (user JWTs)", () => {
  let w: World;
  let a: Authenticator;
  beforeAll(async () => {
    w = await world();
    a = authFor(w);
  });

  it("asks for a nonce and requires authentication", () => {
    expect(a.required).toBe(true);
    expect(a.needsNonce).toBe(true);
  });

  it("admits a user issued by a preloaded account", async () => {
    const jwt = await encodeUser("alice", w.ukp, w.akp);
    const nonce = newNonce();
    expect(identity(a.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW))).toEqual({
      account: w.akp.getPublicKey(),
      user: w.ukp.getPublicKey(),
      permissions: null,
      expiresAt: null,
    });
    // Raw URL-safe base64 works as well.
    expect(a.authenticate({ jwt, sig: signRawUrl(w.ukp, nonce) }, nonce, NOW).ok).toBe(true);
  });

  it("requires a JWT, and ignores passwords", () => {
    const b = new Authenticator(
      { ...operatorConfig([w.operatorJwt], [[w.akp.getPublicKey(), w.accountJwt]]), users: [user({ user: "u", password: "p" })] },
      false,
    );
    expect(reason(b.authenticate({ user: "u", pass: "p" }, newNonce(), NOW))).toBe("a user JWT is required");
    expect(reason(b.authenticate({}, newNonce(), NOW))).toBe("a user JWT is required");
  });

  it("refuses a missing or wrong nonce signature", async () => {
    const jwt = await encodeUser("alice", w.ukp, w.akp);
    const nonce = newNonce();
    expect(reason(a.authenticate({ jwt }, nonce, NOW))).toBe("signature missing");
    expect(reason(a.authenticate({ jwt, sig: signRawUrl(w.ukp, newNonce()) }, nonce, NOW))).toBe("signature not verified");
    // Signed by someone else's key: the JWT's subject must have signed.
    expect(a.authenticate({ jwt, sig: signRawUrl(createUser(), nonce) }, nonce, NOW).ok).toBe(false);
  });

  it("refuses a JWT whose signature does not verify", async () => {
    const jwt = await encodeUser("alice", w.ukp, w.akp);
    const forged = await encodeUser("mallory", w.ukp, createAccount());
    const [h, , s] = jwt.split(".");
    const [, body] = forged.split(".");
    const nonce = newNonce();
    expect(reason(a.authenticate({ jwt: `${h}.${body}.${s}`, sig: signRawUrl(w.ukp, nonce) }, nonce, NOW))).toMatch(
      /^user JWT not valid/,
    );
    expect(reason(a.authenticate({ jwt: "garbage", sig: "x" }, nonce, NOW))).toMatch(/^user JWT not valid/);
  });

  it("refuses a JWT whose issuer field holds a seed instead of a public key", async () => {
    // nats-io/jwt's decode verifies against a key parsed from `iss`, which a seed also is.
    const seed = new TextDecoder().decode(w.akp.getSeed());
    const b64url = (s: string): string => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const header = b64url(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" }));
    const body = b64url(
      JSON.stringify({ iss: seed, sub: w.ukp.getPublicKey(), iat: sec(NOW), name: "x", nats: { type: "user", version: 2 } }),
    );
    const sig = w.akp.sign(new TextEncoder().encode(`${header}.${body}`));
    const jwt = `${header}.${body}.${b64url(String.fromCharCode(...sig))}`;
    const nonce = newNonce();
    expect(reason(a.authenticate({ jwt, sig: signRawUrl(w.ukp, nonce) }, nonce, NOW))).toBe("user JWT issuer is not an account key");
  });

  it("refuses a JWT that is not a user's", async () => {
    const nonce = newNonce();
    expect(reason(a.authenticate({ jwt: w.accountJwt, sig: signRawUrl(w.akp, nonce) }, nonce, NOW))).toBe("not a user JWT");
  });

  it("refuses an expired or not yet valid user, and expires with it", async () => {
    const nonce = newNonce();
    const expired = await encodeUser("old", w.ukp, w.akp, {}, { exp: sec(NOW) - 10 });
    expect(reason(a.authenticate(signed(expired, w.ukp, nonce), nonce, NOW))).toBe("user JWT has expired");
    const early = await encodeUser("early", w.ukp, w.akp, {}, { nbf: sec(NOW) + 3600 });
    expect(reason(a.authenticate(signed(early, w.ukp, nonce), nonce, NOW))).toBe("user JWT is not yet valid");

    const exp = sec(NOW) + 3600;
    const later = await encodeUser("later", w.ukp, w.akp, {}, { exp });
    expect(identity(a.authenticate(signed(later, w.ukp, nonce), nonce, NOW)).expiresAt).toBe(exp * 1000);
    // Valid through its last second, as nats-io/jwt counts (now > exp).
    expect(a.authenticate(signed(later, w.ukp, nonce), nonce, exp * 1000 + 999).ok).toBe(true);
    expect(a.authenticate(signed(later, w.ukp, nonce), nonce, exp * 1000 + 1000).ok).toBe(false);
  });

  it("refuses users of accounts it does not know or trust", async () => {
    const nonce = newNonce();
    const stranger = createAccount();
    const jwt = await encodeUser("u", w.ukp, stranger);
    expect(reason(a.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW))).toMatch(/is not in resolver_preload$/);

    // An account JWT signed by an operator that is not trusted.
    const rogue = createOperator();
    const rogueAccount = await encodeAccount("ROGUE", stranger, {}, { signer: rogue });
    const b = authFor(w, [[stranger.getPublicKey(), rogueAccount]]);
    expect(reason(b.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW))).toMatch(/not signed by a trusted operator$/);

    // A self-signed account JWT.
    const selfSigned = await encodeAccount("SELF", stranger);
    const c = authFor(w, [[stranger.getPublicKey(), selfSigned]]);
    expect(c.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW).ok).toBe(false);

    // Listed under another account's key.
    const d = authFor(w, [[stranger.getPublicKey(), w.accountJwt]]);
    expect(reason(d.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW))).toMatch(/its JWT is for/);
  });

  it("trusts accounts signed by an operator signing key", async () => {
    const akp = createAccount();
    const accountJwt = await encodeAccount("VIA-SK", akp, {}, { signer: w.osk });
    const b = authFor(w, [[akp.getPublicKey(), accountJwt]]);
    const jwt = await encodeUser("u", w.ukp, akp);
    const nonce = newNonce();
    expect(identity(b.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW)).account).toBe(akp.getPublicKey());
  });

  it("refuses users of an expired or not yet valid account, and expires with the account", async () => {
    const nonce = newNonce();
    const jwt = await encodeUser("u", w.ukp, w.akp);
    const expiredAccount = await encodeAccount("ACC", w.akp, {}, { signer: w.okp, exp: sec(NOW) - 1 });
    const b = new Authenticator(operatorConfig([w.operatorJwt], [[w.akp.getPublicKey(), expiredAccount]]), false);
    expect(reason(b.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW))).toBe("account JWT has expired");

    const earlyAccount = await encodeAccount("ACC", w.akp, {}, { signer: w.okp, nbf: sec(NOW) + 60 });
    const c = new Authenticator(operatorConfig([w.operatorJwt], [[w.akp.getPublicKey(), earlyAccount]]), false);
    expect(reason(c.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW))).toBe("account JWT is not yet valid");

    const accountExp = sec(NOW) + 600;
    const soonAccount = await encodeAccount("ACC", w.akp, {}, { signer: w.okp, exp: accountExp });
    const d = new Authenticator(operatorConfig([w.operatorJwt], [[w.akp.getPublicKey(), soonAccount]]), false);
    expect(identity(d.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW)).expiresAt).toBe(accountExp * 1000);
    const longer = await encodeUser("u", w.ukp, w.akp, {}, { exp: accountExp + 100 });
    const shorter = await encodeUser("u", w.ukp, w.akp, {}, { exp: accountExp - 100 });
    expect(identity(d.authenticate(signed(longer, w.ukp, nonce), nonce, NOW)).expiresAt).toBe(accountExp * 1000);
    expect(identity(d.authenticate(signed(shorter, w.ukp, nonce), nonce, NOW)).expiresAt).toBe((accountExp - 100) * 1000);
    // Which one ends first decides the text the client gets: "Account Authentication Expired" or the user's.
    expect(identity(d.authenticate(signed(longer, w.ukp, nonce), nonce, NOW)).accountExpires).toBe(true);
    expect(identity(d.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW)).accountExpires).toBe(true);
    expect(identity(d.authenticate(signed(shorter, w.ukp, nonce), nonce, NOW)).accountExpires).toBeUndefined();
  });

  it("admits users issued by an account signing key, with issuer_account set", async () => {
    const jwt = await encodeUser("sk-user", w.ukp, w.akp, {}, { signer: w.ask });
    const nonce = newNonce();
    expect(identity(a.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW)).account).toBe(w.akp.getPublicKey());
  });

  it("refuses users issued by a signing key without issuer_account, or by a key the account does not list", async () => {
    const nonce = newNonce();
    const bare = await encodeUser("u", w.ukp, w.ask);
    expect(reason(a.authenticate(signed(bare, w.ukp, nonce), nonce, NOW))).toMatch(/is not in resolver_preload$/);
    const unlisted = await encodeUser("u", w.ukp, w.akp, {}, { signer: createAccount() });
    expect(reason(a.authenticate(signed(unlisted, w.ukp, nonce), nonce, NOW))).toBe(
      "user JWT issuer is neither the account nor one of its signing keys",
    );
  });

  it("admits a bearer token without a signature, unless the account disallows them", async () => {
    const jwt = await encodeUser("bearer", w.ukp, w.akp, { bearer_token: true });
    expect(a.authenticate({ jwt }, newNonce(), NOW).ok).toBe(true);
    expect(a.authenticate({ jwt }, null, NOW).ok).toBe(true);

    const strictAccount = await encodeAccount("ACC", w.akp, { limits: { disallow_bearer: true } }, { signer: w.okp });
    const b = new Authenticator(operatorConfig([w.operatorJwt], [[w.akp.getPublicKey(), strictAccount]]), false);
    expect(reason(b.authenticate({ jwt }, newNonce(), NOW))).toBe("account does not allow bearer tokens");
  });

  it("honours the account's revocations", async () => {
    const jwt = await encodeUser("u", w.ukp, w.akp);
    const iat = JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).iat as number;
    const nonce = newNonce();
    const revoked = async (revocations: Record<string, number>): Promise<AuthResult> => {
      const accountJwt = await encodeAccount("ACC", w.akp, { revocations }, { signer: w.okp });
      return new Authenticator(operatorConfig([w.operatorJwt], [[w.akp.getPublicKey(), accountJwt]]), false).authenticate(
        signed(jwt, w.ukp, nonce),
        nonce,
        NOW,
      );
    };
    expect(reason(await revoked({ [w.ukp.getPublicKey()]: iat }))).toBe("user JWT has been revoked");
    expect(reason(await revoked({ [w.ukp.getPublicKey()]: iat + 10 }))).toBe("user JWT has been revoked");
    expect(reason(await revoked({ "*": iat }))).toBe("user JWT has been revoked");
    // Revoked before this JWT was issued: a reissued JWT is good again.
    expect((await revoked({ [w.ukp.getPublicKey()]: iat - 1 })).ok).toBe(true);
    expect((await revoked({ [createUser().getPublicKey()]: iat + 10 })).ok).toBe(true);
  });

  it("checks allowed_connection_types for WEBSOCKET", async () => {
    const nonce = newNonce();
    const allowed = async (types: string[]): Promise<AuthResult> => {
      const jwt = await encodeUser("u", w.ukp, w.akp, { allowed_connection_types: types as never });
      return a.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW);
    };
    expect((await allowed([])).ok).toBe(true);
    expect((await allowed(["WEBSOCKET"])).ok).toBe(true);
    expect((await allowed(["STANDARD", "websocket"])).ok).toBe(true);
    expect((await allowed(["WEBSOCKET", "SOMETHING_NEW"])).ok).toBe(true);
    expect(reason(await allowed(["STANDARD"]))).toBe("allowed_connection_types does not include WEBSOCKET");
    expect(reason(await allowed(["MQTT_WS", "LEAFNODE"]))).toBe("allowed_connection_types does not include WEBSOCKET");
    expect(reason(await allowed(["SOMETHING_NEW"]))).toBe("allowed_connection_types names no known connection type");
  });

  it("refuses restrictions it cannot check: src and times", async () => {
    const nonce = newNonce();
    const src = await encodeUser("u", w.ukp, w.akp, { src: ["192.0.2.0/24"] });
    expect(reason(a.authenticate(signed(src, w.ukp, nonce), nonce, NOW))).toMatch(/\(src\)/);
    const times = await encodeUser("u", w.ukp, w.akp, { times: [{ start: "00:00:00", end: "23:59:59" }] });
    expect(reason(a.authenticate(signed(times, w.ukp, nonce), nonce, NOW))).toMatch(/\(times\)/);
  });

  it("takes permissions from the user's claims", async () => {
    const jwt = await encodeUser("u", w.ukp, w.akp, {
      pub: { allow: ["req.>"], deny: ["req.secret"] },
      sub: { allow: ["_INBOX.>", "jobs workers"], deny: [] },
      resp: { max: 5, ttl: 2_500_000_000 },
    });
    const nonce = newNonce();
    expect(identity(a.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW)).permissions).toEqual({
      publish: { allow: ["req.>"], deny: ["req.secret"] },
      subscribe: { allow: ["_INBOX.>", "jobs workers"], deny: [] },
      allowResponses: { maxMsgs: 5, expiresMs: 2500 },
    });
  });

  it("applies nats-server's response defaults and turns the blanket publish off", async () => {
    const nonce = newNonce();
    const perms = async (u: Record<string, unknown>): Promise<PermissionsConfig | null> => {
      const jwt = await encodeUser("u", w.ukp, w.akp, u);
      return identity(a.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW)).permissions;
    };
    expect(await perms({ resp: { max: 0, ttl: 0 } })).toEqual({
      publish: { allow: [], deny: null },
      subscribe: null,
      allowResponses: { maxMsgs: 1, expiresMs: 120_000 },
    });
    expect((await perms({ resp: { max: -1, ttl: -1 } }))?.allowResponses).toEqual({ maxMsgs: -1, expiresMs: 0 });
    expect((await perms({ pub: { deny: ["x"] }, resp: { max: 2, ttl: 1 } }))?.publish).toEqual({ allow: [], deny: ["x"] });
    // Empty lists are no permissions at all.
    expect(await perms({ pub: { allow: [], deny: [] }, sub: {} })).toBeNull();
    // Once a block counts, an empty allow list is kept, and allows nothing.
    expect((await perms({ pub: { allow: [], deny: ["x"] } }))?.publish).toEqual({ allow: [], deny: ["x"] });
  });

  it("refuses malformed permission subjects, as nats-io/jwt validation does", async () => {
    const nonce = newNonce();
    for (const u of [{ pub: { allow: ["a b"] } }, { sub: { allow: ["a b c"] } }, { pub: { deny: ["a..b"] } }, { sub: { allow: [".a"] } }]) {
      const jwt = await encodeUser("u", w.ukp, w.akp, u);
      expect(a.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW).ok, JSON.stringify(u)).toBe(false);
    }
  });

  it("falls back to the account's default permissions", async () => {
    const defaults = { pub: { allow: ["public.>"] }, sub: { allow: ["public.>"] } };
    const accountJwt = await encodeAccount("ACC", w.akp, { default_permissions: defaults }, { signer: w.okp });
    const b = new Authenticator(operatorConfig([w.operatorJwt], [[w.akp.getPublicKey(), accountJwt]]), false);
    const nonce = newNonce();
    const plain = await encodeUser("u", w.ukp, w.akp);
    expect(identity(b.authenticate(signed(plain, w.ukp, nonce), nonce, NOW)).permissions).toEqual({
      publish: { allow: ["public.>"], deny: null },
      subscribe: { allow: ["public.>"], deny: null },
      allowResponses: null,
    });
    const own = await encodeUser("u", w.ukp, w.akp, { pub: { allow: ["mine"] } });
    expect(identity(b.authenticate(signed(own, w.ukp, nonce), nonce, NOW)).permissions?.publish).toEqual({
      allow: ["mine"],
      deny: null,
    });
  });

  it("ignores an operator JWT it cannot verify", async () => {
    const [h, body] = w.operatorJwt.split(".");
    const b = new Authenticator(operatorConfig([`${h}.${body}.AAAA`], [[w.akp.getPublicKey(), w.accountJwt]]), false);
    const jwt = await encodeUser("u", w.ukp, w.akp);
    const nonce = newNonce();
    expect(reason(b.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW))).toMatch(/not signed by a trusted operator$/);
  });
});

describe("operator mode: strict signing key usage", () => {
  it("trusts only operator signing keys, and only account signing keys may issue users", async () => {
    const w = await world({}, { strict_signing_key_usage: true });
    const nonce = newNonce();

    // Signed by the operator's identity key: not trusted under strict usage.
    const a = authFor(w);
    const direct = await encodeUser("u", w.ukp, w.akp);
    expect(reason(a.authenticate(signed(direct, w.ukp, nonce), nonce, NOW))).toMatch(/not signed by a trusted operator$/);

    const accountJwt = await encodeAccount("ACC", w.akp, { signing_keys: [w.ask.getPublicKey()] }, { signer: w.osk });
    const b = new Authenticator(operatorConfig([w.operatorJwt], [[w.akp.getPublicKey(), accountJwt]]), false);
    expect(reason(b.authenticate(signed(direct, w.ukp, nonce), nonce, NOW))).toBe(
      "user JWT issuer is neither the account nor one of its signing keys",
    );
    const viaKey = await encodeUser("u", w.ukp, w.akp, {}, { signer: w.ask });
    expect(b.authenticate(signed(viaKey, w.ukp, nonce), nonce, NOW).ok).toBe(true);
  });
});

describe("operator mode: scoped signing keys", () => {
  it("gives a scoped user its scope's template, filled in", async () => {
    const w = await world();
    const scoped = createAccount();
    const scope = newScopedSigner(scoped, "team", {
      pub: { allow: ["{{subject()}}.>", "teams.{{tag(team)}}.>", "acct.{{account-name()}}"], deny: [] },
      sub: { allow: ["_INBOX.>", "{{name()}}.in"], deny: [] },
    });
    const accountJwt = await encodeAccount("ACC", w.akp, { signing_keys: [scope] }, { signer: w.okp });
    const a = new Authenticator(operatorConfig([w.operatorJwt], [[w.akp.getPublicKey(), accountJwt]]), false);
    const jwt = await encodeUser("alice", w.ukp, w.akp, { tags: ["team:red", "team:blue", "other:x"] }, { signer: scoped, scopedUser: true });
    const nonce = newNonce();
    const id = identity(a.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW));
    const u = w.ukp.getPublicKey();
    expect(id.account).toBe(w.akp.getPublicKey());
    expect(id.permissions?.publish).toEqual({ allow: [`${u}.>`, "teams.red.>", "teams.blue.>", "acct.ACC"], deny: [] });
    expect(id.permissions?.subscribe).toEqual({ allow: ["_INBOX.>", "alice.in"], deny: [] });
  });

  it("refuses a scoped user that carries permissions of its own", async () => {
    const w = await world();
    const scoped = createAccount();
    const scope = newScopedSigner(scoped, "team", { pub: { allow: ["x"], deny: [] } });
    const accountJwt = await encodeAccount("ACC", w.akp, { signing_keys: [scope] }, { signer: w.okp });
    const a = new Authenticator(operatorConfig([w.operatorJwt], [[w.akp.getPublicKey(), accountJwt]]), false);
    const jwt = await encodeUser("alice", w.ukp, w.akp, { pub: { allow: [">"], deny: [] } }, { signer: scoped });
    const nonce = newNonce();
    expect(reason(a.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW))).toBe("scoped users require no permissions or limits set");
  });

  it("denies everything an allow list filled in with nothing would have allowed", async () => {
    const w = await world();
    const scoped = createAccount();
    const scope = newScopedSigner(scoped, "team", { pub: { allow: ["teams.{{tag(team)}}"], deny: [] } });
    const accountJwt = await encodeAccount("ACC", w.akp, { signing_keys: [scope] }, { signer: w.okp });
    const a = new Authenticator(operatorConfig([w.operatorJwt], [[w.akp.getPublicKey(), accountJwt]]), false);
    const jwt = await encodeUser("untagged", w.ukp, w.akp, {}, { signer: scoped, scopedUser: true });
    const nonce = newNonce();
    expect(identity(a.authenticate(signed(jwt, w.ukp, nonce), nonce, NOW)).permissions?.publish).toEqual({
      allow: [],
      deny: [">"],
    });
  });

  it("takes bearer_token and allowed_connection_types from the scope", async () => {
    const w = await world();
    const scoped = createAccount();
    const bearer = newScopedSigner(scoped, "bearer", { bearer_token: true });
    const standardOnly = createAccount();
    const standard = newScopedSigner(standardOnly, "std", { allowed_connection_types: ["STANDARD"] });
    const accountJwt = await encodeAccount("ACC", w.akp, { signing_keys: [bearer, standard] }, { signer: w.okp });
    const a = new Authenticator(operatorConfig([w.operatorJwt], [[w.akp.getPublicKey(), accountJwt]]), false);
    const b = await encodeUser("b", w.ukp, w.akp, {}, { signer: scoped, scopedUser: true });
    expect(a.authenticate({ jwt: b }, newNonce(), NOW).ok).toBe(true);
    const s = await encodeUser("s", w.ukp, w.akp, {}, { signer: standardOnly, scopedUser: true });
    const nonce = newNonce();
    expect(reason(a.authenticate(signed(s, w.ukp, nonce), nonce, NOW))).toBe("allowed_connection_types does not include WEBSOCKET");
  });
});
