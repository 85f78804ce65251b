// A raw NATS-over-WebSocket client for tests that run inside workerd: it speaks
// the protocol byte for byte and records every frame as it arrived, so tests can
// assert on framing (one frame per server turn) as well as on content.

import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Shard } from "../../src/durable/shard.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** How long any single wait may take before the test fails instead of hanging. */
export const WAIT_MS = 3_000;

export interface Frame {
  /** True for a binary frame, false for a text frame. */
  readonly binary: boolean;
  readonly text: string;
  readonly bytes: Uint8Array;
}

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** The object the Worker routes every connection to (with one shard), or shard `n`. */
export function shardStub(n = 0): DurableObjectStub<Shard> {
  const ns = (env as unknown as { SHARD: DurableObjectNamespace<Shard> }).SHARD;
  return ns.get(ns.idFromName(`shard-${n}`));
}

export class RawClient {
  /** Every frame received, in order. */
  readonly frames: Frame[] = [];
  /** Frames not yet consumed by next()/until(). */
  private unread = 0;
  private waiters: Array<() => void> = [];
  closed: Closed | null = null;
  info: Record<string, unknown> = {};

  private constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (ev: MessageEvent) => {
      const data = ev.data as unknown;
      let frame: Frame;
      if (typeof data === "string") {
        frame = { binary: false, text: data, bytes: enc.encode(data) };
      } else if (data instanceof ArrayBuffer) {
        const bytes = new Uint8Array(data);
        frame = { binary: true, text: dec.decode(bytes), bytes };
      } else {
        throw new Error(`unexpected frame type ${Object.prototype.toString.call(data)}`);
      }
      this.frames.push(frame);
      this.wake();
    });
    ws.addEventListener("close", (ev: CloseEvent) => {
      this.closed = { code: ev.code, reason: ev.reason };
      this.wake();
    });
    ws.addEventListener("error", () => {
      this.closed ??= { code: -1, reason: "error" };
      this.wake();
    });
  }

  /** Opens a socket through the Worker, as a real client would, and reads INFO. */
  static async open(path = "/"): Promise<RawClient> {
    const resp = await SELF.fetch(`http://x${path}`, { headers: { Upgrade: "websocket" } });
    if (resp.status !== 101 || resp.webSocket === null) {
      throw new Error(`upgrade failed: ${resp.status} ${await resp.text()}`);
    }
    const ws = resp.webSocket;
    ws.accept();
    ws.binaryType = "arraybuffer";
    const c = new RawClient(ws);
    const first = await c.next();
    if (!first.text.startsWith("INFO ")) throw new Error(`expected INFO, got ${JSON.stringify(first.text)}`);
    c.info = JSON.parse(first.text.slice(5).trimEnd()) as Record<string, unknown>;
    return c;
  }

  /** Opens a socket and sends CONNECT with the given options (verbose off unless asked). */
  static async connect(opts: Record<string, unknown> = {}, path = "/"): Promise<RawClient> {
    const c = await RawClient.open(path);
    c.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, ...opts })}\r\n`);
    await c.ping();
    return c;
  }

  get cid(): number {
    return this.info.client_id as number;
  }

  /** Sends one binary frame. */
  send(text: string | Uint8Array): void {
    this.ws.send(typeof text === "string" ? enc.encode(text) : text);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async wait(what: string, ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.waiters.push(resolve);
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; got ${JSON.stringify(this.pendingText())}`)), ms);
      });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** Text of the frames not yet consumed. */
  pendingText(): string {
    return this.frames.slice(this.unread).map((f) => f.text).join("");
  }

  /** The next unread frame. */
  async next(ms = WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + ms;
    while (this.unread >= this.frames.length) {
      if (this.closed !== null) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for a frame; last frame ${JSON.stringify(this.frames.at(-1)?.text ?? null)}`);
      await this.wait("a frame", Math.max(1, deadline - Date.now()));
    }
    return this.frames[this.unread++];
  }

  /**
   * Consumes frames until their concatenated text ends with `suffix`; returns
   * the frames consumed. Fails if the text stops being a prefix-compatible read.
   */
  async until(suffix: string, ms = WAIT_MS): Promise<Frame[]> {
    const out: Frame[] = [];
    let text = "";
    const deadline = Date.now() + ms;
    while (!text.endsWith(suffix)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${JSON.stringify(suffix)}; got ${JSON.stringify(text)}`);
      const f = await this.next(left);
      out.push(f);
      text += f.text;
    }
    return out;
  }

  /**
   * PING, then everything the server wrote before its PONG (the server answers in
   * order, so this is a barrier): returns the text received before the PONG.
   */
  async ping(ms = WAIT_MS): Promise<string> {
    return this.pingAfter("", ms);
  }

  /** Sends `ops` and a PING in one frame; returns the text received before the PONG. */
  async pingAfter(ops: string, ms = WAIT_MS): Promise<string> {
    this.send(ops + "PING\r\n");
    const frames = await this.until("PONG\r\n", ms);
    const text = frames.map((f) => f.text).join("");
    return text.slice(0, text.length - "PONG\r\n".length);
  }

  /** Closes from the client side and waits for the server's close frame. */
  async close(code = 1000, ms = WAIT_MS): Promise<Closed> {
    if (this.closed === null) {
      try {
        this.ws.close(code, "bye");
      } catch {
        // already closing
      }
    }
    const deadline = Date.now() + ms;
    while (this.closed === null) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for the close handshake");
      await this.wait("close", left).catch(() => undefined);
    }
    return this.closed;
  }
}

/** Parses a run of MSG/HMSG frames into records (sid, subject, reply, header, payload). */
export interface Msg {
  op: "MSG" | "HMSG";
  subject: string;
  sid: string;
  reply: string | null;
  headers: string | null;
  payload: string;
}

export function parseMsgs(text: string): { msgs: Msg[]; rest: string[] } {
  const msgs: Msg[] = [];
  const rest: string[] = [];
  let i = 0;
  while (i < text.length) {
    const eol = text.indexOf("\r\n", i);
    if (eol < 0) throw new Error(`unterminated line at ${i}: ${JSON.stringify(text.slice(i, i + 80))}`);
    const line = text.slice(i, eol);
    i = eol + 2;
    const parts = line.split(" ");
    if (parts[0] === "MSG" || parts[0] === "HMSG") {
      const hmsg = parts[0] === "HMSG";
      const total = Number(parts[parts.length - 1]);
      const hdr = hmsg ? Number(parts[parts.length - 2]) : 0;
      const fixed = hmsg ? 5 : 4;
      const reply = parts.length === fixed + 1 ? parts[3] : null;
      const body = text.slice(i, i + total);
      if (text.slice(i + total, i + total + 2) !== "\r\n") throw new Error(`bad message framing at ${i}`);
      i += total + 2;
      msgs.push({
        op: hmsg ? "HMSG" : "MSG",
        subject: parts[1],
        sid: parts[2],
        reply,
        headers: hmsg ? body.slice(0, hdr) : null,
        payload: body.slice(hdr),
      });
    } else {
      rest.push(line);
    }
  }
  return { msgs, rest };
}
