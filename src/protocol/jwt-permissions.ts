// The permissions part of user and account JWTs: checked as nats-io/jwt v2
// validates it, and turned into the configuration's shape as nats-server's
// buildPermissionsFromJwt does, so that one Permissions serves both.

import { asNumber, asObject, asStrings, type Json } from "./jwt-claims.js";
import {
  DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS,
  DEFAULT_ALLOW_RESPONSE_MAX_MSGS,
  publishWithResponses,
  type PermissionsConfig,
  type SubjectPermission,
} from "./permissions.js";

/** nats-server's buildPermissionsFromJwt, with validateResponsePermissions' defaults. */
export function permissionsFromJwt(p: Json): PermissionsConfig | null {
  const pub = asObject(p.pub);
  const sub = asObject(p.sub);
  const publish = permissionOf(pub);
  const subscribe = permissionOf(sub);
  const resp = asObject(p.resp);
  let allowResponses: PermissionsConfig["allowResponses"] = null;
  if (resp !== null) {
    const max = asNumber(resp.max);
    const ttlNanos = asNumber(resp.ttl);
    allowResponses = {
      maxMsgs: max === 0 ? DEFAULT_ALLOW_RESPONSE_MAX_MSGS : max,
      // A negative ttl never expires; a positive one is kept at least 1 ms.
      expiresMs: ttlNanos === 0 ? DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS : ttlNanos < 0 ? 0 : Math.ceil(ttlNanos / 1e6),
    };
  }
  if (publish === null && subscribe === null && allowResponses === null) return null;
  return { publish: publishWithResponses(publish, allowResponses), subscribe, allowResponses };
}

// A pub or sub block counts only when one of its lists has entries; then a
// present but empty `allow` is kept as an (empty) allow list, as Go's JSON
// decoding keeps an empty slice, which for publish allows nothing.
function permissionOf(p: Json | null): SubjectPermission | null {
  if (p === null) return null;
  const allow = asStrings(p.allow);
  const deny = asStrings(p.deny);
  if (!allow?.length && !deny?.length) return null;
  return { allow, deny };
}

/** nats-io/jwt Permissions.Validate: subjects well formed, queues only for subscribe. */
export function permissionsProblem(nats: Json): string | null {
  for (const [field, queues] of [["pub", false], ["sub", true]] as const) {
    const p = asObject(nats[field]);
    if (p === null) continue;
    for (const entry of [...(asStrings(p.allow) ?? []), ...(asStrings(p.deny) ?? [])]) {
      const parts = entry.split(" ");
      if (parts.length > 2) return `permission subject "${entry}" contains too many spaces`;
      if (parts.length === 2 && !queues) return `permission subject "${entry}" is not allowed to contain queue`;
      const bad = parts.some((s) => s === "" || s.startsWith(".") || s.endsWith(".") || s.includes(".."));
      if (bad) return `permission subject "${entry}" is not valid`;
    }
  }
  return null;
}

/** nats-io/jwt's UserClaims.HasEmptyPermissions: the permissions-and-limits part is Go's zero value. */
export function hasEmptyPermissions(n: Json): boolean {
  const emptyPermission = (v: unknown): boolean => {
    const p = asObject(v);
    return v == null || (p !== null && p.allow == null && p.deny == null);
  };
  return (
    emptyPermission(n.pub) &&
    emptyPermission(n.sub) &&
    n.resp == null &&
    !n.subs &&
    !n.data &&
    !n.payload &&
    n.src == null &&
    n.times == null &&
    !n.times_location &&
    !n.bearer_token &&
    n.allowed_connection_types == null
  );
}
