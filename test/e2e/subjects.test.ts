import { afterEach, describe, expect, it } from "vitest";
import { errors, type NatsConnection, type Status } from "@nats-io/nats-core";
import { Clients, delay, listen, quiesce, uniq, waitUntil, within } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

async function pair(): Promise<{ sub: NatsConnection; pub: NatsConnection }> {
  const sub = await clients.connect();
  const pub = await clients.connect();
  return { sub, pub };
}

describe("subjects: matching", () => {
  it("an exact subject gets only itself", async () => {
    const { sub, pub } = await pair();
    const p = uniq("subj.exact");
    const inbox = listen(sub, `${p}.a.b`);
    const sentinel = listen(sub, `${p}.end`);
    await sub.flush();
    for (const s of [`${p}.a`, `${p}.a.b.c`, `${p}.a.x`, `${p}.a.B`, `${p}.a.b`]) pub.publish(s, s);
    pub.publish(`${p}.end`);
    await sentinel.waitFor(1);
    await quiesce(pub, sub);
    expect(inbox.subjects()).toEqual([`${p}.a.b`]);
  });

  it("`*` matches exactly one token", async () => {
    const { sub, pub } = await pair();
    const p = uniq("subj.star");
    const star = listen(sub, `${p}.*`);
    const mid = listen(sub, `${p}.*.x`);
    const sentinel = listen(sub, `${p}-end`);
    await sub.flush();
    const sent = [p, `${p}.bar`, `${p}.bar.baz`, `${p}.a.x`, `${p}.a.y`, `${p}.x`, `${p}.a.b.x`];
    for (const s of sent) pub.publish(s, s);
    pub.publish(`${p}-end`);
    await sentinel.waitFor(1);
    await quiesce(pub, sub);
    // `foo.*` doesn't get `foo` or `foo.bar.baz`
    expect(star.subjects()).toEqual([`${p}.bar`, `${p}.x`]);
    expect(mid.subjects()).toEqual([`${p}.a.x`]);
  });

  it("`>` matches one or more trailing tokens, never zero", async () => {
    const { sub, pub } = await pair();
    const p = uniq("subj.gt");
    const gt = listen(sub, `${p}.>`);
    const midGt = listen(sub, `${p}.*.>`);
    const sentinel = listen(sub, `${p}-end`);
    await sub.flush();
    for (const s of [p, `${p}.a`, `${p}.a.b.c`, `${p}x.a`]) pub.publish(s, s);
    pub.publish(`${p}-end`);
    await sentinel.waitFor(1);
    await quiesce(pub, sub);
    expect(gt.subjects()).toEqual([`${p}.a`, `${p}.a.b.c`]);
    expect(midGt.subjects()).toEqual([`${p}.a.b.c`]);
  });

  it("`>` alone gets everything", async () => {
    const { sub, pub } = await pair();
    const p = uniq("subj.all");
    const all = listen(sub, ">");
    await sub.flush();
    const sent = [p, `${p}.a`, `${p}.a.b.c.d.e.f`, `x${p}`];
    for (const s of sent) pub.publish(s, s);
    await waitUntil(
      () => sent.every((s) => all.subjects().includes(s)),
      5_000,
      () => `all of ${JSON.stringify(sent)} on ">"`,
    );
    // other test files may publish concurrently: look only at ours
    const mine = all.subjects().filter((s) => sent.includes(s));
    expect(mine).toEqual(sent);
    all.sub.unsubscribe();
  });

  it("a message matching several subscriptions of one connection is delivered once per subscription", async () => {
    const { sub, pub } = await pair();
    const p = uniq("subj.overlap");
    const a = listen(sub, `${p}.x`);
    const b = listen(sub, `${p}.*`);
    const c = listen(sub, `${p}.>`);
    await sub.flush();
    pub.publish(`${p}.x`, "one");
    await Promise.all([a.waitFor(1), b.waitFor(1), c.waitFor(1)]);
    await quiesce(pub, sub);
    expect([a.count, b.count, c.count]).toEqual([1, 1, 1]);
  });

  it("publisher and subscriber on different connections; reply subject is passed through", async () => {
    const { sub, pub } = await pair();
    const s = uniq("subj.cross");
    const inbox = listen(sub, s);
    await sub.flush();
    pub.publish(s, "hello", { reply: `${s}.reply` });
    const [m] = await inbox.waitFor(1);
    expect(m!.subject).toBe(s);
    expect(m!.string()).toBe("hello");
    expect(m!.reply).toBe(`${s}.reply`);
  });
});

describe("subjects: unsubscribe", () => {
  it("no more messages after unsubscribe + flush", async () => {
    const { sub, pub } = await pair();
    const s = uniq("subj.unsub");
    const inbox = listen(sub, s);
    const sentinel = listen(sub, `${s}.end`);
    await sub.flush();
    pub.publish(s, "before");
    await inbox.waitFor(1);
    inbox.sub.unsubscribe();
    await sub.flush();
    for (let i = 0; i < 5; i++) pub.publish(s, "after");
    pub.publish(`${s}.end`);
    await sentinel.waitFor(1);
    await quiesce(pub, sub);
    expect(inbox.strings()).toEqual(["before"]);
    expect(inbox.sub.isClosed()).toBe(true);
  });

  it("auto-unsubscribe {max: 3} gets exactly 3", async () => {
    const { sub, pub } = await pair();
    const s = uniq("subj.max");
    const inbox = listen(sub, s, { max: 3 });
    const sentinel = listen(sub, `${s}.end`);
    await sub.flush();
    for (let i = 0; i < 10; i++) pub.publish(s, String(i));
    pub.publish(`${s}.end`);
    await sentinel.waitFor(1);
    await quiesce(pub, sub);
    expect(inbox.strings()).toEqual(["0", "1", "2"]);
    await within(inbox.sub.closed, 2_000);
  });

  it("the broker itself honours UNSUB <sid> <max> (raw socket)", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const pub = await clients.connect();
    const s = uniq("subj.rawmax");
    rs.send(`SUB ${s} 7\r\nUNSUB 7 3\r\nSUB ${s}.end 8\r\n`);
    await rs.ping();
    for (let i = 0; i < 10; i++) pub.publish(s, String(i));
    pub.publish(`${s}.end`);
    await pub.flush();
    await rs.waitFor(`MSG ${s}.end 8 0\r\n`);
    await delay(100);
    await rs.ping();
    const msgs = rs.messages().filter((m) => m.args[0] === s);
    expect(msgs.map((m) => m.body)).toEqual(["0", "1", "2"]);
    expect(msgs.every((m) => m.args[1] === "7")).toBe(true);
  });

  it("UNSUB with a max already reached unsubscribes at once", async () => {
    const rs = await clients.raw();
    await rs.handshake();
    const pub = await clients.connect();
    const s = uniq("subj.rawmax0");
    rs.send(`SUB ${s} 1\r\nSUB ${s}.end 2\r\n`);
    await rs.ping();
    pub.publish(s, "a");
    pub.publish(s, "b");
    await pub.flush();
    await rs.waitFor("\r\nb\r\n");
    rs.send("UNSUB 1 1\r\n");
    await rs.ping();
    pub.publish(s, "c");
    pub.publish(`${s}.end`);
    await pub.flush();
    await rs.waitFor(`MSG ${s}.end 2 0\r\n`);
    expect(rs.messages().filter((m) => m.args[0] === s).map((m) => m.body)).toEqual(["a", "b"]);
  });
});

describe("subjects: many subscriptions on one connection", () => {
  it("10,000 subscriptions are all live", { timeout: 90_000 }, async () => {
    const { sub, pub } = await pair();
    const p = uniq("subj.many");
    const N = 10_000;
    const counts = new Uint32Array(N);
    let total = 0;
    for (let i = 0; i < N; i++) {
      sub.subscribe(`${p}.${i}`, {
        callback: () => {
          counts[i]!++;
          total++;
        },
      });
    }
    await within(sub.flush(), 30_000, "flush after 10,000 SUBs");

    // a sample first
    const sample = Array.from({ length: 100 }, (_, k) => (k * 97 + 13) % N);
    for (const i of sample) pub.publish(`${p}.${i}`, String(i));
    await waitUntil(() => total >= sample.length, 10_000, () => `${sample.length} sample messages (got ${total})`);
    for (const i of sample) expect(counts[i]).toBe(1);

    // then one message to every subscription
    for (let i = 0; i < N; i++) pub.publish(`${p}.${i}`, String(i));
    await waitUntil(
      () => total >= N + sample.length,
      40_000,
      () => `${N + sample.length} messages (got ${total})`,
    );
    await quiesce(pub, sub);
    expect(total).toBe(N + sample.length);
    const sampleSet = new Set(sample);
    const wrong: number[] = [];
    for (let i = 0; i < N; i++) if (counts[i] !== (sampleSet.has(i) ? 2 : 1)) wrong.push(i);
    expect(wrong).toEqual([]);
  });
});

describe("subjects: invalid subjects", () => {
  it("the client rejects empty subjects and subjects with whitespace before sending", async () => {
    const nc = await clients.connect();
    expect(() => nc.subscribe("")).toThrow(errors.InvalidSubjectError);
    expect(() => nc.subscribe("foo bar")).toThrow(errors.InvalidSubjectError);
    expect(() => nc.publish("")).toThrow(errors.InvalidSubjectError);
    expect(() => nc.publish("foo\tbar")).toThrow(errors.InvalidSubjectError);
    await nc.flush();
  });

  it("a SUB the client lets through (`foo..bar`) surfaces the server's 'Invalid Subject' as an error status; the connection stays up", async () => {
    const nc = await clients.connect();
    const statuses: Status[] = [];
    (async () => {
      for await (const s of nc.status()) statuses.push(s);
    })().catch(() => undefined);
    const p = uniq("subj.bad");
    nc.subscribe(`${p}..bar`);
    await nc.flush();
    await waitUntil(
      () => statuses.some((s) => s.type === "error"),
      5_000,
      () => `an error status (got ${JSON.stringify(statuses.map((s) => s.type))})`,
    );
    const err = statuses.find((s) => s.type === "error") as { type: "error"; error: Error };
    expect(err.error).toBeInstanceOf(errors.ProtocolError);
    expect(err.error.message).toBe("Invalid Subject");
    // still usable
    expect(nc.isClosed()).toBe(false);
    const ok = listen(nc, `${p}.ok`);
    await nc.flush();
    nc.publish(`${p}.ok`, "fine");
    await ok.waitFor(1);
    expect(statuses.filter((s) => s.type === "disconnect" || s.type === "close")).toEqual([]);
  });

  it.each([["foo..bar"], [".foo"], ["foo."], ["foo.>.bar"], [">.foo"]])(
    "raw `SUB %s 1` gets -ERR 'Invalid Subject' and the connection stays open",
    async (subject) => {
      const rs = await clients.raw();
      await rs.handshake();
      const m = rs.mark();
      rs.send(`SUB ${subject} 1\r\n`);
      await rs.waitFor("-ERR 'Invalid Subject'\r\n", 5_000, m);
      await rs.ping();
      expect(rs.since(m)).toBe("-ERR 'Invalid Subject'\r\nPONG\r\n");
      expect(rs.isClosed).toBe(false);
      // and it still works
      const s = uniq("subj.afterbad");
      const m2 = rs.mark();
      rs.send(`SUB ${s} 2\r\nPUB ${s} 2\r\nok\r\nPING\r\n`);
      await rs.waitFor("PONG\r\n", 5_000, m2);
      expect(rs.since(m2)).toBe(`MSG ${s} 2 2\r\nok\r\nPONG\r\n`);
    },
  );
});
