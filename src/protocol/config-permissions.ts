// The configuration's permissions blocks (a user's `permissions`, an
// account's or the authorization block's `default_permissions`), read as
// nats-server's opts.go parseUserPermissions reads them.

import {
  durationMs,
  fail,
  fields,
  integer,
  isObject,
  items,
  MAX_INT32,
  spelling,
  string,
  type Field,
} from "./config-fields.js";
import {
  DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS,
  DEFAULT_ALLOW_RESPONSE_MAX_MSGS,
  publishWithResponses,
  type PermissionsConfig,
  type ResponsePermission,
  type SubjectPermission,
} from "./permissions.js";
import { isValidSubject } from "./subject.js";

const PERMISSIONS = spelling({
  publish: ["pub", "import"],
  subscribe: ["sub", "export"],
  allow_responses: ["publish_allow_responses"],
});
const SUBJECT_PERMISSION = spelling({ allow: [], deny: [] });
const ALLOW_RESPONSES = spelling({
  max: ["max_msgs", "max_messages", "max_responses"],
  expires: ["expiration", "ttl"],
});

/**
 * A permissions block. With `allow_responses` and no publish allow list, the
 * returned publish permission carries the empty allow list nats-server puts
 * there (see publishWithResponses).
 */
export function permissions(f: Field): PermissionsConfig {
  const m = fields(f, PERMISSIONS);
  const pub = m.get("publish");
  const sub = m.get("subscribe");
  const resp = m.get("allow_responses");
  const publish = pub ? subjectPermission(pub, "publish") : null;
  const subscribe = sub ? subjectPermission(sub, "subscribe") : null;
  const responses = resp ? allowResponses(resp) : null;
  return { publish: publishWithResponses(publish, responses), subscribe, allowResponses: responses };
}

function allowResponses(f: Field): ResponsePermission | null {
  if (typeof f.value === "boolean") {
    if (!f.value) return null;
    return { maxMsgs: DEFAULT_ALLOW_RESPONSE_MAX_MSGS, expiresMs: DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS };
  }
  if (!isObject(f.value)) fail(f.path, 'must be true, false or {"max": …, "expires": …}');
  const m = fields(f, ALLOW_RESPONSES);
  // nats-server (opts.go parseAllowResponses): 0 keeps the default, a negative
  // value means no limit, and `expires` must be a duration string.
  let maxMsgs = DEFAULT_ALLOW_RESPONSE_MAX_MSGS;
  const max = m.get("max");
  if (max) {
    const n = integer(max, -MAX_INT32, MAX_INT32);
    if (n !== 0) maxMsgs = Math.max(n, 0);
  }
  let expiresMs = DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS;
  const expires = m.get("expires");
  if (expires) {
    if (typeof expires.value !== "string")
      fail(expires.path, 'must be a duration string such as "1m" (nats-server takes no number here)');
    const ms = durationMs(expires);
    if (ms !== 0) expiresMs = Math.max(ms, 0);
  }
  return { maxMsgs, expiresMs };
}

function subjectPermission(f: Field, kind: "publish" | "subscribe"): SubjectPermission {
  if (typeof f.value === "string" || Array.isArray(f.value)) return { allow: subjectList(f, kind), deny: null };
  if (!isObject(f.value)) fail(f.path, 'must be a subject, a list of subjects, or {"allow": …, "deny": …}');
  const m = fields(f, SUBJECT_PERMISSION);
  if (m.size === 0)
    fail(f.path, 'an empty object restricts nothing; leave it out to allow everything, or deny ">" to allow nothing');
  const allow = m.get("allow");
  const deny = m.get("deny");
  return { allow: allow ? subjectList(allow, kind) : null, deny: deny ? subjectList(deny, kind) : null };
}

function subjectList(f: Field, kind: "publish" | "subscribe"): string[] {
  const list = items(f, true, "a subject").map((item) => permissionSubject(item, kind));
  // nats-server reads an empty list as no list at all, which allows everything:
  // rarely what was meant by writing it, so it is refused.
  if (list.length === 0)
    fail(f.path, `an empty list restricts nothing; leave it out to allow everything, or deny ">" to allow nothing`);
  return list;
}

/**
 * One permission entry. nats-server (opts.go checkPermSubjectArray) accepts a
 * valid subject, or "subject queue": the text split at whitespace into exactly
 * two fields, the first a valid subject; the queue part is not checked further
 * and may hold wildcards, matched as client.go queueMatches does.
 */
function permissionSubject(f: Field, kind: "publish" | "subscribe"): string {
  const s = string(f);
  if (isValidSubject(s)) return s;
  const parts = s.trim().split(/\s+/);
  if (parts.length === 2 && isValidSubject(parts[0]!)) {
    // nats-server accepts the queue form in a publish list too, where it can never match a subject.
    if (kind === "publish")
      fail(f.path, `${JSON.stringify(s)} names a queue group, which only a subscribe permission can have`);
    return `${parts[0]} ${parts[1]}`;
  }
  fail(f.path, `${JSON.stringify(s)} is not a valid subject${kind === "subscribe" ? ', nor "subject queue"' : ""}`);
}
