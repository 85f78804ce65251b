// The body of `$JS.API.CONSUMER.CREATE…`: `{"stream_name":…, "config":{…},
// "action":"create"|"update"|""}`, decoded as nats-server's
// jsConsumerCreateRequest decodes it (server/jetstream_api.go, 2.10): the whole
// body at once, so a wrong type anywhere in the config is an invalid JSON
// error, then the stream's name against the subject's.

import { decode } from "../bytes.js";
import { type ApiError, invalidJson, JSERR } from "./api-errors.js";
import type { ConsumerAction } from "./consumer-config.js";
import { decodeCreateRequest } from "./consumer-config-fields.js";
import { goJsonSyntaxError } from "./go-json-syntax.js";

export type ConsumerCreateRequest =
  | { ok: true; stream: string; config: unknown; action: ConsumerAction }
  | { ok: false; error: ApiError };

/**
 * `body` is the request's payload, as bytes (then a syntax error is answered
 * in Go's words) or already parsed. `config` comes back decoded, for
 * checkConsumerConfig; a body without one is Go's zero config, {}. With
 * `streamInSubject`, a body for another stream is refused as nats-server
 * refuses it (streamMismatch); an empty body is invalid JSON.
 */
export function parseConsumerCreateRequest(body: unknown, streamInSubject?: string): ConsumerCreateRequest {
  let input = body;
  if (body instanceof Uint8Array) {
    const syntax = goJsonSyntaxError(body);
    if (syntax !== null) return { ok: false, error: invalidJson(syntax) };
    input = JSON.parse(decode(body));
  }
  const d = decodeCreateRequest(input);
  if (!d.ok) return { ok: false, error: invalidJson(d.error) };
  const stream = (d.value.stream_name as string | undefined) ?? "";
  if (streamInSubject !== undefined && stream !== streamInSubject) return { ok: false, error: JSERR.streamMismatch };
  return {
    ok: true,
    stream,
    config: d.value.config ?? {},
    action: (d.value.action as ConsumerAction | undefined) ?? "",
  };
}
