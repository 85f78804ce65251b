// A subscription as a byte stream a Worker can return: Server-Sent Events for
// browsers and HTTP clients, or one JSON object per line for service bindings.
// The stream's queue is the subscriber's buffer: when it fills, the session
// stops answering the server's read receipts, and a reader that never catches
// up is cut off as a slow consumer, as a NATS client would be.

import { messageJson } from "../../protocol/message-json.js";
import type { Session, SessionMessage } from "./session.js";

export type StreamFormat = "sse" | "ndjson";

/** Bytes the stream buffers for a reader before it counts as falling behind. */
const BUFFERED = 256 * 1024;
/** SSE comments this often keep proxies from closing a quiet stream, and find readers that left. */
const KEEPALIVE_MS = 15_000;

const encoder = new TextEncoder();

export function messageStream(session: Session, format: StreamFormat, max: number): ReadableStream<Uint8Array> {
  let seq = 0;
  let finished = false;
  let keepalive: ReturnType<typeof setInterval> | undefined;
  const quiet = () => {
    if (keepalive !== undefined) clearInterval(keepalive);
    keepalive = undefined;
  };
  const stop = () => {
    quiet();
    session.end();
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const put = (text: string): boolean => {
          try {
            controller.enqueue(encoder.encode(text));
            return true;
          } catch {
            // The reader went away between events: the cancel callback ends the session.
            return false;
          }
        };
        // The events of one frame go out as one chunk: one encode and one enqueue for them all.
        let batch: string[] = [];
        const send = () => {
          if (batch.length === 0) return;
          const text = batch.length === 1 ? batch[0] : batch.join("");
          batch = [];
          put(text);
        };
        // Tells the reader the subscription is live, and gets the response under way.
        if (format === "sse") put(": subscribed\n\n");
        session.listen(
          {
            message(m: SessionMessage) {
              // The subscription's UNSUB max stops deliveries; a message already under way is not streamed.
              if (max > 0 && seq >= max) return;
              const json = JSON.stringify(messageJson(m.subject, m.reply, m.headers, m.payload));
              seq++;
              batch.push(format === "sse" ? `id: ${seq}\nevent: message\ndata: ${json}\n\n` : `${json}\n`);
              if (max > 0 && seq >= max) {
                finished = true;
                send();
                stop();
                controller.close();
              }
            },
            frameEnd() {
              send();
            },
            ended(reason: string) {
              send();
              const json = JSON.stringify({ error: reason });
              put(format === "sse" ? `event: error\ndata: ${json}\n\n` : `${json}\n`);
              quiet();
              finished = true;
              try {
                controller.close();
              } catch {
                // Already closed or cancelled.
              }
            },
          },
          () => (controller.desiredSize ?? 1) <= 0,
        );
        // Messages that arrived while the subscription was being made known to every shard
        // are replayed by listen(); a stream that ended among them needs no keepalive.
        if (format === "sse" && !finished) {
          keepalive = setInterval(() => {
            if (!put(": keepalive\n\n")) stop();
          }, KEEPALIVE_MS);
        }
      },
      pull() {
        session.drained();
      },
      cancel() {
        stop();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: BUFFERED }),
  );
}
