// Helpers for the end-to-end tests: connections that are always closed, message collectors
// with deadlines, and a raw WebSocket that speaks the NATS text protocol byte by byte.

import * as http from "node:http";
import { inject } from "vitest";
import { WebSocket as WsClient } from "ws";
import {
  nuid,
  wsconnect,
  type ConnectionOptions,
  type Msg,
  type NatsConnection,
  type Subscription,
  type SubscriptionOptions,
} from "@nats-io/nats-core";

export const MAX_PAYLOAD = 1024 * 1024;

export function brokerUrl(): string {
  return inject("brokerUrl");
}

/** The number of shards of the broker under test. */
export function brokerShards(): number {
  return inject("shards") ?? 1;
}

/** The REGIONS of the broker under test (each with brokerShards() / regions shards, in order); empty without. */
export function brokerRegions(): string[] {
  return inject("regions") ?? [];
}

/** The longest delay emulated between two of the broker's regions, one way, in ms; 0 without. */
export function regionDelayMs(): number {
  return inject("regionDelayMs") ?? 0;
}

/** The shard a connection is on: its INFO's server_name, `shard-<i>` (0 for any other server). */
export function shardOf(nc: NatsConnection): number {
  const m = /^shard-(\d+)$/.exec(nc.info?.server_name ?? "");
  return m === null ? 0 : Number(m[1]);
}

/** The region of a connection, as an index into brokerRegions(); 0 without REGIONS. */
export function regionOf(nc: NatsConnection): number {
  const regions = brokerRegions().length;
  return regions === 0 ? 0 : Math.floor(shardOf(nc) / (brokerShards() / regions));
}

/**
 * Which members of a queue group share the messages of a publisher: with REGIONS, those in
 * the publisher's region if it has any, since a group prefers them (as nats-server prefers
 * members in its own cluster to those across a gateway); otherwise every member.
 */
export function sharers(members: readonly NatsConnection[], pub: NatsConnection): boolean[] {
  const here = regionOf(pub);
  const near = members.map((nc) => regionOf(nc) === here);
  return near.some(Boolean) ? near : members.map(() => true);
}

/** A subject unique to this call: `<prefix>.<random>`; tokens are alphanumeric. */
export function uniq(prefix = "e2e"): string {
  return `${prefix}.${nuid.next()}`;
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `pred` every 5 ms until it is true, or throws `what()` after `timeoutMs`. */
export async function waitUntil(
  pred: () => boolean,
  timeoutMs: number,
  what: () => string = () => "condition",
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await delay(5);
  }
}

/** Rejects with `message` if `p` does not settle within `ms`. */
export function within<T>(p: Promise<T>, ms: number, message = `no result within ${ms} ms`): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => {
    if (t !== undefined) clearTimeout(t);
  });
}

/**
 * Lets the broker finish whatever it was routing: the publisher's flush means the broker has
 * read everything it sent; the subscriber's flush means everything the broker queued to it
 * before the PONG has arrived. A short pause on top covers brokers that route asynchronously
 * (e.g. between shards).
 */
export async function quiesce(...conns: NatsConnection[]): Promise<void> {
  for (const nc of conns) await nc.flush();
  await delay(100);
  for (const nc of conns) await nc.flush();
}

/** Byte-wise equality without a per-element deep-equal diff (fast for 1 MiB). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Deterministic, non-repeating-ish bytes, so misplaced chunks show up. */
export function patternBytes(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Connections

/** Tracks everything a test opens, so `closeAll()` in afterEach leaves nothing behind. */
export class Clients {
  private conns: NatsConnection[] = [];
  private raws: RawSocket[] = [];

  private next = 0;

  /**
   * Connections to `url`. With more than one shard, each new connection is pinned
   * to the next shard in turn, so publishers, subscribers and queue members of a
   * test sit on different objects.
   */
  constructor(
    private readonly base: string = brokerUrl(),
    private readonly shards: number = base === brokerUrl() ? brokerShards() : 1,
  ) {}

  /** The URL for the next connection. */
  get url(): string {
    if (this.shards <= 1) return this.base;
    return `${this.base}/?shard=${this.next++ % this.shards}`;
  }

  /** The official client over WebSocket; no reconnects, so a dropped connection is visible. */
  async connect(opts: Partial<ConnectionOptions> = {}): Promise<NatsConnection> {
    const nc = await wsconnect({
      servers: this.url,
      reconnect: false,
      timeout: 10_000,
      ...opts,
    });
    this.conns.push(nc);
    return nc;
  }

  async raw(): Promise<RawSocket> {
    const rs = await RawSocket.open(this.url);
    this.raws.push(rs);
    return rs;
  }

  async closeAll(): Promise<void> {
    const conns = this.conns.splice(0);
    const raws = this.raws.splice(0);
    for (const r of raws) r.close();
    await Promise.all(
      conns.map(async (nc) => {
        if (nc.isClosed()) return;
        try {
          await within(nc.close(), 5_000);
        } catch {
          /* already closing / broken: nothing more to do */
        }
      }),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Collecting messages

/** A callback subscription that records every message it gets. */
export class Inbox {
  readonly msgs: Msg[] = [];
  readonly errors: Error[] = [];
  readonly sub: Subscription;

  constructor(
    nc: NatsConnection,
    readonly subject: string,
    opts: Omit<SubscriptionOptions, "callback"> = {},
  ) {
    this.sub = nc.subscribe(subject, {
      ...opts,
      callback: (err, m) => {
        if (err) this.errors.push(err);
        else this.msgs.push(m);
      },
    });
  }

  get count(): number {
    return this.msgs.length;
  }

  strings(): string[] {
    return this.msgs.map((m) => m.string());
  }

  subjects(): string[] {
    return this.msgs.map((m) => m.subject);
  }

  /** Resolves with the messages once at least `n` arrived; throws (with the count) otherwise. */
  async waitFor(n: number, timeoutMs = 5_000): Promise<Msg[]> {
    await waitUntil(
      () => this.msgs.length >= n,
      timeoutMs,
      () => `${n} messages on ${this.subject} (got ${this.msgs.length})`,
    );
    return this.msgs;
  }

  /** Resolves once a message whose payload is `payload` arrived. */
  async waitForPayload(payload: string, timeoutMs = 5_000): Promise<Msg[]> {
    await waitUntil(
      () => this.msgs.some((m) => m.string() === payload),
      timeoutMs,
      () => `payload ${JSON.stringify(payload)} on ${this.subject} (got ${JSON.stringify(this.strings().slice(-10))})`,
    );
    return this.msgs;
  }
}

export function listen(
  nc: NatsConnection,
  subject: string,
  opts: Omit<SubscriptionOptions, "callback"> = {},
): Inbox {
  return new Inbox(nc, subject, opts);
}

/**
 * Reads `n` messages from an iterator subscription. Throws if they don't all come within
 * `timeoutMs` (the error says how many did).
 */
export async function collect(sub: Subscription, n: number, timeoutMs = 5_000): Promise<Msg[]> {
  const got: Msg[] = [];
  if (n === 0) return got;
  const done = (async () => {
    for await (const m of sub) {
      got.push(m);
      if (got.length >= n) break;
    }
    return got;
  })();
  return within(done, timeoutMs, `collect: got ${got.length}/${n} on ${sub.getSubject()}`).catch((err) => {
    if (err instanceof Error && err.message.startsWith("collect:")) {
      err.message = `collect: got ${got.length}/${n} on ${sub.getSubject()} within ${timeoutMs} ms`;
    }
    throw err;
  });
}

// ---------------------------------------------------------------------------------------------
// Raw WebSocket

export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

export interface Frame {
  binary: boolean;
  text: string;
}

const enc = new TextEncoder();

/** Splits a MSG/HMSG stream into messages; everything else (PING, PONG, +OK, -ERR, INFO) too. */
export interface ParsedOp {
  op: string;
  args: string[];
  /** payload for MSG, header+payload for HMSG */
  body?: string;
}

/** Parses complete ops from `text` (a NATS server→client stream); ignores a trailing partial op. */
export function parseOps(text: string): ParsedOp[] {
  const ops: ParsedOp[] = [];
  let i = 0;
  while (i < text.length) {
    const eol = text.indexOf("\r\n", i);
    if (eol < 0) break;
    const line = text.slice(i, eol);
    const [op = "", ...args] = line.split(/[ \t]+/);
    const up = op.toUpperCase();
    if (up === "MSG" || up === "HMSG") {
      const total = Number(args[args.length - 1]);
      const start = eol + 2;
      if (text.length < start + total + 2) break;
      ops.push({ op: up, args, body: text.slice(start, start + total) });
      i = start + total + 2;
    } else {
      ops.push({ op: up, args: up === "INFO" || up === "-ERR" ? [line.slice(op.length + 1)] : args });
      i = eol + 2;
    }
  }
  return ops;
}

/**
 * A WebSocket to the broker that records everything it receives. Received bytes are decoded
 * as UTF-8 and appended to `text`. `send` always sends binary frames.
 */
export class RawSocket {
  text = "";
  readonly frames: Frame[] = [];
  closeInfo: CloseInfo | undefined;
  readonly closed: Promise<CloseInfo>;
  private readonly decoder = new TextDecoder();

  private lastFrameAt = 0;
  private closedAt = 0;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise<CloseInfo>((resolve) => {
      ws.addEventListener("close", (ev: CloseEvent) => {
        this.closedAt = performance.now();
        this.closeInfo = { code: ev.code, reason: ev.reason, wasClean: ev.wasClean };
        resolve(this.closeInfo);
      });
    });
    ws.addEventListener("message", (ev: MessageEvent) => {
      this.lastFrameAt = performance.now();
      const d = ev.data as unknown;
      let t: string;
      if (typeof d === "string") {
        t = d;
        this.frames.push({ binary: false, text: t });
      } else {
        t = this.decoder.decode(new Uint8Array(d as ArrayBuffer), { stream: true });
        this.frames.push({ binary: true, text: t });
      }
      this.text += t;
    });
  }

  /**
   * Opens a socket to `url`. With `headers` (Cookie, Origin: what browsers send and
   * Node's WebSocket cannot), the `ws` package opens it.
   */
  static open(url: string, timeoutMs = 10_000, headers?: Record<string, string>): Promise<RawSocket> {
    const ws = headers === undefined ? new WebSocket(url) : (new WsClient(url, { headers }) as unknown as WebSocket);
    ws.binaryType = "arraybuffer";
    const rs = new RawSocket(ws);
    return within(
      new Promise<RawSocket>((resolve, reject) => {
        ws.addEventListener("open", () => resolve(rs));
        ws.addEventListener("error", () => reject(new Error(`websocket to ${url} failed`)));
      }),
      timeoutMs,
      `websocket to ${url} did not open`,
    );
  }

  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Sends one binary frame. */
  send(data: string | Uint8Array): void {
    this.ws.send(typeof data === "string" ? enc.encode(data) : (data as Uint8Array<ArrayBuffer>));
  }

  /** Current length of `text`: pass to `since` / `waitFor(…, from)` to look only at what follows. */
  mark(): number {
    return this.text.length;
  }

  since(mark: number): string {
    return this.text.slice(mark);
  }

  /** Resolves with `since(from)` once it contains `needle` (or matches it). */
  async waitFor(needle: string | RegExp, timeoutMs = 5_000, from = 0): Promise<string> {
    const has = () => {
      const t = this.text.slice(from);
      return typeof needle === "string" ? t.includes(needle) : needle.test(t);
    };
    const end = Date.now() + timeoutMs;
    while (!has()) {
      if (this.isClosed) {
        // a last chance: data may have arrived with the close
        if (has()) break;
        throw new Error(
          `socket closed (code ${this.closeInfo?.code}) before ${String(needle)} arrived; received: ${JSON.stringify(this.text.slice(from))}`,
        );
      }
      if (Date.now() > end) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${String(needle)}; received: ${JSON.stringify(this.text.slice(from))}`,
        );
      }
      await delay(5);
    }
    return this.text.slice(from);
  }

  /** Waits for the close event; throws if the socket is still open after `timeoutMs`. */
  async waitClosed(timeoutMs = 5_000): Promise<CloseInfo> {
    return within(
      this.closed,
      timeoutMs,
      `socket still open after ${timeoutMs} ms; received: ${JSON.stringify(this.text)}`,
    );
  }

  /**
   * Waits until the server closed its side: the close handshake began (a close
   * frame arrived) or the socket is closed. Closes the server makes on its own
   * timers (keepalive, authorization timeout, expiry) can leave the TCP
   * connection open under local workerd after the close frame, so tests of
   * those wait for the frame, not for the close event.
   */
  async waitClosing(timeoutMs = 5_000): Promise<void> {
    await waitUntil(
      () => this.ws.readyState >= 2,
      timeoutMs,
      () => `the server to close the socket; received: ${JSON.stringify(this.text)}`,
    );
  }

  /**
   * Waits until the server has closed the connection, and returns how long after the last
   * frame it sent (its -ERR and close frame go out together) the connection ended: Node's
   * WebSocket reports the close only once the TCP connection is gone.
   */
  async closedAfterLastFrame(timeoutMs = 5_000): Promise<number> {
    await within(this.closed, timeoutMs, `the connection to end; received: ${JSON.stringify(this.text)}`);
    return this.closedAt - this.lastFrameAt;
  }

  /** The INFO object (waits for the first line). */
  async info(timeoutMs = 5_000): Promise<Record<string, unknown>> {
    await this.waitFor("\r\n", timeoutMs);
    const line = this.text.slice(0, this.text.indexOf("\r\n"));
    const m = /^INFO\s+(.*)$/i.exec(line);
    if (!m) throw new Error(`first line is not INFO: ${JSON.stringify(line)}`);
    return JSON.parse(m[1]!) as Record<string, unknown>;
  }

  /** Text after the INFO line. */
  afterInfo(): string {
    const i = this.text.indexOf("\r\n");
    return i < 0 ? "" : this.text.slice(i + 2);
  }

  /** Waits for INFO, sends CONNECT (+ overrides) and PING, waits for PONG. */
  async handshake(connect: Record<string, unknown> = {}, timeoutMs = 5_000): Promise<Record<string, unknown>> {
    const info = await this.info(timeoutMs);
    const opts = {
      verbose: false,
      pedantic: false,
      lang: "raw",
      version: "0.0.0",
      protocol: 1,
      headers: true,
      no_responders: true,
      ...connect,
    };
    const m = this.mark();
    this.send(`CONNECT ${JSON.stringify(opts)}\r\nPING\r\n`);
    await this.waitFor("PONG\r\n", timeoutMs, m);
    return info;
  }

  /** Sends PING and waits for the PONG that answers it (counts PONGs after the mark). */
  async ping(timeoutMs = 5_000): Promise<void> {
    const m = this.mark();
    this.send("PING\r\n");
    await this.waitFor("PONG\r\n", timeoutMs, m);
  }

  /** MSG/HMSG ops received after `from`. */
  messages(from = 0): ParsedOp[] {
    return parseOps(this.text.slice(from)).filter((o) => o.op === "MSG" || o.op === "HMSG");
  }

  close(): void {
    try {
      this.ws.close();
    } catch {
      /* ignore */
    }
  }
}

/** How the broker answers a WebSocket upgrade to `url`: 101 when it accepts it, else a status and text. */
export function upgradeAnswer(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const u = new URL(url.replace(/^ws/, "http"));
  return within(
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        headers: {
          Connection: "Upgrade",
          Upgrade: "websocket",
          "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
          "Sec-WebSocket-Version": "13",
          ...headers,
        },
      });
      req.on("upgrade", (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, body: "" });
      });
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    }),
    10_000,
    `no answer to the upgrade to ${url}`,
  );
}

/** The HTTP status a WebSocket upgrade to `url` gets (101 when it is accepted). */
export async function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return (await upgradeAnswer(url, headers)).status;
}
