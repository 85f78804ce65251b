import { describe, expect, it } from "vitest";
import { subjectIsSubsetMatch, subjectsCollide } from "../../../src/protocol/jetstream/subject-collide.js";

describe("subjects that collide (nats-server's SubjectsCollide)", () => {
  // [a, b, collide]
  const CASES: ReadonlyArray<readonly [string, string, boolean]> = [
    ["foo", "foo", true],
    ["foo", "bar", false],
    ["foo.bar", "foo.*", true],
    ["foo.bar", "foo.>", true],
    ["foo", "foo.>", false],
    ["foo.bar.baz", "foo.*", false],
    ["foo.*", "foo.>", true],
    ["foo.*", "*.bar", true],
    ["foo.*", "bar.*", false],
    ["foo.*.baz", "foo.*", false],
    ["*.*", "*.*.*", false],
    ["foo.>", "*.bar.>", true],
    [">", "anything.at.all", true],
    [">", "*", true],
    ["$JS.API.>", "$JS.>", true],
    ["a.*.c", "a.b.>", true],
    ["a.*", "a.b.c.>", false],
    // nats-server's quirk, kept: with wildcards on both sides a token starting with
    // '*' is taken for one ("a.*x" is a literal subject to the sublist).
    ["a.*x.*", "a.yy.*", true],
    ["a.*x", "a.yy", false],
  ];

  it.each(CASES)("%s ~ %s", (a, b, collide) => {
    expect(subjectsCollide(a, b)).toBe(collide);
    expect(subjectsCollide(b, a)).toBe(collide);
  });
});

describe("subject subsets (nats-server's subjectIsSubsetMatch)", () => {
  // [subject, test, every match of subject is a match of test]
  const CASES: ReadonlyArray<readonly [string, string, boolean]> = [
    ["$JS.API.FOO", "$JS.API.>", true],
    ["$JS.API.*.X", "$JS.API.>", true],
    ["$JS.API", "$JS.API.>", false],
    ["$JS.>", "$JS.API.>", false],
    [">", "$JS.API.>", false],
    ["$JS.*.FOO", "$JS.API.>", false],
    ["foo.*", "foo.*", true],
    ["foo.*", "*.*", true],
    ["foo.bar", "foo.*", true],
    ["foo.*", "foo.bar", false],
    ["foo.>", "foo.*", false],
    ["foo.bar", "foo.bar.baz", false],
  ];

  it.each(CASES)("%s ⊆ %s", (subject, test, subset) => {
    expect(subjectIsSubsetMatch(subject, test)).toBe(subset);
  });
});
