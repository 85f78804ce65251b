// Subject transforms against the cases of nats-server's own tests (server/subject_transform_test.go).
import { describe, expect, it } from "vitest";
import { MappingError, SubjectTransform } from "../../src/protocol/subject-transform";

const map = (source: string, destination: string, subject: string, rand?: () => number) =>
  SubjectTransform.create(source, destination).apply(subject.split("."), rand);

describe("SubjectTransform", () => {
  it.each([
    ["foo", "bar", "foo", "bar"],
    ["foo.*.bar.*.baz", "req.$2.$1", "foo.A.bar.B.baz", "req.B.A"],
    ["foo.*.bar.*.baz", "req.{{wildcard(2)}}.{{wildcard(1)}}", "foo.A.bar.B.baz", "req.B.A"],
    ["baz.>", "my.pre.>", "baz.1.2.3", "my.pre.1.2.3"],
    ["baz.>", "foo.bar.>", "baz.1.2.3", "foo.bar.1.2.3"],
    [">", "prefix.>", "foo", "prefix.foo"],
    ["strip.>", ">", "strip.a.b", "a.b"],
    ["*", "foo.bar.$1", "foo", "foo.bar.foo"],
    ["*", "{{splitfromleft(1,3)}}", "12345", "123.45"],
    ["*", "{{SplitFromRight(1,3)}}", "12345", "12.345"],
    ["*", "{{SliceFromLeft(1,3)}}", "1234567890", "123.456.789.0"],
    ["*", "{{SliceFromRight(1,3)}}", "1234567890", "1.234.567.890"],
    ["*", "{{split(1,-)}}", "-abc-def--ghi-", "abc.def.ghi"],
    ["*", "{{split(1,-)}}", "abc-def--ghi-", "abc.def.ghi"],
    ["*.*", "{{split(2,-)}}.{{splitfromleft(1,2)}}", "foo.-abc-def--ghij-", "abc.def.ghij.fo.o"],
    ["*", "{{right(1,1)}}", "1234", "4"],
    ["*", "{{right(1,3)}}", "1234", "234"],
    ["*", "{{right(1,6)}}", "1234", "1234"],
    ["*", "{{left(1,1)}}", "1234", "1"],
    ["*", "{{left(1,3)}}", "1234", "123"],
    ["*", "{{left(1,6)}}", "1234", "1234"],
    ["*", "bar.{{partition(0)}}", "baz", "bar.0"],
    ["*", "bar.{{partition(10, 0)}}", "foo", "bar.3"],
    ["*.*", "bar.{{partition(10)}}", "foo.bar", "bar.6"],
    ["*", "bar.{{partition(10)}}", "foo", "bar.3"],
    ["*", "bar.{{partition(10)}}", "baz", "bar.0"],
    ["*", "bar.{{partition(10)}}", "qux", "bar.9"],
    ["*", "bar.{{random(0)}}", "qux", "bar.0"],
    ["foo.bar", "baz.{{partition(10)}}", "foo.bar", "baz.6"],
    ["foo.baz", "qux.{{partition(10)}}", "foo.baz", "qux.4"],
    ["test.subject", "result.{{partition(5)}}", "test.subject", "result.0"],
    ["foo.*.*", "foo.{{wildcard(1)}}.{{wildcard(2)}}.{{partition(5,1,2)}}", "foo.a.b", "foo.a.b.1"],
    ["foo.*.*", "bar.$2", "foo.a.b", "bar.b"],
    ["foo.*", "x.$JS.$1", "foo.a", "x.$JS.a"],
  ])("%s -> %s maps %s to %s", (source, destination, subject, expected) => {
    expect(map(source, destination, subject)).toBe(expected);
  });

  it("random(k) gives each number below k", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(map("*", "bar.{{random(6)}}", "qux", () => i / 6));
    expect([...seen].sort()).toEqual(["bar.0", "bar.1", "bar.2", "bar.3", "bar.4", "bar.5"]);
    expect(SubjectTransform.create("*", "bar.{{random(6)}}").random).toBe(true);
    expect(SubjectTransform.create("*", "bar.{{partition(6)}}").random).toBe(false);
  });

  it.each([
    ["foo.*", "bar.*", "invalid subject"],
    ["foo.*", "bar.$2", "invalid mapping destination: wildcard index out of range in $2: [2]"],
    ["foo.*", "bar.$1.>", "invalid subject"],
    ["foo.>", "bar.baz", "invalid subject"],
    ["foo.*", "foo.{{wildcard(2)}}", "invalid mapping destination: wildcard index out of range in {{wildcard(2)}}: [2]"],
    ["foo.*", "foo.{{unimplemented(1)}}", "invalid mapping destination: unknown function in {{unimplemented(1)}}"],
    ["foo.*", "foo.{{partition()}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{partition()}}"],
    ["foo.*", "foo.{{random()}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{random()}}"],
    ["foo.*", "foo.{{wildcard(foo)}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{wildcard(foo)}}"],
    ["foo.*", "foo.{{wildcard()}}", "invalid mapping destination: not enough arguments passed to the function in {{wildcard()}}"],
    ["foo.*", "foo.{{wildcard(1,2)}}", "invalid mapping destination: too many arguments passed to the function in {{wildcard(1,2)}}"],
    ["foo.*", "foo.{{ wildcard5) }}", "invalid mapping destination: unknown function in {{ wildcard5) }}"],
    ["foo.*", "foo.{{splitLeft(2,2}}", "invalid mapping destination: unknown function in {{splitLeft(2,2}}"],
    ["foo", "bla.{{wildcard(1)}}", "invalid mapping destination: wildcard index out of range in {{wildcard(1)}}"],
    ["foo.*", "foo.{{partition(2147483648)}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{partition(2147483648)}}"],
    ["foo.*", "foo.{{random(2147483648)}}", "invalid mapping destination: function argument is invalid or in the wrong format in {{random(2147483648)}}"],
    ["foo.*", "foo..bar", "invalid mapping destination: invalid transform"],
    ["foo.*", "foo.b ar", "invalid mapping destination: invalid transform"],
    ["foo bar", "baz", "invalid subject"],
  ])("%s -> %s is refused: %s", (source, destination, message) => {
    expect(() => SubjectTransform.create(source, destination)).toThrow(new MappingError(message));
  });

  it.each([
    ["foo.*.*", "bar.{{partition(1)}}"],
    ["foo.*.*", "bar.{{random(5)}}"],
    ["*", "{{splitfromleft(1,1)}}"],
    ["*.*", "{{partition(10,1,2)}}"],
    ["foo.*", "foo.{{partition(2147483647)}}"],
    ["foo.bar", "foo.{{random(2147483647)}}"],
    ["foo.*", "foo.{{ Partition( 3 , 1 ) }}"],
  ])("%s -> %s is a transform", (source, destination) => {
    expect(() => SubjectTransform.create(source, destination)).not.toThrow();
  });
});
