// The header blocks a consumer's server side writes itself: the status
// messages it sends instead of a stream message (no payload), and the headers
// of a headers-only delivery, byte for byte as nats-server 2.10 writes them
// (server/consumer.go). Clients match a status's code and its description
// lower-cased ("no messages", "request timeout", "consumer deleted", …), and
// read the Nats-Pending-*, Nats-Last-* and Nats-Msg-Size headers as numbers.

import { encode } from "../bytes.js";
import { formatGoDuration } from "./go-duration.js";

const CRLF = "\r\n";

function status(code: number, description: string, headers = ""): Uint8Array {
  return encode(`NATS/1.0 ${code} ${description}${CRLF}${headers}${CRLF}`);
}

// What a pull request still had to take when it ended: clients subtract it
// from what they asked for, and ask again.
function pending(messages: number, bytes: number): string {
  return `Nats-Pending-Messages: ${messages}${CRLF}Nats-Pending-Bytes: ${bytes}${CRLF}`;
}

/** 404: a no_wait pull request found nothing to deliver. */
export function noMessages(): Uint8Array {
  return status(404, "No Messages");
}

/** 408: a pull request expired (or a no_wait one ran out) with `pendingMsgs` and `pendingBytes` of it left. */
export function requestTimeout(pendingMsgs: number, pendingBytes: number): Uint8Array {
  return status(408, "Request Timeout", pending(pendingMsgs, pendingBytes));
}

/** 408: a no_wait request while the waiting requests already claim all there is. */
export function requestsPending(): Uint8Array {
  return status(408, "Requests Pending");
}

/** 409: the next message is larger than what is left of the request's max_bytes; the request ends. */
export function messageSizeExceedsMaxBytes(pendingMsgs: number, pendingBytes: number): Uint8Array {
  return status(409, "Message Size Exceeds MaxBytes", pending(pendingMsgs, pendingBytes));
}

/** 409 (2.10): the request got its batch with max_bytes to spare; sent after the last message. */
export function batchCompleted(pendingMsgs: number, pendingBytes: number): Uint8Array {
  return status(409, "Batch Completed", pending(pendingMsgs, pendingBytes));
}

/** 409: to every waiting pull request when its consumer is deleted. */
export function consumerDeleted(): Uint8Array {
  return status(409, "Consumer Deleted");
}

/** 409: a pull request to a consumer with a deliver subject. */
export function consumerIsPushBased(): Uint8Array {
  return status(409, "Consumer is push based");
}

/**
 * 400 `Bad Request - <err>`: a pull request nats-server could not read, with
 * its error (parsePullRequest's `error`).
 */
export function badRequest(err: string): Uint8Array {
  return status(400, `Bad Request - ${err}`);
}

/**
 * 409 `Exceeded <limit>`: a pull request over one of the consumer's limits,
 * `limit` as in "MaxRequestBatch of 10" or "MaxWaiting". The functions below
 * write each one as nats-server does.
 */
export function exceeded(limit: string): Uint8Array {
  return status(409, `Exceeded ${limit}`);
}

/** 409 `Exceeded MaxRequestBatch of <max_batch>`. */
export function exceededMaxRequestBatch(maxBatch: number): Uint8Array {
  return exceeded(`MaxRequestBatch of ${maxBatch}`);
}

/** 409 `Exceeded MaxRequestExpires of <max_expires>`, a Go duration ("2s", "1m0s"). */
export function exceededMaxRequestExpires(maxExpiresNs: number): Uint8Array {
  return exceeded(`MaxRequestExpires of ${formatGoDuration(maxExpiresNs)}`);
}

/** 409 `Exceeded MaxRequestMaxBytes of <max_bytes>`. */
export function exceededMaxRequestMaxBytes(maxBytes: number): Uint8Array {
  return exceeded(`MaxRequestMaxBytes of ${maxBytes}`);
}

/** 409 `Exceeded MaxWaiting`: max_waiting requests already wait. */
export function exceededMaxWaiting(): Uint8Array {
  return exceeded("MaxWaiting");
}

/**
 * 100 Idle Heartbeat, to a push consumer's deliver subject or a pull request's
 * reply subject, with the last consumer and stream sequences delivered (0
 * before any). `stalled`: the flow control subject a push consumer waits on an
 * answer to, which the client then answers (nats-server's Nats-Consumer-Stalled).
 */
export function idleHeartbeat(lastConsumerSeq: number, lastStreamSeq: number, stalled?: string | null): Uint8Array {
  let headers = `Nats-Last-Consumer: ${lastConsumerSeq}${CRLF}Nats-Last-Stream: ${lastStreamSeq}${CRLF}`;
  if (stalled !== undefined && stalled !== null && stalled !== "") {
    headers += `Nats-Consumer-Stalled: ${stalled}${CRLF}`;
  }
  return status(100, "Idle Heartbeat", headers);
}

/** 100 FlowControl Request, sent with a flowControlSubject() reply the client answers. */
export function flowControlRequest(): Uint8Array {
  return status(100, "FlowControl Request");
}

const HEADER_LINE = encode(`NATS/1.0${CRLF}`);

/**
 * The headers of a message delivered to a headers_only consumer: the stored
 * message's own (`hdr`, null or empty for none) with `Nats-Msg-Size: <size of
 * the payload left out>` added last, as nats-server's convertToHeadersOnly.
 */
export function withMessageSize(hdr: Uint8Array | null, size: number): Uint8Array {
  // The stored block ends with the blank line; the new header goes before it.
  const head = hdr === null || hdr.length === 0 ? HEADER_LINE : hdr.subarray(0, hdr.length - 2);
  const tail = encode(`Nats-Msg-Size: ${size}${CRLF}${CRLF}`);
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
