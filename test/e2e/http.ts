// HTTP helpers for the bridge tests: the broker's http:// address, and a reader
// for Server-Sent Events and NDJSON streams as a user of `fetch` would read them.
import { afterAll, afterEach, beforeAll } from "vitest";
import { startBroker, type Broker, type BrokerOptions } from "./broker.js";
import { Clients, waitUntil } from "./util.js";

/** `ws://host:port[/?shard=N]` → `http://host:port`. */
export function httpBase(wsUrl: string): string {
  const u = new URL(wsUrl);
  return `http://${u.host}`;
}

export type { MessageJson as StreamedMessage } from "../../src/protocol/message-json.js";
import type { MessageJson as StreamedMessage } from "../../src/protocol/message-json.js";

export interface StreamEvent {
  event: string;
  id?: string;
  data: unknown;
}

/** Reads an event stream in the background; `events` grows as they arrive. */
export class StreamReader {
  readonly events: StreamEvent[] = [];
  /** Comment lines (`: subscribed`, `: keepalive`). */
  readonly comments: string[] = [];
  done = false;
  private constructor(
    readonly response: Response,
    private readonly abort: AbortController,
  ) {}

  static async open(url: string, init: RequestInit = {}): Promise<StreamReader> {
    const controller = new AbortController();
    const response = await fetch(url, { ...init, signal: controller.signal });
    const r = new StreamReader(response, controller);
    if (response.ok) void r.pump(response.headers.get("content-type")?.includes("ndjson") ?? false);
    return r;
  }

  get messages(): StreamedMessage[] {
    return this.events.filter((e) => e.event === "message").map((e) => e.data as StreamedMessage);
  }

  private async pump(ndjson: boolean): Promise<void> {
    const reader = this.response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        const sep = ndjson ? "\n" : "\n\n";
        let at: number;
        while ((at = buf.indexOf(sep)) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + sep.length);
          if (ndjson) {
            const data = JSON.parse(block) as Record<string, unknown>;
            this.events.push({ event: "error" in data ? "error" : "message", data });
            continue;
          }
          const ev: StreamEvent = { event: "message", data: undefined };
          let isComment = true;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) this.comments.push(line.slice(1).trim());
            else if (line.startsWith("event: ")) ((ev.event = line.slice(7)), (isComment = false));
            else if (line.startsWith("id: ")) ev.id = line.slice(4);
            else if (line.startsWith("data: ")) ((ev.data = JSON.parse(line.slice(6))), (isComment = false));
          }
          if (!isComment) this.events.push(ev);
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      this.done = true;
    }
  }

  async waitFor(n: number, timeoutMs = 5_000): Promise<StreamedMessage[]> {
    await waitUntil(() => this.messages.length >= n, timeoutMs, () => `${n} streamed messages (got ${this.messages.length})`);
    return this.messages;
  }

  close(): void {
    this.abort.abort();
  }
}

/** A broker of a file's own, its clients, its http:// address and the streams its tests open. */
export interface OwnBroker {
  broker: Broker;
  clients: Clients;
  base: string;
  readers: StreamReader[];
}

/**
 * Starts a broker for the calling test file (beforeAll) with `shards` shards and
 * connections spread over them; closes what each test opened (afterEach) and
 * stops it at the end.
 */
export function ownBroker(shards: number, opts: BrokerOptions = {}): OwnBroker {
  const own = { readers: [] as StreamReader[] } as OwnBroker;
  beforeAll(async () => {
    own.broker = await startBroker({ ...opts, vars: { SHARDS: String(shards), ...opts.vars } });
    own.clients = new Clients(own.broker.url, shards);
    own.base = httpBase(own.broker.url);
  });
  afterEach(async () => {
    for (const r of own.readers.splice(0)) r.close();
    await own.clients?.closeAll();
  });
  afterAll(async () => own.broker?.stop());
  return own;
}
