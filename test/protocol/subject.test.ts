import { describe, expect, it } from "vitest";
import { isValidLiteralSubject, isValidSubject, matchesLiteral } from "../../src/protocol/subject";

// [subject, valid as a SUB subject, valid as a pedantic PUB subject]
const CASES: ReadonlyArray<readonly [string, boolean, boolean]> = [
  // literals
  ["foo", true, true],
  ["foo.bar", true, true],
  ["foo.bar.baz.qux", true, true],
  ["_INBOX.abc123.def", true, true],
  ["$JS.API.INFO", true, true],
  ["ünïcödé.主题", true, true],
  ["a-b_c~d", true, true],
  // wildcards as whole tokens
  ["*", true, false],
  [">", true, false],
  ["foo.*", true, false],
  ["*.bar", true, false],
  ["foo.*.bar", true, false],
  ["foo.>", true, false],
  ["*.>", true, false],
  ["*.*.*", true, false],
  // wildcard characters inside a longer token are literal
  ["foo.*-", true, true],
  ["foo*", true, true],
  ["*foo", true, true],
  ["foo.>bar", true, true],
  ["foo>", true, true],
  ["foo.**", true, true],
  ["foo.>>", true, true],
  // `>` must be last
  ["foo.>.bar", false, false],
  [">.foo", false, false],
  [">.>", false, false],
  ["foo.>.*", false, false],
  // empty subject and empty tokens
  ["", false, false],
  [".", false, false],
  ["..", false, false],
  [".foo", false, false],
  ["foo.", false, false],
  ["foo..bar", false, false],
  ["foo.bar.", false, false],
  ["*.", false, false],
  [".>", false, false],
  // whitespace anywhere, including alone as a token and in a wildcard-looking token
  ["foo bar", false, false],
  [" foo", false, false],
  ["foo ", false, false],
  ["foo.\tbar", false, false],
  ["foo\t", false, false],
  ["foo\r\n", false, false],
  ["foo.\n", false, false],
  ["foo.\r", false, false],
  ["foo.\f", false, false],
  ["foo. .bar", false, false],
  ["foo.* ", false, false],
  ["\t", false, false],
];

describe("isValidSubject", () => {
  for (const [subject, valid] of CASES) {
    it(`${JSON.stringify(subject)} is ${valid ? "valid" : "invalid"}`, () => {
      expect(isValidSubject(subject)).toBe(valid);
    });
  }
});

describe("isValidLiteralSubject", () => {
  for (const [subject, , literal] of CASES) {
    it(`${JSON.stringify(subject)} is ${literal ? "a valid" : "not a valid"} publish subject`, () => {
      expect(isValidLiteralSubject(subject)).toBe(literal);
    });
  }

  it("implies isValidSubject", () => {
    for (const [subject] of CASES) {
      if (isValidLiteralSubject(subject)) expect(isValidSubject(subject), subject).toBe(true);
    }
  });
});

describe("matchesLiteral", () => {
  const cases: [string, string, boolean][] = [
    ["foo.bar", "foo.bar", true],
    ["foo.bar", "foo.*", true],
    ["foo.bar", "*.bar", true],
    ["foo.bar", "*.*", true],
    ["foo.bar", "foo.>", true],
    ["foo.bar", ">", true],
    ["foo", "foo.>", false],
    ["foo", "foo.*", false],
    ["foo.bar", "foo", false],
    ["foo.bar.baz", "foo.*", false],
    ["foo.bar", "foo.baz", false],
    ["foo.ba", "foo.bar", false],
    ["foo.bar", "foo.ba", false],
    // Wildcards only as whole tokens.
    ["foo.bar", "foo.b*", false],
    ["foo.b*", "foo.b*", true],
  ];
  for (const [subject, pattern, expected] of cases) {
    it(`${subject} ${expected ? "matches" : "does not match"} ${pattern}`, () => {
      expect(matchesLiteral(subject, pattern)).toBe(expected);
    });
  }
});
