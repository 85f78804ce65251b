// How far behind a client is in reading what we sent it.
//
// workerd gives a Durable Object no backpressure signal (WebSocket.bufferedAmount
// is not implemented: cloudflare/workerd#988), and locally a proxy reads the
// socket on the client's behalf anyway. So the server asks the client itself:
// every `interval` bytes it appends a PING to the stream. A client answers a PING
// only after reading everything sent before it, so each PONG proves that many
// bytes were read, and bytes written since the last answered PING are an upper
// bound of what the client has yet to read. nats-server pings clients too; the
// official clients answer at once.

export class PendingTracker {
  private written = 0;
  private read = 0;
  private lastPing = 0;
  /** Stream offsets of the PINGs not answered yet, oldest first. */
  private readonly marks: number[] = [];

  constructor(private readonly interval: number) {}

  /** Bytes written but not yet proven read, counting `unsent` bytes still in our buffer. */
  pending(unsent = 0): number {
    return this.written + unsent - this.read;
  }

  /** True when a frame of `size` bytes about to be sent should end with a PING. */
  duePing(size: number): boolean {
    return this.written + size - this.lastPing >= this.interval;
  }

  /** A frame of `size` bytes was sent; `pinged` when it ended with a PING. */
  sent(size: number, pinged: boolean): void {
    this.written += size;
    if (pinged) {
      this.lastPing = this.written;
      this.marks.push(this.written);
    }
  }

  /** The client answered a PING; false when it answered none of ours. */
  pong(): boolean {
    const mark = this.marks.shift();
    if (mark === undefined) return false;
    this.read = mark;
    return true;
  }
}
