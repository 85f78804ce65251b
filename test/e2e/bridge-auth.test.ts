// The HTTP bridge obeys authorization as a NATS client does: the same users,
// the same accounts, the same permissions and error texts, with credentials as
// HTTP carries them (Basic, Bearer token, the websocket block's cookies).
import { describe, expect, it } from "vitest";
import { ownBroker, StreamReader } from "./http.js";
import { listen, quiesce, uniq } from "./util.js";

const config = {
  accounts: {
    A: { users: [{ user: "a", password: "pa" }] },
    B: { users: [{ user: "b", password: "pb" }] },
  },
  authorization: {
    users: [
      {
        user: "limited",
        password: "pl",
        permissions: { publish: { allow: ["orders.>"] }, subscribe: { allow: ["orders.>"] } },
      },
      { user: "app", password: "pp" },
    ],
  },
  websocket: { user_cookie: "nats_user", pass_cookie: "nats_pass", allowed_origins: ["https://app.example"] },
};

const own = ownBroker(2, { vars: { NATS_CONFIG: JSON.stringify(config) } });

const basic = (user: string, pass: string) => ({ Authorization: `Basic ${btoa(`${user}:${pass}`)}` });

async function post(path: string, headers: Record<string, string> = {}, body = "x"): Promise<{ status: number; json: unknown; res: Response }> {
  const res = await fetch(`${own.base}${path}`, { method: "POST", body, headers });
  const text = await res.text();
  const json = res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  return { status: res.status, json, res };
}

describe("HTTP bridge with authorization", () => {
  it("asks for credentials: 401 with the server's text and how to authenticate", async () => {
    for (const headers of [{}, basic("app", "wrong"), basic("nobody", "pp"), { Authorization: "Bearer not-a-token" }]) {
      const r = await post("/pub/orders.new", headers);
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: "Authorization Violation" });
      expect(r.res.headers.get("www-authenticate")).toContain("Basic");
    }
  });

  it("publishes as the user, into the user's account only", async () => {
    const a = await own.clients.connect({ user: "a", pass: "pa" });
    const b = await own.clients.connect({ user: "b", pass: "pb" });
    const subject = uniq("acct");
    const inA = listen(a, subject);
    const inB = listen(b, subject);
    await Promise.all([a.flush(), b.flush()]);
    expect((await post(`/pub/${subject}`, basic("a", "pa"), "for A")).status).toBe(204);
    await inA.waitFor(1);
    await quiesce(a, b);
    expect(inB.msgs.length).toBe(0);
  });

  it("enforces permissions with nats-server's words, for publish, request and subscribe", async () => {
    const creds = basic("limited", "pl");
    expect((await post("/pub/orders.ok", creds)).status).toBe(204);
    const pub = await post("/pub/payments.new", creds);
    expect(pub).toMatchObject({ status: 403, json: { error: 'Permissions Violation for Publish to "payments.new"' } });
    // A request needs the inbox subscription, which this user may not make.
    const req = await post("/request/orders.ok", creds);
    expect(req.status).toBe(403);
    expect((req.json as { error: string }).error).toMatch(/^Permissions Violation for Subscription to "_INBOX\./);
    const sub = await fetch(`${own.base}/sub/payments.>`, { headers: creds });
    expect(sub.status).toBe(403);
    expect(await sub.json()).toEqual({ error: 'Permissions Violation for Subscription to "payments.>"' });
    const q = await fetch(`${own.base}/sub/orders.*?queue=workers`, { headers: creds });
    expect(q.status).toBe(200);
    await q.body?.cancel();
  });

  it("takes credentials from the websocket block's cookies (EventSource)", async () => {
    const app = await own.clients.connect({ user: "app", pass: "pp" });
    const subject = uniq("cookie");
    const r = await StreamReader.open(`${own.base}/sub/${subject}`, { headers: { Cookie: "nats_user=app; nats_pass=pp" } });
    own.readers.push(r);
    expect(r.response.status).toBe(200);
    app.publish(subject, "seen");
    await app.flush();
    expect((await r.waitFor(1))[0].data).toBe("seen");
    const refused = await fetch(`${own.base}/sub/${subject}`, { headers: { Cookie: "nats_user=app; nats_pass=bad" } });
    expect(refused.status).toBe(401);
  });

  it("requests across accounts find no responders", async () => {
    const b = await own.clients.connect({ user: "b", pass: "pb" });
    const subject = uniq("svc");
    b.subscribe(subject, { callback: (_, m) => void m.respond("from B") });
    await b.flush();
    expect((await post(`/request/${subject}`, basic("b", "pb"))).status).toBe(200);
    expect((await post(`/request/${subject}`, basic("a", "pa"))).status).toBe(503);
  });
});

describe("HTTP bridge and allowed_origins", () => {
  it("answers the listed origin's preflight with credentials, and refuses other origins", async () => {
    const preflight = await fetch(`${own.base}/pub/orders.new`, {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(preflight.headers.get("access-control-allow-credentials")).toBe("true");
    const ok = await post("/pub/orders.new", { ...basic("app", "pp"), Origin: "https://app.example" });
    expect(ok.status).toBe(204);
    expect(ok.res.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const evil = await post("/pub/orders.new", { ...basic("app", "pp"), Origin: "https://evil.example" });
    expect(evil).toMatchObject({ status: 403, json: { error: "origin not allowed: not in the allowed list" } });
    expect(evil.res.headers.get("access-control-allow-origin")).toBeNull();
  });
});
