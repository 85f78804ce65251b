// The requests about one stream, answered on its home shard: info, purge, getting
// and deleting messages, and direct gets. Each answer is what nats-server sends, in
// its JSON (field names, order, error codes and texts).

import { decode, encode } from "../../protocol/bytes.js";
import { API_TYPES, JSERR, errorResponse, type ApiError } from "../../protocol/jetstream/api-errors.js";
import { goJson } from "../../protocol/jetstream/go-json.js";
import { streamConfigJson } from "../../protocol/jetstream/stream-config.js";
import { rfc3339 } from "../../protocol/jetstream/time.js";
import type { StoredMessage } from "./stream-store.js";
import type { Stream } from "./stream.js";

/** A request's JSON body: an object, null for an empty body, or the parse error's text. */
export type Body = Record<string, unknown> | null | { invalid: string };

export function parseBody(data: Uint8Array): Body {
  const text = decode(data).trim();
  if (text === "") return null;
  // Not an object at all: say so without the cost of a parse error.
  if (text[0] !== "{") return { invalid: text[0] === "[" ? "request must be a JSON object" : `invalid character ${JSON.stringify(text[0])} looking for beginning of value` };
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== "object" || Array.isArray(v)) return { invalid: "request must be a JSON object" };
    return v as Record<string, unknown>;
  } catch (e) {
    return { invalid: (e as Error).message };
  }
}

export function isInvalid(b: Body): b is { invalid: string } {
  return b !== null && typeof (b as { invalid?: unknown }).invalid === "string" && Object.keys(b).length === 1;
}

/** `{"type":…,…fields}` as a JSON text. */
export function response(type: string, fields: Record<string, unknown>): string {
  return goJson({ type, ...fields });
}

/** nats-server's StreamInfo: configuration, creation time, state (a single server names no cluster). */
export function streamInfo(stream: Stream, subjectsFilter: string | null = null): Record<string, unknown> {
  return {
    config: streamConfigJson(stream.config),
    created: rfc3339(stream.created),
    state: stream.state(subjectsFilter),
  };
}

/** nats-server's page size for the subjects a stream info lists (JSMaxSubjectDetails). */
const SUBJECTS_PAGE = 100_000;

export function infoResponse(stream: Stream, body: Body): string {
  const type = API_TYPES.streamInfo;
  if (isInvalid(body)) return errorResponse(type, JSERR.invalidJson());
  const filter = body !== null && typeof body.subjects_filter === "string" && body.subjects_filter !== "" ? body.subjects_filter : null;
  const info = streamInfo(stream, filter);
  // With a subjects filter the subjects are paged, and the page is described.
  let page = { total: 0, offset: 0, limit: 0 };
  if (filter !== null) {
    const offset = typeof body!.offset === "number" && body!.offset > 0 ? Math.floor(body!.offset) : 0;
    const subjects = ((info.state as Record<string, unknown>).subjects ?? {}) as Record<string, number>;
    page = { total: Object.keys(subjects).length, offset, limit: SUBJECTS_PAGE };
  }
  return response(type, { ...page, ...info });
}

export function purgeResponse(stream: Stream, body: Body): string {
  const type = API_TYPES.streamPurge;
  if (isInvalid(body)) return errorResponse(type, JSERR.invalidJson());
  const req = body ?? {};
  const filter = typeof req.filter === "string" ? req.filter : undefined;
  const seq = typeof req.seq === "number" ? req.seq : undefined;
  const keep = typeof req.keep === "number" ? req.keep : undefined;
  if ((seq ?? 0) > 0 && (keep ?? 0) > 0) return errorResponse(type, JSERR.badRequest);
  if (stream.config.sealed) return errorResponse(type, JSERR.streamSealed);
  if (stream.config.deny_purge) return errorResponse(type, JSERR.streamPurgeFailed("stream purge not permitted"));
  const purged = stream.purge({ filter, seq, keep });
  return response(type, { success: true, purged });
}

export function msgDeleteResponse(stream: Stream, body: Body): string {
  const type = API_TYPES.streamMsgDelete;
  if (body === null) return errorResponse(type, JSERR.badRequest);
  if (isInvalid(body)) return errorResponse(type, JSERR.invalidJson());
  if (stream.config.sealed) return errorResponse(type, JSERR.streamSealed);
  if (stream.config.deny_delete) return errorResponse(type, JSERR.streamMsgDeleteFailed("message delete not permitted"));
  const seq = typeof body.seq === "number" ? body.seq : 0;
  if (!stream.deleteMessage(seq)) return errorResponse(type, JSERR.sequenceNotFound(seq));
  return response(type, { success: true });
}

/** What a get request asks for: by sequence, the last of a subject, or the next of a subject from a sequence. */
function findMessage(stream: Stream, req: Record<string, unknown>): StoredMessage | ApiError {
  const seq = typeof req.seq === "number" ? req.seq : 0;
  const lastFor = typeof req.last_by_subj === "string" ? req.last_by_subj : "";
  const nextFor = typeof req.next_by_subj === "string" ? req.next_by_subj : "";
  if ((seq > 0 && lastFor !== "") || (seq === 0 && lastFor === "" && nextFor === "") || (lastFor !== "" && nextFor !== "")) {
    return JSERR.badRequest;
  }
  let m: StoredMessage | null;
  if (nextFor !== "") m = stream.nextMatching(seq, nextFor);
  else if (lastFor !== "") m = stream.lastBySubject(lastFor);
  else m = stream.get(seq);
  return m ?? JSERR.noMessageFound;
}

export function msgGetResponse(stream: Stream, body: Body): string {
  const type = API_TYPES.streamMsgGet;
  if (body === null) return errorResponse(type, JSERR.badRequest);
  if (isInvalid(body)) return errorResponse(type, JSERR.invalidJson());
  const m = findMessage(stream, body);
  if (!("seq" in m && "subject" in m)) return errorResponse(type, m as ApiError);
  const message: Record<string, unknown> = { subject: m.subject, seq: m.seq };
  if (m.hdr !== null && m.hdr.length > 0) message.hdrs = base64(m.hdr);
  if (m.data.length > 0) message.data = base64(m.data);
  message.time = rfc3339(m.ts);
  return response(type, { message });
}

/** A direct get's answer: the message itself with headers naming where it is from, or a status. */
export interface DirectAnswer {
  readonly hdr: Uint8Array;
  readonly data: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/**
 * nats-server's direct get (`$JS.API.DIRECT.GET.<stream>[.<subject>]`): the stored
 * message with Nats-Stream, Nats-Subject, Nats-Sequence and Nats-Time-Stamp added to its
 * headers, or a 404/408 status message.
 */
export function directGet(stream: Stream, body: Body, lastBySubject: string | null): DirectAnswer {
  let m: StoredMessage | ApiError;
  if (lastBySubject !== null) {
    if (body !== null) return status(408, "Bad Request");
    m = stream.lastBySubject(lastBySubject) ?? JSERR.noMessageFound;
  } else {
    if (body === null) return status(408, "Empty Request");
    if (isInvalid(body)) return status(408, "Malformed Request");
    m = findMessage(stream, body);
    if (m === JSERR.badRequest) return status(408, "Bad Request");
  }
  if (!("seq" in m && "subject" in m)) return status(404, "Message Not Found");
  const added = `Nats-Stream: ${stream.name}\r\nNats-Subject: ${m.subject}\r\nNats-Sequence: ${m.seq}\r\nNats-Time-Stamp: ${rfc3339(m.ts)}\r\n`;
  // Added after the message's own header lines, as nats-server's genHeader does.
  let head = "NATS/1.0\r\n";
  if (m.hdr !== null && m.hdr.length > 0) {
    const own = decode(m.hdr);
    head = own.endsWith("\r\n\r\n") ? own.slice(0, -2) : own;
  }
  head += added;
  return { hdr: encode(`${head}\r\n`), data: m.data };
}

function status(code: number, text: string): DirectAnswer {
  return { hdr: encode(`NATS/1.0 ${code} ${text}\r\n\r\n`), data: EMPTY };
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
