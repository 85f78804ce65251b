// The fields a stream create or update request may carry, as Go's decoder sees
// nats-server's StreamConfig struct: each JSON name with its Go type, so a value
// of the wrong type is refused in the decoder's words (see go-decode.ts).

import type { GoField, GoFields } from "./go-decode.js";

function policy(values: readonly string[], foldCase = false): GoField {
  // nats-server's UnmarshalJSON for its policy types: fmt.Errorf("can not unmarshal %q", data).
  return { kind: "enum", values, foldCase, refuse: (raw) => `can not unmarshal ${JSON.stringify(raw)}` };
}

const int64: GoField = { kind: "int", type: "int64" };
const int: GoField = { kind: "int", type: "int" };
const duration: GoField = { kind: "int", type: "time.Duration" };
const bool: GoField = { kind: "bool" };
const string: GoField = { kind: "string" };
const any: GoField = { kind: "any" };

/** The fields of nats-server's StreamConfig (2.9.10, and the 2.10 ones we keep). */
export const STREAM_CONFIG_FIELDS: GoFields = {
  name: string,
  description: string,
  subjects: { kind: "strings" },
  retention: policy(["limits", "interest", "workqueue"]),
  max_consumers: int,
  max_msgs: int64,
  max_bytes: int64,
  max_age: duration,
  max_msgs_per_subject: int64,
  max_msg_size: { kind: "int", type: "int32" },
  discard: policy(["old", "new"], true),
  // 2.9.10 also takes "any", then crashes creating the store; 2.10 refuses it.
  storage: policy(["file", "memory"]),
  num_replicas: int,
  no_ack: bool,
  template_owner: string,
  duplicate_window: duration,
  placement: { kind: "struct", type: "Placement", fields: { cluster: string, tags: { kind: "strings" } } },
  // Kept as sent for the checks to refuse: a stream here has no way to follow another.
  mirror: any,
  sources: any,
  compression: {
    kind: "enum",
    values: ["none", "s2"],
    foldCase: false,
    refuse: (raw) =>
      raw === "null" || raw.startsWith('"')
        ? "unknown compression algorithm"
        : `json: cannot unmarshal ${rawKind(raw)} into Go value of type string`,
  },
  first_seq: { kind: "int", type: "uint64" },
  subject_transform: any,
  republish: any,
  allow_direct: bool,
  mirror_direct: bool,
  discard_new_per_subject: bool,
  sealed: bool,
  deny_delete: bool,
  deny_purge: bool,
  allow_rollup_hdrs: bool,
  consumer_limits: {
    kind: "struct",
    type: "StreamConsumerLimits",
    fields: { inactive_threshold: duration, max_ack_pending: int },
  },
  metadata: { kind: "stringMap" },
};

// Compression's UnmarshalJSON decodes a Go string first, with that decoder's error.
function rawKind(raw: string): string {
  const c = raw[0];
  return c === "{" ? "object" : c === "[" ? "array" : c === "t" || c === "f" ? "bool" : "number";
}
