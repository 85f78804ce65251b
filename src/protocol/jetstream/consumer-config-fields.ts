// The fields a consumer create request may carry, as Go's decoder sees
// nats-server's CreateConsumerRequest and ConsumerConfig structs (2.10), so a
// value of the wrong type is refused in the decoder's words (see go-decode.ts).
// Two field types go-decode does not know are read here: backoff, a
// []time.Duration, and opt_start_time, a *time.Time.

import { decodeGoStruct, type GoField, type GoFields } from "./go-decode.js";
import { parseRfc3339 } from "./time.js";

function policy(values: readonly string[]): GoField {
  // nats-server's UnmarshalJSON for its policy types: fmt.Errorf("can not unmarshal %q", data).
  return { kind: "enum", values, foldCase: false, refuse: (raw) => `can not unmarshal ${JSON.stringify(raw)}` };
}

const int: GoField = { kind: "int", type: "int" };
const uint64: GoField = { kind: "int", type: "uint64" };
const duration: GoField = { kind: "int", type: "time.Duration" };
const bool: GoField = { kind: "bool" };
const string: GoField = { kind: "string" };
const any: GoField = { kind: "any" };

/** The fields of nats-server 2.10's ConsumerConfig. */
export const CONSUMER_CONFIG_FIELDS: GoFields = {
  durable_name: string,
  name: string,
  description: string,
  // "undefined" is what nats-server writes for a policy it does not know, and reads as "all".
  deliver_policy: policy(["all", "last", "new", "by_start_sequence", "by_start_time", "last_per_subject", "undefined"]),
  opt_start_seq: uint64,
  opt_start_time: any,
  ack_policy: policy(["none", "all", "explicit"]),
  ack_wait: duration,
  max_deliver: int,
  backoff: any,
  filter_subject: string,
  filter_subjects: { kind: "strings" },
  replay_policy: policy(["instant", "original"]),
  rate_limit_bps: uint64,
  sample_freq: string,
  max_waiting: int,
  max_ack_pending: int,
  idle_heartbeat: duration,
  flow_control: bool,
  headers_only: bool,
  max_batch: int,
  max_expires: duration,
  max_bytes: int,
  deliver_subject: string,
  deliver_group: string,
  inactive_threshold: duration,
  num_replicas: int,
  mem_storage: bool,
  direct: bool,
  metadata: { kind: "stringMap" },
};

const ACTIONS = ["create", "update", ""];

/** nats-server 2.10's CreateConsumerRequest; `config` is checked by decodeConsumerConfig. */
export const CREATE_CONSUMER_REQUEST_FIELDS: GoFields = {
  stream_name: string,
  config: { kind: "struct", type: "ConsumerConfig", fields: CONSUMER_CONFIG_FIELDS },
  action: {
    kind: "enum",
    values: ACTIONS,
    foldCase: false,
    // ConsumerAction's UnmarshalJSON: fmt.Errorf("unknown consumer action: %v", string(data)).
    refuse: (raw) => `unknown consumer action: ${raw}`,
  },
};

export type DecodedConfig = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

/**
 * A ConsumerConfig as Go decodes it. `path` is where it sits in the request
 * ("config." inside a CreateConsumerRequest), for the decoder's error texts.
 * opt_start_time comes back as Go would write it again: the offset kept, a
 * zero one as "Z", the fraction to nanoseconds without trailing zeros.
 */
export function decodeConsumerConfig(input: unknown, path = ""): DecodedConfig {
  const d = decodeGoStruct(input, "ConsumerConfig", CONSUMER_CONFIG_FIELDS);
  if (!d.ok) return d;
  return checkCustomFields(d.value, path);
}

/** The custom fields of a config go-decode has already decoded as part of a larger struct. */
export function checkCustomFields(value: Record<string, unknown>, path: string): DecodedConfig {
  const where = (name: string) => `Go struct field ConsumerConfig.${path}${name}`;
  const out = { ...value };
  if (out.backoff !== undefined) {
    const b = out.backoff;
    const refuse = (what: string, type: string) => ({
      ok: false as const,
      error: `json: cannot unmarshal ${what} into ${where("backoff")} of type ${type}`,
    });
    if (!Array.isArray(b)) return refuse(kind(b), "[]time.Duration");
    const ns: number[] = [];
    for (const item of b) {
      if (item === null) {
        ns.push(0);
        continue;
      }
      if (typeof item !== "number") {
        return refuse(kind(item), "time.Duration");
      }
      if (!Number.isInteger(item) || Math.abs(item) > 2 ** 63) {
        return refuse(`number ${item}`, "time.Duration");
      }
      ns.push(item === 0 ? 0 : item);
    }
    out.backoff = ns;
  }
  if (out.opt_start_time !== undefined) {
    const t = out.opt_start_time;
    // *time.Time: Go hands its UnmarshalJSON everything but null.
    if (typeof t !== "string") return { ok: false, error: "Time.UnmarshalJSON: input is not a JSON string" };
    const normal = goTimeJson(t);
    if (normal === null) return { ok: false, error: goTimeParseError(t) };
    out.opt_start_time = normal;
  }
  return { ok: true, value: out };
}

function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time as Go's time.Time writes it back after reading it; null when Go would not read it. */
function goTimeJson(s: string): string | null {
  if (parseRfc3339(s) === null) return null;
  const m = RFC3339.exec(s);
  if (m === null) return null;
  const fraction = (m[2] ?? "").slice(0, 9).replace(/0+$/, "");
  // nats-server runs in UTC, where Go gives a zero offset the UTC location.
  const zone = m[3] === "+00:00" || m[3] === "-00:00" ? "Z" : m[3]!;
  return `${m[1]}${fraction === "" ? "" : `.${fraction}`}${zone}`;
}

const LAYOUT = "2006-01-02T15:04:05Z07:00";

/**
 * Go's time.ParseError text for a string its RFC 3339 layout refuses: where the
 * value stops matching, or which field is out of range.
 */
function goTimeParseError(s: string): string {
  const q = (v: string) => JSON.stringify(v);
  const cannot = (rest: string, elem: string) =>
    `parsing time ${q(s)} as ${q(LAYOUT)}: cannot parse ${q(rest)} as ${q(elem)}`;
  const range = (what: string) => `parsing time ${q(s)}: ${what} out of range`;
  const digits = (at: number, n: number) => {
    for (let k = at; k < at + n; k++) if (k >= s.length || s[k]! < "0" || s[k]! > "9") return false;
    return true;
  };
  // [element, offset, width, range check]
  const numbers: ReadonlyArray<readonly [string, number, number, string | null, number, number]> = [
    ["2006", 0, 4, null, 0, 9999],
    ["01", 5, 2, "month", 1, 12],
    ["02", 8, 2, null, 0, 99],
    ["15", 11, 2, "hour", 0, 23],
    ["04", 14, 2, "minute", 0, 59],
    ["05", 17, 2, "second", 0, 59],
  ];
  const separators: ReadonlyArray<readonly [string, number]> = [
    ["-", 4],
    ["-", 7],
    ["T", 10],
    [":", 13],
    [":", 16],
  ];
  for (let k = 0; k < numbers.length; k++) {
    const [elem, at, width, what, min, max] = numbers[k]!;
    if (k > 0) {
      const [sep, sepAt] = separators[k - 1]!;
      if (s[sepAt] !== sep) return cannot(s.slice(sepAt), sep);
    }
    if (!digits(at, width)) return cannot(s.slice(at), elem);
    const v = Number(s.slice(at, at + width));
    if (what !== null && (v < min || v > max)) return range(what);
  }
  let i = 19;
  if ((s[i] === "." || s[i] === ",") && digits(i + 1, 1)) {
    i++;
    while (digits(i, 1)) i++;
  }
  if (s[i] === "Z") i++;
  else {
    const offset = (s[i] === "+" || s[i] === "-") && digits(i + 1, 2) && s[i + 3] === ":" && digits(i + 4, 2);
    if (!offset) return cannot(s.slice(i), "Z07:00");
    i += 6;
  }
  if (i < s.length) return `parsing time ${q(s)}: extra text: ${q(s.slice(i))}`;
  // Every field has its shape: what is left is a day past the month's end or an
  // offset Go's strict RFC 3339 reading refuses.
  const year = Number(s.slice(0, 4));
  const month = Number(s.slice(5, 7));
  const day = Number(s.slice(8, 10));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day < 1 || day > days ? range("day") : `parsing time ${q(s)}: time zone offset out of range`;
}

/** Decodes a whole create request as Go would, with the config's custom fields checked. */
export function decodeCreateRequest(input: unknown): DecodedConfig {
  const d = decodeGoStruct(input, "CreateConsumerRequest", CREATE_CONSUMER_REQUEST_FIELDS);
  if (!d.ok) return d;
  if (d.value.config === undefined) return d;
  const c = checkCustomFields(d.value.config as Record<string, unknown>, "config.");
  return c.ok ? { ok: true, value: { ...d.value, config: c.value } } : c;
}
