// What the host logs about a connection, with nats-server's texts (server/client.go):
// who it is (the fields of every line about it), why the server closed it, and, when
// tracing, every op it sent and was sent (nats-server's -V).

import type { ProtocolError } from "../../protocol/errors.js";
import { CLOSE } from "../../protocol/errors.js";
import { redactSecrets } from "../../protocol/log.js";
import type { ParserHandler } from "../../protocol/parser.js";
import { inOp, outOps, payload } from "../../protocol/trace.js";
import type { Log, LogFields } from "../log.js";
import type { Client } from "./client.js";

/**
 * The connection, as nats-server names it in every line (`ip - cid:N - "name" -
 * "account/user"`): its id, address, CONNECT name and who it authenticated as.
 */
export function clientFields(c: Client): LogFields {
  const id = c.identity;
  return {
    cid: c.cid,
    ip: c.ip || undefined,
    name: c.opts.name || undefined,
    account: id?.account,
    user: id?.user || undefined,
  };
}

/**
 * A connection ended. One the server closed is reported at info, with nats-server's
 * words for why (refused credentials, a slow consumer, a protocol error, …); every
 * close is reported at debug, as nats-server's "Client connection closed".
 */
export function logClosed(log: Log, c: Client, o: { connections: number; maxPending: number }): void {
  const fields = clientFields(c);
  const said = closeMessage(c, o.maxPending);
  if (said !== null) {
    const detail = c.closeDetail !== c.closeReason && c.closeDetail !== "" ? redactSecrets(c.closeDetail) : undefined;
    log.info(said, { ...fields, reason: detail });
  }
  if (log.debugging) {
    log.debug(`Client connection closed: ${c.closeReason || "Client Closed"}`, {
      ...fields,
      connections: o.connections,
      in_msgs: c.inMsgs,
      out_msgs: c.outMsgs,
      subscriptions: c.subs.size,
    });
  }
}

/** What nats-server logs when it closes a client for this reason; null when it closed itself. */
function closeMessage(c: Client, maxPending: number): string | null {
  switch (c.closeReason) {
    case "":
      return null;
    case CLOSE.authViolation.reason:
      return "authentication error";
    case CLOSE.authTimeout.reason:
      return "Authentication Timeout";
    case CLOSE.authExpired.reason:
      return c.identity?.accountExpires ? "Account Authentication Expired" : "User Authentication Expired";
    case CLOSE.slowConsumer.reason:
      return `Slow Consumer Detected: MaxPending of ${maxPending} Exceeded`;
    case CLOSE.staleConnection.reason:
      return "Stale Client Connection - Closing";
    case CLOSE.maxConnections.reason:
      return "maximum connections exceeded";
    case CLOSE.maxPayload.reason:
      return "maximum payload exceeded";
    case CLOSE.maxControlLine.reason:
      return "maximum control line exceeded";
    // Already logged as the exception it was.
    case CLOSE.internalError.reason:
      return null;
    default:
      // Parse errors, malformed ops, a bad CONNECT: the detail says which.
      return `Protocol error: ${c.closeReason}`;
  }
}

/**
 * The client's parser handler when tracing: each op is logged as nats-server's -V
 * logs it (`<<- [PUB foo 5]`, its payload, CONNECT without its credentials), then
 * handled. Without tracing the parser calls the client itself and none of this runs.
 */
export function tracedHandler(c: Client, log: Log): ParserHandler {
  const trace = (line: string | null) => {
    if (line !== null) log.trace(line, clientFields(c));
  };
  return {
    connect(json) {
      trace(inOp("CONNECT", json));
      c.connect(json);
    },
    pub(m) {
      trace(m.headerSize < 0 ? inOp("PUB", m.subject, m.reply, m.data.length) : inOp("HPUB", m.subject, m.reply, m.headerSize, m.data.length));
      trace(payload(m.data, false));
      c.pub(m);
    },
    sub(subject, queue, sid) {
      trace(inOp("SUB", subject, queue, sid));
      c.sub(subject, queue, sid);
    },
    unsub(sid, max) {
      trace(inOp("UNSUB", sid, max < 0 ? null : max));
      c.unsub(sid, max);
    },
    ping() {
      trace(inOp("PING"));
      c.ping();
    },
    pong() {
      trace(inOp("PONG"));
      c.pong();
    },
    error(err: ProtocolError) {
      c.error(err);
    },
  };
}

/** When tracing: a frame about to be sent to the client, op by op (`->> [MSG foo 1 5]`). */
export function traceSent(log: Log, c: Client, frame: Uint8Array): void {
  const fields = clientFields(c);
  outOps(frame, (line) => log.trace(line, fields));
}
