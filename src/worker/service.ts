// The broker as a service other Workers bind to (a named entrypoint): publish,
// request and subscribe without opening a socket. Calls are checked and routed
// exactly as the HTTP bridge's, as a NATS connection of the user whose
// credentials they carry. Failures throw an Error whose message is the text a
// NATS client would have been sent ("Permissions Violation for Publish to …",
// "No Responders: …", "Timeout: …").

import { WorkerEntrypoint } from "cloudflare:workers";
import type { ShardEnv } from "../durable/shard.js";
import { decodeHeaders } from "../protocol/headers.js";
import type { ClientLocation } from "../protocol/regions.js";
import { headerRecord } from "../protocol/message-json.js";
import { publish, request, subscribe, subscribeWebhook, unsubscribeWebhook, type BridgeResult, type Caller, type Target } from "./bridge.js";

/** The credentials a NATS client would send in CONNECT. */
export interface ServiceAuth {
  token?: string;
  user?: string;
  pass?: string;
  /** A bearer user JWT (one that needs no nonce signature). */
  jwt?: string;
}

export interface CallOptions {
  auth?: ServiceAuth;
  /** Run on this shard; by default one of the region asked for or nearest, at random. */
  shard?: number;
  /** Run in this region (one of REGIONS). */
  region?: string;
  /**
   * Where the caller's own client is, for the nearest region: pass on the `request.cf` of
   * the request being served (a binding call carries none of its own).
   */
  location?: ClientLocation;
  /** Shown as the connection's name in /connz. */
  name?: string;
}

export type HeaderInit = Record<string, string> | [string, string][];

export interface PublishOptions extends CallOptions {
  reply?: string;
  headers?: HeaderInit;
}

export interface RequestOptions extends CallOptions {
  headers?: HeaderInit;
  /** Default 5000. */
  timeoutMs?: number;
}

export interface SubscribeOptions extends CallOptions {
  queue?: string;
  /** End the stream after this many messages. */
  max?: number;
}

export interface ServiceReply {
  subject: string;
  headers: Record<string, string[]>;
  data: Uint8Array;
}

const encoder = new TextEncoder();

export class NatsService extends WorkerEntrypoint<ShardEnv> {
  async publish(subject: string, data: string | Uint8Array = "", options: PublishOptions = {}): Promise<void> {
    const r = await publish(this.env, caller(options, "publish"), target(options), {
      subject,
      reply: options.reply ?? null,
      headers: fields(options.headers),
      payload: bytes(data),
    });
    settle(r);
  }

  async request(subject: string, data: string | Uint8Array = "", options: RequestOptions = {}): Promise<ServiceReply> {
    const r = await request(this.env, caller(options, "request"), target(options), {
      subject,
      headers: fields(options.headers),
      payload: bytes(data),
      timeoutMs: options.timeoutMs ?? 5000,
    });
    const reply = settle(r);
    const received = reply.headers === null ? [] : (decodeHeaders(reply.headers)?.fields ?? []);
    return { subject: reply.subject, headers: headerRecord(received), data: reply.payload };
  }

  /**
   * The subject's messages as a byte stream of JSON lines, one message each
   * (`{"subject", "reply"?, "headers"?, "data" | "data_base64"}`), live from
   * when the promise resolves until the stream is cancelled (or `max` arrived).
   */
  async subscribe(subject: string, options: SubscribeOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const r = await subscribe(this.env, caller(options, "subscribe"), target(options), {
      subject,
      queue: options.queue ?? null,
      max: options.max ?? 0,
      format: "ndjson",
    });
    return settle(r);
  }

  /**
   * POSTs each of the subject's messages to `url` (body: the payload; headers:
   * `Nats-Subject`, `Nats-Reply`, `Nats-Header-<Name>`, `Nats-Subscription`),
   * in order, until `unsubscribe(id)`, `max` messages, or the URL answers 410.
   * The subscription outlives this call and restarts of the broker's objects.
   */
  async subscribeWebhook(subject: string, url: string, options: SubscribeOptions = {}): Promise<{ id: string }> {
    const r = await subscribeWebhook(this.env, caller(options, "webhook"), target(options), {
      subject,
      queue: options.queue ?? null,
      max: options.max ?? 0,
      url,
    });
    return { id: settle(r) };
  }

  /** Ends a webhook subscription; false when there was none by that id. */
  async unsubscribe(id: string): Promise<boolean> {
    return unsubscribeWebhook(this.env, id);
  }
}

function caller(options: CallOptions, verb: string): Caller {
  const a = options.auth ?? {};
  const credentials: Caller["credentials"] = {};
  if (a.token !== undefined) credentials.auth_token = a.token;
  if (a.user !== undefined) credentials.user = a.user;
  if (a.pass !== undefined) credentials.pass = a.pass;
  if (a.jwt !== undefined) credentials.jwt = a.jwt;
  return { credentials, lang: "binding", name: options.name ?? verb, ip: "" };
}

function target(options: CallOptions): Target {
  return { shard: options.shard ?? null, region: options.region ?? null, where: options.location ?? null };
}

function fields(h: HeaderInit | undefined): [string, string][] {
  if (h === undefined) return [];
  return Array.isArray(h) ? h : Object.entries(h);
}

function bytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

function settle<T>(r: BridgeResult<T>): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
