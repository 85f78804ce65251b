// Service bindings: a second Worker, in the same workerd as the broker, binds to
// its NatsService entrypoint and publishes, requests and subscribes without a
// socket, while official clients connect through that Worker over WebSocket.
import { headers as natsHeaders } from "@nats-io/nats-core";
import * as http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ownBroker, StreamReader } from "./http.js";
import { collect, delay, quiesce, uniq, waitUntil } from "./util.js";

const own = ownBroker(2, { front: ["test/fixtures/consumer/wrangler.toml"], vars: { TEST_HOOKS: "1" } });

async function call(verb: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${own.base}/consumer/${verb}`, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("NatsService binding", () => {
  it("publishes to NATS subscribers, with headers and a reply subject", async () => {
    const nc = await own.clients.connect();
    const subject = uniq("svc.pub");
    const sub = nc.subscribe(subject, { max: 1 });
    await nc.flush();
    const r = await call("publish", { subject, data: "from the edge", options: { reply: "re.ply", headers: { "X-From": "consumer" } } });
    expect(r).toEqual({ status: 200, json: { ok: true } });
    const [m] = await collect(sub, 1);
    expect(m.string()).toBe("from the edge");
    expect(m.reply).toBe("re.ply");
    expect(m.headers?.get("X-From")).toBe("consumer");
  });

  it("requests: the first reply, no responders and timeouts as errors", async () => {
    const nc = await own.clients.connect();
    const subject = uniq("svc.req");
    nc.subscribe(subject, {
      callback: (_, m) => {
        const h = natsHeaders();
        h.set("X-Served", "yes");
        m.respond(m.string().toUpperCase(), { headers: h });
      },
    });
    const silent = uniq("svc.silent");
    nc.subscribe(silent, { callback: () => {} });
    await nc.flush();
    const ok = await call("request", { subject, data: "hello", options: { timeoutMs: 3000 } });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ data: "HELLO", headers: { "X-Served": ["yes"] } });
    const none = await call("request", { subject: uniq("svc.none"), data: "x" });
    expect(none.status).toBe(500);
    expect(none.json.error).toMatch(/^No Responders/);
    const late = await call("request", { subject: silent, data: "x", options: { timeoutMs: 200 } });
    expect(late.json.error).toMatch(/^Timeout/);
  });

  it("subscribes by stream: JSON lines as messages arrive, until max", async () => {
    const subject = uniq("svc.sub");
    const r = await StreamReader.open(`${own.base}/consumer/subscribe`, {
      method: "POST",
      body: JSON.stringify({ subject, options: { max: 3 } }),
    });
    own.readers.push(r);
    expect(r.response.status).toBe(200);
    const nc = await own.clients.connect();
    for (let i = 0; i < 5; i++) nc.publish(subject, `n${i}`);
    await nc.flush();
    const got = await r.waitFor(3);
    expect(got.map((m) => [m.subject, m.data])).toEqual([0, 1, 2].map((i) => [subject, `n${i}`]));
  });

  it("refuses what a NATS client would be refused, with the same words", async () => {
    expect((await call("publish", { subject: "bad..subject" })).json.error).toBe("Invalid Publish Subject");
    expect((await call("subscribe", { subject: "a.>.b" })).json.error).toBe("Invalid Subject");
    expect((await call("publish", { subject: "x", options: { shard: 7 } })).json.error).toMatch(/^shard must be/);
  });
});

/** A webhook receiver on loopback: records each POST; answers with `status`. */
class Receiver {
  readonly posts: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  status = 200;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.posts.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(this.status).end();
    });
  });
  url = "";

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hook`;
    return this;
  }

  bodies(): string[] {
    return this.posts.map((p) => p.body);
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe("NatsService webhooks", () => {
  const receivers: Receiver[] = [];
  afterEach(async () => {
    for (const r of receivers.splice(0)) await r.stop();
  });
  const receiver = async () => {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  };

  it("POSTs each message in order, with subject and headers, until unsubscribed", async () => {
    const hook = await receiver();
    const subject = uniq("hook");
    const made = await call("webhook", { subject, url: hook.url });
    expect(made.status).toBe(200);
    const id = made.json.id as string;
    expect(id).toMatch(/^wh-\d+$/);
    const nc = await own.clients.connect();
    const h = natsHeaders();
    h.set("X-Seq", "first");
    for (let i = 0; i < 10; i++) nc.publish(subject, `w${i}`, i === 0 ? { headers: h } : {});
    await nc.flush();
    await waitUntil(() => hook.posts.length >= 10, 10_000, () => `10 posts (got ${hook.posts.length})`);
    expect(hook.bodies()).toEqual(Array.from({ length: 10 }, (_, i) => `w${i}`));
    expect(hook.posts[0].headers["nats-subject"]).toBe(subject);
    expect(hook.posts[0].headers["nats-header-x-seq"]).toBe("first");
    expect(hook.posts[0].headers["nats-subscription"]).toBe(id);
    expect((await call("unsubscribe", { id })).json).toEqual({ removed: true });
    expect((await call("unsubscribe", { id })).json).toEqual({ removed: false });
    nc.publish(subject, "after");
    await quiesce(nc);
    await delay(300);
    expect(hook.posts.length).toBe(10);
  });

  it("survives the object being reset, and stops when the receiver answers 410", async () => {
    const hook = await receiver();
    const subject = uniq("hook");
    const id = (await call("webhook", { subject, url: hook.url, options: { shard: 1 } })).json.id as string;
    await fetch(`${own.base}/_test/abort/1`, { method: "POST" });
    const nc = await own.clients.connect();
    // A message that reaches the old instance while it is being reset is lost with it
    // (NATS core delivers at most once): publish until the rebuilt webhook posts one.
    for (let i = 0; i < 20 && hook.posts.length === 0; i++) {
      nc.publish(subject, "after reset");
      await nc.flush();
      await delay(500);
    }
    expect(hook.posts.length).toBeGreaterThan(0);
    expect(new Set(hook.bodies())).toEqual(new Set(["after reset"]));
    hook.status = 410;
    const before = hook.posts.length;
    nc.publish(subject, "gone");
    await waitUntil(() => hook.bodies().includes("gone"), 10_000, () => "the 410 post");
    nc.publish(subject, "not sent");
    await quiesce(nc);
    await delay(300);
    expect(hook.bodies().slice(before).filter((b) => b !== "after reset")).toEqual(["gone"]);
    expect((await call("unsubscribe", { id })).json).toEqual({ removed: false });
  });

  it("refuses a callback that is not an http(s) URL", async () => {
    expect((await call("webhook", { subject: "x", url: "ftp://example.com/" })).json.error).toMatch(/^callback URL must be http or https/);
    expect((await call("webhook", { subject: "x", url: "not a url" })).json.error).toMatch(/^callback URL is not a URL/);
  });
});
