// A consumer's deliveries awaiting an ack, by stream sequence, added in stream order:
// a Map that also answers which is first (the ack floor) in constant time.
//
// A Map's first entry is not cheap to find when entries leave from its front, as
// acks make them: its iterator walks the deleted slots from the start each time,
// until the table is next rebuilt. Here the order is a queue of sequences that
// skips, once, those no longer in the map.

export class PendingAcks<V> {
  private readonly map = new Map<number, V>();
  private order: number[] = [];
  private head = 0;

  get size(): number {
    return this.map.size;
  }

  get(sseq: number): V | undefined {
    return this.map.get(sseq);
  }

  has(sseq: number): boolean {
    return this.map.has(sseq);
  }

  /** Adds a delivery of a higher sequence than any before it, or updates one. */
  set(sseq: number, v: V): void {
    if (!this.map.has(sseq)) this.order.push(sseq);
    this.map.set(sseq, v);
  }

  delete(sseq: number): boolean {
    return this.map.delete(sseq);
  }

  /** The lowest sequence awaiting an ack, with its value; undefined when none does. */
  first(): [number, V] | undefined {
    const order = this.order;
    while (this.head < order.length) {
      const sseq = order[this.head];
      const v = this.map.get(sseq);
      if (v !== undefined) {
        this.compact();
        return [sseq, v];
      }
      this.head++;
    }
    this.order = [];
    this.head = 0;
    return undefined;
  }

  values(): IterableIterator<V> {
    this.compact();
    return this.map.values();
  }

  [Symbol.iterator](): IterableIterator<[number, V]> {
    this.compact();
    return this.map[Symbol.iterator]();
  }

  /** The queue is shifted in one copy once half of it is behind. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}
