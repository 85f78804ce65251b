import { afterEach, describe, expect, it } from "vitest";
import { Clients, listen, quiesce, uniq, waitUntil } from "./util";

const clients = new Clients();
afterEach(() => clients.closeAll());

/** Index of the first position where `got` differs from 0..n-1, or -1. */
function firstGap(got: number[], n: number): number {
  for (let i = 0; i < n; i++) if (got[i] !== i) return i;
  return got.length === n ? -1 : n;
}

describe("order", () => {
  it("10,000 messages from one publisher arrive in order at a subscriber on another connection", { timeout: 60_000 }, async () => {
    const sub = await clients.connect();
    const pub = await clients.connect();
    const s = uniq("order.one");
    const inbox = listen(sub, s);
    await sub.flush();
    const N = 10_000;
    for (let i = 0; i < N; i++) pub.publish(s, String(i));
    await pub.flush();
    await inbox.waitFor(N, 45_000);
    await quiesce(pub, sub);
    const got = inbox.strings().map(Number);
    const gap = firstGap(got, N);
    expect(gap, `first out-of-order index ${gap}: ${JSON.stringify(got.slice(Math.max(0, gap - 3), gap + 3))}`).toBe(-1);
    expect(got.length).toBe(N);
  });

  it("messages on different subjects caught by one wildcard subscription keep publish order", async () => {
    const sub = await clients.connect();
    const pub = await clients.connect();
    const p = uniq("order.wild");
    const inbox = listen(sub, `${p}.>`);
    await sub.flush();
    const N = 2_000;
    for (let i = 0; i < N; i++) pub.publish(`${p}.${i % 7}.${i % 3}`, String(i));
    await inbox.waitFor(N, 20_000);
    expect(firstGap(inbox.strings().map(Number), N)).toBe(-1);
  });

  it("two publishers: each one's messages stay in order at the subscriber", async () => {
    const sub = await clients.connect();
    const a = await clients.connect();
    const b = await clients.connect();
    const s = uniq("order.two");
    const inbox = listen(sub, s);
    await sub.flush();
    const N = 2_000;
    for (let i = 0; i < N; i++) {
      a.publish(s, `a${i}`);
      b.publish(s, `b${i}`);
    }
    await inbox.waitFor(2 * N, 20_000);
    const all = inbox.strings();
    const fromA = all.filter((x) => x.startsWith("a")).map((x) => Number(x.slice(1)));
    const fromB = all.filter((x) => x.startsWith("b")).map((x) => Number(x.slice(1)));
    expect(firstGap(fromA, N)).toBe(-1);
    expect(firstGap(fromB, N)).toBe(-1);
  });

  it("order holds across subscriptions of one connection (publish A then B, A's message first)", async () => {
    const sub = await clients.connect();
    const pub = await clients.connect();
    const p = uniq("order.subs");
    const seq: string[] = [];
    sub.subscribe(`${p}.a`, { callback: (_e, m) => void seq.push(m.string()) });
    sub.subscribe(`${p}.b`, { callback: (_e, m) => void seq.push(m.string()) });
    await sub.flush();
    const N = 1_000;
    for (let i = 0; i < N; i++) pub.publish(`${p}.${i % 2 ? "b" : "a"}`, String(i));
    await waitUntil(() => seq.length >= N, 20_000, () => `${N} messages (got ${seq.length})`);
    await quiesce(pub, sub);
    expect(seq.length).toBe(N);
    expect(firstGap(seq.map(Number), N)).toBe(-1);
  });
});
