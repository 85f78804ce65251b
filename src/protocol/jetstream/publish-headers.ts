// The headers a publisher sets to make a stream check or change what it stores
// (server/stream.go processJetStreamMsg), read as nats-server reads them
// (server/client.go getHeader): the name exactly as written, case and all
// ("nats-msg-id" is not a message id), at the start of a header line and
// followed at once by ':'; spaces after the colon skipped; the value is the rest
// of the line, trailing spaces included; an empty value is no header. The first
// line that matches wins.
//
// nats-server 2.9.10 looked only at the name's first occurrence anywhere in the
// block, so `X-A: Nats-Msg-Id` on an earlier line hid the real header; later
// versions look on, and so do we.

import { decode } from "../bytes.js";

export interface PublishExpectations {
  /** Nats-Msg-Id: deduplicates within the stream's duplicate_window. */
  readonly msgId: string | null;
  /** Nats-Expected-Stream: the stream that must be the one storing it. */
  readonly expectedStream: string | null;
  /**
   * Nats-Expected-Last-Sequence: the stream's last sequence must be this. -1 when
   * the value is not a decimal number: nats-server parses that as -1 (as uint64,
   * 2^64-1), which no sequence equals, so the publish fails with the actual one.
   */
  readonly expectedLastSeq: number | null;
  /** Nats-Expected-Last-Subject-Sequence: the subject's last sequence (0: none yet); -1 as above. */
  readonly expectedLastSubjectSeq: number | null;
  /** Nats-Expected-Last-Msg-Id: the last Nats-Msg-Id the stream stored. */
  readonly expectedLastMsgId: string | null;
  /** Nats-Rollup, lower-cased: "sub" purges the subject's earlier messages, "all" the stream's. */
  readonly rollup: "sub" | "all" | null;
  /**
   * Nats-Rollup with another value. nats-server first refuses any rollup on a
   * stream without allow_rollup_hdrs (or with deny_purge), and then drops a
   * message with an invalid one without storing or answering it.
   */
  readonly rollupInvalid: boolean;
  /** Nats-Rollup's value lower-cased, valid or not (for saying what was wrong); null when absent. */
  readonly rollupValue: string | null;
}

const NONE: PublishExpectations = Object.freeze({
  msgId: null,
  expectedStream: null,
  expectedLastSeq: null,
  expectedLastSubjectSeq: null,
  expectedLastMsgId: null,
  rollup: null,
  rollupInvalid: false,
  rollupValue: null,
});

// Every name starts with "Nats-"; these are the rest, with the colon, in the
// order of the value positions readPublishHeaders keeps.
const NAMES: readonly Uint8Array[] = [
  "Msg-Id:",
  "Expected-Stream:",
  "Expected-Last-Sequence:",
  "Expected-Last-Subject-Sequence:",
  "Expected-Last-Msg-Id:",
  "Rollup:",
].map((s) => Uint8Array.from(s, (c) => c.charCodeAt(0)));
const NATS_DASH = Uint8Array.from("Nats-", (c) => c.charCodeAt(0));
const [MSG_ID, STREAM, LAST_SEQ, LAST_SUBJECT_SEQ, LAST_MSG_ID, ROLLUP] = [0, 1, 2, 3, 4, 5] as const;

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;

/** What a published message's header block (HPUB's, or null for PUB) asks of the stream. */
export function readPublishHeaders(block: Uint8Array | null): PublishExpectations {
  if (block === null) return NONE;
  // Where each name's value starts, from the first line with that name (even
  // when the value is empty); -1 when no line has it.
  const at = [-1, -1, -1, -1, -1, -1];
  let found = false;
  // Header lines start after a CRLF; the first line is the NATS/1.0 status line.
  for (let i = lineAfter(block, 0); i < block.length; i = lineAfter(block, i)) {
    if (!startsWith(block, i, NATS_DASH)) continue;
    const rest = i + NATS_DASH.length;
    for (let k = 0; k < NAMES.length; k++) {
      const name = NAMES[k]!;
      if (!startsWith(block, rest, name)) continue;
      if (at[k]! < 0) at[k] = rest + name.length;
      found = true;
      break;
    }
  }
  if (!found) return NONE;
  const rollup = value(block, at[ROLLUP]!)?.toLowerCase() ?? null;
  const valid = rollup === "sub" || rollup === "all";
  return {
    msgId: value(block, at[MSG_ID]!),
    expectedStream: value(block, at[STREAM]!),
    expectedLastSeq: sequence(value(block, at[LAST_SEQ]!)),
    expectedLastSubjectSeq: sequence(value(block, at[LAST_SUBJECT_SEQ]!)),
    expectedLastMsgId: value(block, at[LAST_MSG_ID]!),
    rollup: valid ? rollup : null,
    rollupInvalid: rollup !== null && !valid,
    rollupValue: rollup,
  };
}

/** The index after the next CRLF at or after `from`; the block's length when none. */
function lineAfter(b: Uint8Array, from: number): number {
  for (let i = from; i + 1 < b.length; i++) if (b[i] === CR && b[i + 1] === LF) return i + 2;
  return b.length;
}

function startsWith(b: Uint8Array, at: number, s: Uint8Array): boolean {
  if (at + s.length > b.length) return false;
  for (let k = 0; k < s.length; k++) if (b[at + k] !== s[k]) return false;
  return true;
}

/** The value after a header's colon at `from`: leading spaces skipped, up to the CRLF; null when empty or absent. */
function value(b: Uint8Array, from: number): string | null {
  if (from < 0) return null;
  let start = from;
  while (start < b.length && b[start] === SPACE) start++;
  let end = start;
  while (end < b.length && !(b[end] === CR && end + 1 < b.length && b[end + 1] === LF)) end++;
  return end === start ? null : decode(b.subarray(start, end));
}

// nats-server's parseInt64: decimal digits only, no sign, else -1.
function sequence(text: string | null): number | null {
  if (text === null) return null;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
