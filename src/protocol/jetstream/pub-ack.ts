// The reply to a publish into a stream, as nats-server 2.9.10 writes it
// (server/stream.go processJetStreamMsg). The success forms come from a
// per-stream template built with Sprintf, hence the space after the comma and in
// `"duplicate": true`; the error form is json.Marshal of JSPubAckResponse.

import { apiErrorJson, type ApiError } from "./api-errors.js";
import { goJson } from "./go-json.js";

/**
 * `{"stream":"<name>", "seq":` — the start of every success ack. Build it once per
 * stream (nats-server keeps it as mset.pubAck) and pass it to pubAck.
 */
export function pubAckPrefix(stream: string): string {
  // Go's %q; for a valid stream name (no control characters) it is JSON quoting.
  return `{"stream":${JSON.stringify(stream)}, "seq":`;
}

/** `{"stream":"S", "seq":7}`, or with `,"duplicate": true` for a Nats-Msg-Id seen inside the window. */
export function pubAck(prefix: string, seq: number, duplicate: boolean): string {
  return duplicate ? `${prefix}${seq},"duplicate": true}` : `${prefix}${seq}}`;
}

/** `{"error":{…},"stream":"S","seq":0}`: a publish the stream refused. */
export function pubAckError(stream: string, err: ApiError): string {
  return `{"error":${apiErrorJson(err)},"stream":${goJson(stream)},"seq":0}`;
}
