// The distance between regions, emulated for tests: with REGION_DELAY_MS (and
// TEST_HOOKS=1), whatever a shard sends a shard of another region (a call, its
// answer, a link frame) arrives that many milliseconds later, and in the order
// sent, as over a wide-area network. Without it, nothing waits.

import type { Settings } from "../settings.js";
import { regionOfShard } from "../settings.js";
import { pairKey } from "../../protocol/regions.js";

/** A one-way path of fixed delay: what enters comes out `ms` later, in order. */
class DelayLine {
  private last: Promise<void> = Promise.resolve();

  constructor(readonly ms: number) {}

  /** Resolves `ms` from now, and not before what entered earlier. */
  pass(): Promise<void> {
    const timer = new Promise<void>((resolve) => setTimeout(resolve, this.ms));
    const out = Promise.all([this.last, timer]).then(() => undefined);
    this.last = out;
    return out;
  }
}

export class Wan {
  /** The line from this shard to each shard of another region (calls and answers take the line their way). */
  private readonly to = new Map<number, DelayLine>();
  private readonly from = new Map<number, DelayLine>();

  constructor(settings: Settings, self: number) {
    const here = regionOfShard(settings, self);
    if (here === null || settings.regionDelays.size === 0) return;
    for (let shard = 0; shard < settings.shards; shard++) {
      const there = regionOfShard(settings, shard);
      if (there === null || there === here) continue;
      const away = settings.regionDelays.get(pairKey(here, there)) ?? 0;
      const back = settings.regionDelays.get(pairKey(there, here)) ?? 0;
      if (away > 0) this.to.set(shard, new DelayLine(away));
      if (back > 0) this.from.set(shard, new DelayLine(back));
    }
  }

  /** A call to `shard`: made once it has travelled there, answered once the answer travelled back. */
  async call<T>(shard: number, f: () => T | Promise<T>): Promise<T> {
    const there = this.to.get(shard);
    if (there !== undefined) await there.pass();
    try {
      return await f();
    } finally {
      const back = this.from.get(shard);
      if (back !== undefined) await back.pass();
    }
  }

  /** Something that came from `shard` (a link frame): handled once it has travelled here. */
  arrive(shard: number, handle: () => void): boolean {
    const line = this.from.get(shard);
    if (line === undefined) return false;
    void line.pass().then(handle);
    return true;
  }
}
