import { describe, expect, it } from "vitest";
import {
  DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS,
  MAX_TRACKED_REPLIES,
  Permissions,
  publishViolation,
  REPLY_PERM_LIMIT,
  ResponseTracker,
  subscribeViolation,
  type PermissionsConfig,
  type SubjectPermission,
} from "../../src/protocol/permissions";

const perm = (allow: string[] | null, deny: string[] | null = null): SubjectPermission => ({ allow, deny });

function compile(p: Partial<PermissionsConfig>): Permissions {
  return Permissions.compile({ publish: null, subscribe: null, allowResponses: null, ...p });
}

describe("violation texts", () => {
  // As nats-server's own tests expect them (server/client_test.go TestQueueSubscribePermissions).
  it("words publish and subscribe violations as nats-server does", () => {
    expect(publishViolation("foo.bar")).toBe('Permissions Violation for Publish to "foo.bar"');
    expect(subscribeViolation("whizz", null)).toBe('Permissions Violation for Subscription to "whizz"');
    expect(subscribeViolation("foo", "bar")).toBe('Permissions Violation for Subscription to "foo" using queue "bar"');
  });
});

describe("canSubscribe: nats-server's TestQueueSubscribePermissions", () => {
  const cases: { name: string; perms: SubjectPermission; subject: string; queue: string | null; ok: boolean }[] = [
    { name: "plain subscription on foo", perms: perm(["foo"]), subject: "foo", queue: null, ok: true },
    { name: "queue subscribe with allowed group", perms: perm(["foo bar"]), subject: "foo", queue: "bar", ok: true },
    { name: "queue subscribe with wildcard allowed group", perms: perm(["foo bar.*"]), subject: "foo", queue: "bar.fizz", ok: true },
    { name: "queue subscribe with full wildcard subject and subgroup", perms: perm(["> bar.>"]), subject: "whizz", queue: "bar.bang", ok: true },
    { name: "plain subscribe with full wildcard subject and subgroup", perms: perm(["> bar.>"]), subject: "whizz", queue: null, ok: false },
    { name: "deny plain subscription on foo", perms: perm([">"], ["foo"]), subject: "foo", queue: "bar", ok: false },
    { name: "allow plain subscription, except foo", perms: perm([">"], ["foo"]), subject: "bar", queue: null, ok: true },
    { name: "deny everything", perms: perm([">"], [">"]), subject: "foo", queue: "bar", ok: false },
    { name: "can only subscribe to queues v1", perms: perm(["> v1.>"]), subject: "foo", queue: "v1.prod", ok: true },
    { name: "cannot subscribe to queues, plain subscribe ok", perms: perm([">"], ["> >"]), subject: "foo", queue: null, ok: true },
    { name: "cannot subscribe to queues, queue subscribe not ok", perms: perm(null, ["> >"]), subject: "foo", queue: "bar", ok: false },
    { name: "deny all queue subscriptions on dev or stg only", perms: perm(null, ["> *.dev", "> *.stg"]), subject: "foo", queue: "bar", ok: true },
    { name: "allow only queue subscription on dev or stg", perms: perm(["> *.dev", "> *.stg"]), subject: "foo", queue: "bar", ok: false },
    { name: "deny queue subscriptions with subject foo", perms: perm(null, ["foo >"]), subject: "foo", queue: "bar", ok: false },
    { name: "plain sub is allowed, but queue subscribe with queue not in list", perms: perm(["foo bar"]), subject: "foo", queue: "fizz", ok: false },
    { name: "allow plain sub, but do queue subscribe", perms: perm(["foo"]), subject: "foo", queue: "bar", ok: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(compile({ subscribe: c.perms }).canSubscribe(c.subject, c.queue)).toBe(c.ok);
    });
  }
});

describe("canSubscribe", () => {
  it("matches a wildcard subscription against the allow list as written", () => {
    const literal = compile({ subscribe: perm(["foo.bar"]) });
    expect(literal.canSubscribe("foo.bar", null)).toBe(true);
    expect(literal.canSubscribe("foo.*", null)).toBe(false);
    expect(literal.canSubscribe("foo.>", null)).toBe(false);

    const star = compile({ subscribe: perm(["foo.*"]) });
    expect(star.canSubscribe("foo.*", null)).toBe(true);
    expect(star.canSubscribe("foo.baz", null)).toBe(true);
    expect(star.canSubscribe("foo.baz.qux", null)).toBe(false);
    // A `*` entry takes whatever single token sits there, `>` included, as in nats-server.
    expect(star.canSubscribe("foo.>", null)).toBe(true);

    const full = compile({ subscribe: perm(["foo.>"]) });
    expect(full.canSubscribe("foo.*", null)).toBe(true);
    expect(full.canSubscribe("foo.>", null)).toBe(true);
    expect(full.canSubscribe("foo", null)).toBe(false);
    expect(full.canSubscribe(">", null)).toBe(false);
  });

  it("lets a broader wildcard past a deny entry it covers (delivery filters it)", () => {
    const p = compile({ subscribe: perm(null, ["foo.bar"]) });
    expect(p.canSubscribe("foo.bar", null)).toBe(false);
    expect(p.canSubscribe("foo.*", null)).toBe(true);
    expect(p.canSubscribe(">", null)).toBe(true);

    const wild = compile({ subscribe: perm(null, ["foo.*"]) });
    expect(wild.canSubscribe("foo.x", null)).toBe(false);
    expect(wild.canSubscribe("foo.*", null)).toBe(false);
    expect(wild.canSubscribe("foo.>", null)).toBe(false);
    expect(wild.canSubscribe(">", null)).toBe(true);
  });

  it("treats an empty subscribe allow list as no list, and an empty queue as no queue", () => {
    expect(compile({ subscribe: perm([]) }).canSubscribe("anything", null)).toBe(true);
    expect(compile({ subscribe: perm([], []) }).canSubscribe("anything", "q")).toBe(true);
    expect(compile({ subscribe: perm(["foo bar"]) }).canSubscribe("foo", "")).toBe(false);
  });

  it("judges a queue subscription by its queue entries, even over a plain deny", () => {
    // deny ["foo", "foo v1"]: a queue other than v1 passes, as nats-server's canSubscribe does.
    const p = compile({ subscribe: perm(null, ["foo", "foo v1"]) });
    expect(p.canSubscribe("foo", null)).toBe(false);
    expect(p.canSubscribe("foo", "v1")).toBe(false);
    expect(p.canSubscribe("foo", "v2")).toBe(true);
  });

  it("matches queue names literally first, then as wildcards", () => {
    const p = compile({ subscribe: perm(["foo v1.*", "bar *"]) });
    expect(p.canSubscribe("foo", "v1.*")).toBe(true);
    expect(p.canSubscribe("foo", "v1.a")).toBe(true);
    expect(p.canSubscribe("foo", "v1.a.b")).toBe(false);
    expect(p.canSubscribe("foo", "v2.a")).toBe(false);
    expect(p.canSubscribe("bar", "anything")).toBe(true);
  });

  it("splits entries on any run of whitespace and skips those it cannot use", () => {
    const p = compile({ subscribe: perm(["  foo \t bar ", "a b c", "x..y", "ok"]) });
    expect(p.canSubscribe("foo", "bar")).toBe(true);
    expect(p.canSubscribe("a", "b")).toBe(false);
    expect(p.canSubscribe("ok", null)).toBe(true);
  });

  it("refuses what cannot be a subject when there is an allow list", () => {
    const p = compile({ subscribe: perm([">"]) });
    expect(p.canSubscribe("foo..bar", null)).toBe(false);
    expect(p.canSubscribe("", null)).toBe(false);
  });
});

describe("canPublish", () => {
  // nats-server's test/configs/auths.conf and TestUserAuthorizationProto.
  const NEW_STYLE = compile({
    publish: perm(["*.*"], ["SYS.*", "bar.baz", "foo.*"]),
    subscribe: perm(["foo.*"], ["foo.baz"]),
  });

  it("allows, then denies (NEW_STYLE)", () => {
    for (const s of ["SANDBOX.foo", "baz.bar", "baz.foo"]) expect(NEW_STYLE.canPublish(s), s).toBe(true);
    for (const s of ["foo", "bar", "foo.bar", "foo.bar.baz", "SYS.1", "bar.baz"]) expect(NEW_STYLE.canPublish(s), s).toBe(false);
    for (const s of ["foo.bar", "foo.foo", "foo.*"]) expect(NEW_STYLE.canSubscribe(s, null), s).toBe(true);
    for (const s of ["foo", "foo.baz"]) expect(NEW_STYLE.canSubscribe(s, null), s).toBe(false);
    expect(NEW_STYLE.canSubscribe("foo.*", "bar")).toBe(true);
  });

  it("answers the same from its cache", () => {
    for (let round = 0; round < 3; round++) {
      expect(NEW_STYLE.canPublish("baz.bar")).toBe(true);
      expect(NEW_STYLE.canPublish("foo.bar")).toBe(false);
    }
  });

  it("handles a requestor and the default permissions (REQUESTOR, DEFAULT_PERMISSIONS)", () => {
    const bob = compile({ publish: perm(["req.foo", "req.bar"]), subscribe: perm(["_INBOX.*"]) });
    expect(bob.canSubscribe("foo", null)).toBe(false);
    expect(bob.canPublish("foo")).toBe(false);
    expect(bob.canPublish("req.foo")).toBe(true);
    expect(bob.canSubscribe("_INBOX.abcd", null)).toBe(true);

    const joe = compile({ publish: perm(["SANDBOX.*"]), subscribe: perm(["PUBLIC.>", "_INBOX.>"]) });
    expect(joe.canSubscribe("_INBOX.abcd", null)).toBe(true);
    expect(joe.canSubscribe("PUBLIC.abcd", null)).toBe(true);
    expect(joe.canPublish("SANDBOX.foo")).toBe(true);
    expect(joe.canPublish("SANDBOX.bar")).toBe(true);
    // Only a `*`: one token, not two.
    expect(joe.canPublish("SANDBOX.foo.bar")).toBe(false);
  });

  it("allows nothing with an empty publish allow list, everything without one", () => {
    expect(compile({ publish: perm([]) }).canPublish("foo")).toBe(false);
    expect(compile({ publish: perm(null) }).canPublish("foo")).toBe(true);
    expect(compile({ publish: perm(null, []) }).canPublish("foo")).toBe(true);
    expect(compile({}).canPublish("foo")).toBe(true);
  });

  it("turns the blanket allow off under allow_responses", () => {
    const responder = compile({ subscribe: perm(["my.service.req"]), allowResponses: { maxMsgs: 1, expiresMs: 0 } });
    expect(responder.canPublish("anything")).toBe(false);
    expect(responder.responses).toEqual({ maxMsgs: 1, expiresMs: 0 });

    const withDeny = compile({ publish: perm(null, ["x"]), allowResponses: { maxMsgs: 1, expiresMs: 0 } });
    expect(withDeny.canPublish("y")).toBe(false);

    const explicit = compile({ publish: perm(["status.>"]), allowResponses: { maxMsgs: 1, expiresMs: 0 } });
    expect(explicit.canPublish("status.up")).toBe(true);
    expect(explicit.canPublish("other")).toBe(false);
    expect(compile({}).responses).toBeNull();
  });

  it("keeps its cache bounded", () => {
    const p = compile({ publish: perm(["a.*"]) });
    for (let i = 0; i < 10_000; i++) p.canPublish(`a.${i}`);
    expect((p["publishCache"] as Map<string, boolean>).size).toBeLessThanOrEqual(128);
    expect(p.canPublish("a.1")).toBe(true);
    expect(p.canPublish("b.1")).toBe(false);
  });
});

describe("canDeliver", () => {
  it("has no filter without a subscribe deny list", () => {
    const p = compile({ publish: perm(null, ["foo"]), subscribe: perm(["foo.*"]) });
    expect(p.hasDeliveryFilter).toBe(false);
    expect(p.canDeliver("foo.bar")).toBe(true);
  });

  it("drops messages on denied subjects that a wider subscription would catch", () => {
    // TestUserAuthorizationProto: ns subscribes foo.*, ns-pub publishes foo.baz, nothing arrives.
    const ns = compile({ publish: perm(["*.*"], ["SYS.*", "bar.baz", "foo.*"]), subscribe: perm(["foo.*"], ["foo.baz"]) });
    expect(ns.hasDeliveryFilter).toBe(true);
    expect(ns.canSubscribe("foo.*", null)).toBe(true);
    expect(ns.canDeliver("foo.baz")).toBe(false);
    expect(ns.canDeliver("foo.bar")).toBe(true);

    const wild = compile({ subscribe: perm(null, ["secret.>"]) });
    expect(wild.canDeliver("secret.a.b")).toBe(false);
    expect(wild.canDeliver("secret")).toBe(true);
    expect(wild.canDeliver("public.a")).toBe(true);
  });

  it("filters nothing for queue-only deny entries", () => {
    const p = compile({ subscribe: perm(null, ["foo v1", "> >"]) });
    expect(p.hasDeliveryFilter).toBe(false);
    expect(p.canDeliver("foo")).toBe(true);
  });

  it("keeps its cache bounded", () => {
    const p = compile({ subscribe: perm(null, ["x.1"]) });
    for (let i = 0; i < 10_000; i++) p.canDeliver(`x.${i}`);
    expect((p["deliveryCache"] as Map<string, boolean>).size).toBeLessThanOrEqual(256);
    expect(p.canDeliver("x.1")).toBe(false);
  });
});

describe("ResponseTracker", () => {
  // nats-server's TestUserAuthorizationAllowResponses, MY_SERVICE: one response per request.
  it("allows one response per request by default", () => {
    const svca = new ResponseTracker({ maxMsgs: 1, expiresMs: DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS });
    svca.received("resp.bar.22", 0);
    expect(svca.allows("resp.bar.22", 1)).toBe(true);
    expect(svca.allows("resp.bar.33", 1)).toBe(false);
    expect(svca.allows("resp.bar.22", 2)).toBe(false);
    expect(svca.size).toBe(0);
  });

  // MY_STREAM_SERVICE: up to 10 responses, each request's permission lasting 10ms.
  it("counts responses and expires them", () => {
    const svcb = new ResponseTracker({ maxMsgs: 10, expiresMs: 10 });
    svcb.received("resp.bar.22", 1000);
    for (let i = 0; i < 10; i++) expect(svcb.allows("resp.bar.22", 1001)).toBe(true);
    expect(svcb.allows("resp.bar.22", 1001)).toBe(false);

    svcb.received("resp.bar.11", 2000);
    expect(svcb.allows("resp.bar.11", 2010)).toBe(true); // not yet past 10ms
    expect(svcb.allows("resp.bar.11", 2011)).toBe(false);
    expect(svcb.allows("resp.bar.11", 2011)).toBe(false);
  });

  it("starts over when the same reply subject arrives again", () => {
    const t = new ResponseTracker({ maxMsgs: 1, expiresMs: 100 });
    t.received("r", 0);
    expect(t.allows("r", 50)).toBe(true);
    t.received("r", 60);
    expect(t.allows("r", 150)).toBe(true);
  });

  it("reads a limit of 0 or less as none", () => {
    const t = new ResponseTracker({ maxMsgs: -1, expiresMs: 0 });
    t.received("r", 0);
    for (let i = 0; i < 1000; i++) expect(t.allows("r", i * 1e9)).toBe(true);
    t.received("", 0);
    expect(t.allows("", 0)).toBe(false);
  });

  it("prunes expired reply subjects once past nats-server's limit", () => {
    const t = new ResponseTracker({ maxMsgs: 1, expiresMs: 1000 });
    for (let i = 0; i < REPLY_PERM_LIMIT; i++) t.received(`_INBOX.${i}`, 0);
    expect(t.size).toBe(REPLY_PERM_LIMIT);
    t.received("_INBOX.late", 5000);
    expect(t.size).toBe(1);
    expect(t.allows("_INBOX.late", 5001)).toBe(true);
  });

  it("never holds more than its limit", () => {
    const t = new ResponseTracker({ maxMsgs: 0, expiresMs: 0 }, 100);
    for (let i = 0; i < 1000; i++) {
      t.received(`r.${i}`, i);
      expect(t.size).toBeLessThanOrEqual(100);
    }
    expect(t.allows("r.999", 1000)).toBe(true);
  });

  it("stays bounded however many requests arrive within the expiry", () => {
    const t = new ResponseTracker({ maxMsgs: 1, expiresMs: DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS });
    for (let i = 0; i < 200_000; i++) t.received(`_INBOX.${i}`, i % 1000);
    expect(t.size).toBeLessThanOrEqual(MAX_TRACKED_REPLIES);
    // The newest are the ones kept.
    expect(t.allows("_INBOX.199999", 1000)).toBe(true);
    expect(t.allows("_INBOX.0", 1000)).toBe(false);
  });
});
