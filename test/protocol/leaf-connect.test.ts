import { createUser, fromPublic } from "@nats-io/nkeys";
import { describe, expect, it } from "vitest";
import { EMPTY_LEAFNODES } from "../../src/protocol/config-leafnodes";
import { authenticateLeaf, leafConnectJson, parseHubInfo, parseLeafConnect } from "../../src/protocol/leaf-connect";

const enc = new TextEncoder();
const b64url = (b: Uint8Array) => btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

describe("a leaf's CONNECT, as the hub reads it", () => {
  it("takes nats-server's fields, and refuses one of the wrong type", () => {
    const c = parseLeafConnect(enc.encode(JSON.stringify({ version: "2.9.10", server_id: "NID", name: "leaf-1", headers: true, user: "u", pass: "p", cluster: "C", remote_account: "$G" })));
    expect(c).toEqual({ creds: { user: "u", pass: "p" }, headers: true, name: "leaf-1", serverId: "NID", version: "2.9.10", cluster: "C", remoteAccount: "$G", hub: false });
    expect(parseLeafConnect(enc.encode(`{"hub":"yes"}`))).toBeNull();
    expect(parseLeafConnect(enc.encode(`not json`))).toBeNull();
  });

  it("checks leafnodes.authorization: users bound to accounts, and nkeys signing the nonce", () => {
    const kp = createUser();
    const config = {
      ...EMPTY_LEAFNODES,
      users: [
        { user: "leaf", password: "s3cret", nkey: null, account: "A" },
        { user: null, password: null, nkey: kp.getPublicKey(), account: "B" },
      ],
    };
    expect(authenticateLeaf(EMPTY_LEAFNODES, { user: "x" }, null)).toBeNull();
    expect(authenticateLeaf(config, { user: "leaf", pass: "s3cret" }, null)).toMatchObject({ ok: true, identity: { account: "A", user: "leaf" } });
    expect(authenticateLeaf(config, { user: "leaf", pass: "wrong" }, null)).toMatchObject({ ok: false });
    expect(authenticateLeaf(config, { user: "nobody", pass: "s3cret" }, null)).toMatchObject({ ok: false });
    const nonce = "n0nce";
    const sig = b64url(kp.sign(enc.encode(nonce)));
    expect(authenticateLeaf(config, { nkey: kp.getPublicKey(), sig }, nonce)).toMatchObject({ ok: true, identity: { account: "B" } });
    expect(authenticateLeaf(config, { nkey: kp.getPublicKey(), sig }, "another")).toMatchObject({ ok: false });
  });
});

describe("the hub's INFO and the leaf's CONNECT, as nats-edge dials", () => {
  it("tells a leafnode port's INFO from a client port's", () => {
    const leafInfo = { server_id: "S", server_name: "hub", version: "2.9.10", client_id: 5, nonce: "abc", leafnode_urls: [], headers: true };
    expect(parseHubInfo(enc.encode(JSON.stringify(leafInfo)))).toMatchObject({ name: "hub", nonce: "abc", leafnodePort: true, tlsRequired: false });
    expect(parseHubInfo(enc.encode(JSON.stringify({ ...leafInfo, leafnode_urls: undefined })))?.leafnodePort).toBe(false);
    expect(parseHubInfo(enc.encode(`[]`))).toBeNull();
  });

  it("sends the URL's user and password, and the credentials' JWT with the nonce signed by their seed", () => {
    const kp = createUser();
    const seed = new TextDecoder().decode(kp.getSeed());
    const remote = { urls: [], account: "A", credentials: { jwt: "eyJ.jwt", seed } };
    const json = JSON.parse(leafConnectJson({ serverId: "NE1", name: "shard-0", version: "2.10.0" }, remote, new URL("nats-leaf://ed%40ge:p%3Ass@hub:7422"), "the-nonce"));
    expect(json).toMatchObject({ server_id: "NE1", name: "shard-0", headers: true, remote_account: "A", jwt: "eyJ.jwt", user: "ed@ge", pass: "p:ss" });
    const sig = Uint8Array.from(atob((json.sig as string).replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    expect(fromPublic(kp.getPublicKey()).verify(enc.encode("the-nonce"), sig)).toBe(true);
    const tokenOnly = JSON.parse(leafConnectJson({ serverId: "NE1", name: "n", version: "v" }, { ...remote, credentials: null }, new URL("ws://tok@hub"), null));
    expect(tokenOnly).toMatchObject({ user: "tok", auth_token: "tok" });
    expect(tokenOnly.pass).toBeUndefined();
  });
});
