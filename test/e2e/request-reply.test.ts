import { afterEach, describe, expect, it } from "vitest";
import { errors, type Msg, type NatsConnection } from "@nats-io/nats-core";
import { Clients, delay, listen, regionDelayMs, uniq, waitUntil } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

function respond(nc: NatsConnection, subject: string, fn: (m: Msg) => string | undefined, waitMs = 0): void {
  nc.subscribe(subject, {
    callback: (_e, m) => {
      const reply = fn(m);
      if (reply === undefined) return;
      if (waitMs > 0) setTimeout(() => m.respond(reply), waitMs);
      else m.respond(reply);
    },
  });
}

/** Runs `p` and returns what it rejected with (fails if it resolved). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    const v = await p;
    throw new Error(`expected a rejection, got ${String(v)}`);
  } catch (err) {
    return err as Error;
  }
}

describe("request-reply", () => {
  it("a request gets the responder's reply", async () => {
    const svc = await clients.connect();
    const s = uniq("rr.one");
    respond(svc, s, (m) => `echo:${m.string()}`);
    await svc.flush();
    const req = await clients.connect();
    const m = await req.request(s, "hi", { timeout: 5_000 });
    expect(m.string()).toBe("echo:hi");
    expect(m.subject.startsWith("_INBOX.")).toBe(true);
  });

  it("100 concurrent requests are each matched to their own reply", async () => {
    const svc = await clients.connect();
    const s = uniq("rr.many");
    // reply out of order: later requests answered sooner
    svc.subscribe(s, {
      callback: (_e, m) => {
        const i = Number(m.string());
        setTimeout(() => m.respond(`re:${i}`), (100 - i) % 17);
      },
    });
    await svc.flush();
    const req = await clients.connect();
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) => req.request(s, String(i), { timeout: 10_000 }).then((m) => m.string())),
    );
    expect(replies).toEqual(Array.from({ length: 100 }, (_, i) => `re:${i}`));
  });

  it("requests and responders on the same connection work", async () => {
    const nc = await clients.connect();
    const s = uniq("rr.self");
    respond(nc, s, (m) => m.string().toUpperCase());
    await nc.flush();
    expect((await nc.request(s, "abc", { timeout: 5_000 })).string()).toBe("ABC");
  });

  it("noMux requests (one inbox per request) work", async () => {
    const svc = await clients.connect();
    const s = uniq("rr.nomux");
    respond(svc, s, (m) => `nm:${m.string()}`);
    await svc.flush();
    const req = await clients.connect();
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        req.request(s, String(i), { timeout: 5_000, noMux: true }).then((m) => m.string()),
      ),
    );
    expect(replies).toEqual(Array.from({ length: 10 }, (_, i) => `nm:${i}`));
  });

  it("three racing responders: the requester gets exactly one reply, the first one", async () => {
    const s = uniq("rr.race");
    // Far enough apart to beat any path between regions: the request, the reply, and a watch
    // of the subject's owner may each cross one.
    const gap = 300 + 4 * regionDelayMs();
    const delays = [0, gap, 2 * gap];
    const answered = [0, 0, 0];
    for (let i = 0; i < 3; i++) {
      const nc = await clients.connect();
      respond(
        nc,
        s,
        () => {
          answered[i]!++;
          return `r${i}`;
        },
        delays[i],
      );
      await nc.flush();
    }
    const req = await clients.connect();
    const t0 = Date.now();
    const m = await req.request(s, "who", { timeout: 5_000 });
    expect(m.string()).toBe("r0");
    expect(Date.now() - t0).toBeLessThan(gap);
    // all three saw the request and answered; the broker delivered all answers to the
    // inbox, but the client resolves the request once
    await waitUntil(() => answered.every((a) => a === 1), 3_000 + 2 * gap, () => `all responders to answer (${answered})`);
    // The slowest answer leaves 2 × gap after the request; the wait leaves room for a busy machine.
    const many = await req.requestMany(s, "all", { strategy: "timer", maxWait: 3_000 + 2 * gap });
    const got: string[] = [];
    for await (const r of many) got.push(r.string());
    expect(got.sort()).toEqual(["r0", "r1", "r2"]);
  });

  it("no responders: the request fails at once with the no-responders error", async () => {
    const req = await clients.connect();
    const s = uniq("rr.none");
    const t0 = Date.now();
    const err = await rejection(req.request(s, "anyone?", { timeout: 5_000 }));
    const elapsed = Date.now() - t0;
    expect(err).toBeInstanceOf(errors.RequestError);
    expect((err as InstanceType<typeof errors.RequestError>).isNoResponders()).toBe(true);
    expect(err.cause).toBeInstanceOf(errors.NoRespondersError);
    // an immediate 503, not the 5 s timeout
    expect(elapsed).toBeLessThan(2_000);
  });

  it("no responders with noMux: same error", async () => {
    const req = await clients.connect();
    const err = await rejection(req.request(uniq("rr.none.nomux"), "x", { timeout: 5_000, noMux: true }));
    expect(err).toBeInstanceOf(errors.RequestError);
    expect(err.cause).toBeInstanceOf(errors.NoRespondersError);
  });

  it("the 503 on the wire is the exact nats-server status message (raw socket)", async () => {
    const rs = await clients.raw();
    await rs.handshake({ headers: true, no_responders: true });
    const s = uniq("rr.none.raw");
    const inbox = `${s}.inbox`;
    const m = rs.mark();
    rs.send(`SUB ${inbox}.* 9\r\nPUB ${s} ${inbox}.1 0\r\n\r\n`);
    await rs.waitFor("\r\n\r\n\r\n", 5_000, m);
    await rs.ping();
    expect(rs.since(m)).toBe(`HMSG ${inbox}.1 9 16 16\r\nNATS/1.0 503\r\n\r\n\r\nPONG\r\n`);
  });

  it("no 503 for a publisher that did not ask for no_responders", async () => {
    const rs = await clients.raw();
    await rs.handshake({ headers: true, no_responders: false });
    const s = uniq("rr.none.off");
    const m = rs.mark();
    rs.send(`SUB ${s}.inbox 9\r\nPUB ${s} ${s}.inbox 0\r\n\r\n`);
    await rs.ping();
    await delay(200);
    await rs.ping();
    expect(rs.since(m)).toBe("PONG\r\nPONG\r\n");
  });

  it("a silent responder (subscribed, never answers): timeout error, not no-responders", async () => {
    const svc = await clients.connect();
    const s = uniq("rr.silent");
    const seen = listen(svc, s);
    await svc.flush();
    const req = await clients.connect();
    const t0 = Date.now();
    const err = await rejection(req.request(s, "hello?", { timeout: 700 }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(650);
    expect(err).toBeInstanceOf(errors.TimeoutError);
    expect(err).not.toBeInstanceOf(errors.RequestError);
    expect(seen.count).toBe(1);
  });

  it("a reply can carry headers back to the requester", async () => {
    const svc = await clients.connect();
    const s = uniq("rr.hdr");
    const { headers } = await import("@nats-io/nats-core");
    svc.subscribe(s, {
      callback: (_e, m) => {
        const h = headers();
        h.set("X-Echo", m.headers?.get("X-In") ?? "none");
        m.respond("ok", { headers: h });
      },
    });
    await svc.flush();
    const req = await clients.connect();
    const h = headers();
    h.set("X-In", "v1");
    const m = await req.request(s, "", { timeout: 5_000, headers: h });
    expect(m.string()).toBe("ok");
    expect(m.headers?.get("X-Echo")).toBe("v1");
  });
});
