// The links between shards (src/durable/cluster/link.ts) over sockets the test
// controls: what one shard sends another arrives in order and once, also when a
// socket is lost mid-stream; a busy link gathers records into few frames; a
// request and its reply acknowledge each other; a link that cannot be opened
// gives its records up; two shards that open a link to each other at once keep one.
import { describe, expect, it } from "vitest";
import { Links } from "../../src/durable/cluster/link.js";
import { Wan } from "../../src/durable/cluster/wan.js";
import { readSettings } from "../../src/durable/settings.js";
import { Message } from "../../src/protocol/message.js";
import { FRAME_ACK, FRAME_DATA, NO_QUEUE_NAMES, RouteReader } from "../../src/protocol/route.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const ACCOUNT = enc.encode("$G");

type Listener = (ev: { data: unknown }) => void;

/** One end of an in-memory socket pair; what one end sends the other gets in a later task. */
class End {
  other!: End;
  closed = false;
  /** Drops what is sent while set (as a socket that dies with frames in flight). */
  blackhole = false;
  readonly sent: Uint8Array[] = [];
  private readonly listeners: Record<string, Listener[]> = {};
  /** For the accepting end: where its frames go (shard.ts hands them to Links.frame). */
  onFrame: ((bytes: Uint8Array) => void) | null = null;
  onClose: (() => void) | null = null;
  binaryType = "arraybuffer";

  addEventListener(type: string, f: Listener): void {
    (this.listeners[type] ??= []).push(f);
  }

  accept(): void {}

  send(bytes: Uint8Array): void {
    if (this.closed) throw new Error("closed");
    const copy = bytes.slice();
    this.sent.push(copy);
    if (this.blackhole) return;
    setTimeout(() => this.other.receive(copy), 0);
  }

  private receive(bytes: Uint8Array): void {
    if (this.closed) return;
    if (this.onFrame !== null) this.onFrame(bytes);
    else for (const f of this.listeners.message ?? []) f({ data: bytes.buffer });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.other.closed = true;
    setTimeout(() => {
      for (const end of [this, this.other]) {
        end.onClose?.();
        for (const f of end.listeners.close ?? []) f({ data: null });
      }
    }, 0);
  }
}

interface Shard {
  readonly links: Links;
  /** Records delivered, as "from:subject". */
  readonly got: string[];
  answered: { receipts: number[]; undelivered: number[] }[];
  dropped: number;
}

/**
 * Two shards whose links open in-memory socket pairs. `refuse` makes opening fail;
 * `nobody` lists subjects no one takes (their receipts come back undelivered);
 * `delayMs` puts the two in regions that far apart (cluster/wan.ts, as REGION_DELAY_MS does);
 * `slowOpen` lets both open a socket before either is accepted.
 */
function cluster(o: { refuse?: () => boolean; nobody?: string[]; delayMs?: number; slowOpen?: boolean } = {}) {
  const shards: Shard[] = [];
  const sockets: End[] = [];
  const settings = o.delayMs === undefined ? null : readSettings({ REGIONS: "wnam,weur", SHARDS: "1", TEST_HOOKS: "1", REGION_DELAY_MS: String(o.delayMs) });
  for (const self of [0, 1]) {
    const wan = settings === null ? null : new Wan(settings, self);
    const s: Shard = {
      got: [],
      answered: [],
      dropped: 0,
      links: new Links({
        self,
        open: async (peer) => {
          if (o.refuse?.()) throw new Error("refused");
          // The other end accepts a task later, so that two shards can open at once…
          if (o.slowOpen) await settle(0);
          const mine = new End();
          const theirs = new End();
          mine.other = theirs;
          theirs.other = mine;
          const target = shards[peer].links;
          theirs.onFrame = (bytes) => target.frame(theirs as unknown as WebSocket, bytes);
          theirs.onClose = () => target.closed(theirs as unknown as WebSocket);
          target.accepted(theirs as unknown as WebSocket, self);
          // …and the opener hears of it later still, so both may have accepted before either knows.
          if (o.slowOpen) await settle(0);
          sockets.push(mine);
          return mine as unknown as WebSocket;
        },
        received: (peer, records) => {
          const r = new RouteReader().read(records);
          const undelivered: number[] = [];
          while (r.next()) {
            const subject = dec.decode(r.record.subject);
            s.got.push(`${peer}:${subject}`);
            if (o.nobody?.includes(subject) && r.record.id !== 0) undelivered.push(r.record.id);
          }
          return undelivered;
        },
        answered: (receipts, undelivered) => s.answered.push({ receipts: [...receipts], undelivered: [...undelivered] }),
        dropped: (_peer, records, receipts) => {
          s.dropped += records;
          s.answered.push({ receipts: [...receipts], undelivered: [...receipts] });
        },
        arrivesNow: (peer, handle) => wan === null || !wan.arrive(peer, handle),
      }),
    };
    shards.push(s);
  }
  /** Routes one record from `from` to the other shard. */
  const route = (from: number, subject: string, receipt = 0, size = 10) => {
    const out = shards[from].links.batch(1 - from);
    out.route.add(receipt, ACCOUNT, new Message().set(enc.encode(subject), null, -1, new Uint8Array(size)), NO_QUEUE_NAMES, receipt !== 0);
    if (receipt !== 0) out.receipts.push(receipt);
  };
  return { shards, sockets, route };
}

function settle(ms = 20): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
const kinds = (frames: Uint8Array[]) => frames.map((f) => (f[0] === FRAME_DATA ? "data" : f[0] === FRAME_ACK ? "ack" : "?"));

describe("links between shards", () => {
  it("deliver in order and once, and a request and its reply acknowledge each other", async () => {
    const { shards, sockets, route } = cluster();
    for (let i = 0; i < 5; i++) {
      route(0, `req.${i}`, i + 1);
      shards[0].links.flush();
      await settle(0);
      route(1, `rep.${i}`);
      shards[1].links.flush();
      await settle(0);
    }
    await settle();
    expect(shards[1].got).toEqual([0, 1, 2, 3, 4].map((i) => `0:req.${i}`));
    expect(shards[0].got).toEqual([0, 1, 2, 3, 4].map((i) => `1:rep.${i}`));
    // One socket, used both ways; every receipt answered as taken.
    expect(sockets).toHaveLength(1);
    expect(shards[0].answered.flatMap((a) => a.receipts)).toEqual([1, 2, 3, 4, 5]);
    expect(shards[0].answered.flatMap((a) => a.undelivered)).toEqual([]);
    // Acks rode on the data frames going back: at most the last exchange needed an ack frame.
    const acks = [...kinds(sockets[0].sent), ...kinds(sockets[0].other.sent)].filter((k) => k === "ack");
    expect(acks.length).toBeLessThanOrEqual(2);
  });

  it("deliver in order and once between regions far apart, both ways, a socket lost on the way included", async () => {
    const { shards, sockets, route } = cluster({ delayMs: 15 });
    const t0 = Date.now();
    route(0, "first");
    shards[0].links.flush();
    for (let t = 0; t < 100 && shards[1].got.length < 1; t++) await settle(2);
    // It travelled: at least the delay, one way.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(14);
    for (let i = 0; i < 300; i++) {
      route(0, `a.${i}`, 0, 200);
      route(1, `b.${i}`, 0, 200);
      shards[0].links.flush();
      shards[1].links.flush();
      if (i === 150) sockets[0].close();
      if (i % 50 === 0) await settle(3);
    }
    for (let t = 0; t < 200 && (shards[1].got.length < 301 || shards[0].got.length < 300); t++) await settle(10);
    expect(shards[1].got).toEqual(["0:first", ...Array.from({ length: 300 }, (_, i) => `0:a.${i}`)]);
    expect(shards[0].got).toEqual(Array.from({ length: 300 }, (_, i) => `1:b.${i}`));
  });

  it("keep one socket when both shards open one at once, and deliver in order and once", async () => {
    const { shards, sockets, route } = cluster({ slowOpen: true });
    for (let round = 0; round < 5; round++) {
      route(0, `a.${round}`);
      route(1, `b.${round}`);
      shards[0].links.flush();
      shards[1].links.flush();
      await settle();
      // Both close the sockets they opened, as when idle: the next round opens at once again.
      for (const s of shards) s.links.closeOpened();
      await settle();
    }
    for (let t = 0; t < 50 && (shards[1].got.length < 5 || shards[0].got.length < 5); t++) await settle(10);
    expect(shards[1].got).toEqual([0, 1, 2, 3, 4].map((i) => `0:a.${i}`));
    expect(shards[0].got).toEqual([0, 1, 2, 3, 4].map((i) => `1:b.${i}`));
    // Two sockets a round at most, and nothing reopening on its own once all is delivered.
    expect(sockets.length).toBeLessThanOrEqual(10);
    const opened = sockets.length;
    await settle(100);
    expect(sockets.length).toBe(opened);
  });

  it("gather what follows a full window into one frame until an ack comes", async () => {
    const { shards, sockets, route } = cluster();
    route(0, "open");
    shards[0].links.flush();
    await settle();
    // 2,000 records of 1 KB, each flushed on its own (a host publishing as fast as it can).
    for (let i = 0; i < 2000; i++) {
      route(0, `s.${i}`, 0, 1000);
      shards[0].links.flush();
    }
    for (let t = 0; t < 100 && shards[1].got.length < 2001; t++) await settle(20);
    expect(shards[1].got).toEqual(["0:open", ...Array.from({ length: 2000 }, (_, i) => `0:s.${i}`)]);
    // The first frames fill the window (16 KiB); what follows waits, and goes as one frame.
    const frames = kinds(sockets[0].sent).filter((k) => k === "data").length;
    expect(frames).toBeLessThan(40);
  });

  it("send again what a lost socket did not get acknowledged, and deliver it once", async () => {
    const { shards, sockets, route } = cluster();
    route(0, "a");
    shards[0].links.flush();
    await settle();
    // The next frame reaches the receiver, but the socket dies before anything comes back.
    sockets[0].other.blackhole = true;
    route(0, "b");
    route(0, "c");
    shards[0].links.flush();
    await settle(0);
    sockets[0].close();
    await settle(50);
    route(0, "d");
    shards[0].links.flush();
    await settle(50);
    expect(shards[1].got).toEqual(["0:a", "0:b", "0:c", "0:d"]);
    expect(sockets.length).toBe(2);
  });

  it("tell the requester at once when nobody took a request", async () => {
    const { shards, route } = cluster({ nobody: ["lonely"] });
    route(0, "lonely", 7);
    route(0, "taken", 8);
    shards[0].links.flush();
    await settle(5);
    expect(shards[0].answered).toEqual([{ receipts: [7, 8], undelivered: [7] }]);
  });

  it("give up what waits for a link that cannot be opened", async () => {
    const { shards, route } = cluster({ refuse: () => true });
    route(0, "x", 3);
    route(0, "y");
    shards[0].links.flush();
    // Six tries, 25 ms doubling (jittered): about a second and a half.
    await settle(2500);
    expect(shards[0].dropped).toBe(2);
    expect(shards[0].answered).toEqual([{ receipts: [3], undelivered: [3] }]);
    expect(shards[1].got).toEqual([]);
  });
});
