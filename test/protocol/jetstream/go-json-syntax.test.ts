import { describe, expect, it } from "vitest";
import { goJsonSyntaxError } from "../../../src/protocol/jetstream/go-json-syntax.js";

const err = (s: string | Uint8Array) => goJsonSyntaxError(typeof s === "string" ? new TextEncoder().encode(s) : s);

describe("Go's JSON syntax errors", () => {
  // nats-server 2.9.10's "400 Bad Request - <error>" for each body sent as a pull request.
  const OBSERVED: ReadonlyArray<readonly [string, string]> = [
    ["{bad", "invalid character 'b' looking for beginning of object key string"],
    ['{"batch":1,}', "invalid character '}' looking for beginning of object key string"],
    ['{"batch":1', "unexpected end of JSON input"],
    ['{"batch" 1}', "invalid character '1' after object key"],
    ['{"batch":1 "x":2}', "invalid character '\"' after object key:value pair"],
    ['{"a":[1 2]}', "invalid character '2' after array element"],
    ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
    ['{"a":nul}', "invalid character '}' in literal null (expecting 'l')"],
    ['{"a":fals}', "invalid character '}' in literal false (expecting 'e')"],
    ['{"a":-}', "invalid character '}' in numeric literal"],
    ['{"a":1.}', "invalid character '}' after decimal point in numeric literal"],
    ['{"a":1.5e}', "invalid character '}' in exponent of numeric literal"],
    ['{"a":1e+}', "invalid character '}' in exponent of numeric literal"],
    ['{"a":01}', "invalid character '1' after object key:value pair"],
    ['{"a":"\\x"}', "invalid character 'x' in string escape code"],
    ['{"a":"\\u12G4"}', "invalid character 'G' in \\u hexadecimal character escape"],
    ['{"a":"\t"}', "invalid character '\\t' in string literal"],
    ['{"a":"\u0001"}', "invalid character '\\x01' in string literal"],
    ["{} x", "invalid character 'x' after top-level value"],
    ["{}}", "invalid character '}' after top-level value"],
    ['{"a":1}]', "invalid character ']' after top-level value"],
    ['{"a":[1]}x', "invalid character 'x' after top-level value"],
    ['{"a":[}', "invalid character '}' looking for beginning of value"],
    ['{"a":[1,]}', "invalid character ']' looking for beginning of value"],
    ["{\"a\":'x'}", "invalid character '\\'' looking for beginning of value"],
    ['{"a":é}', "invalid character 'Ã' looking for beginning of value"],
    ['{"a":\u0085}', "invalid character 'Â' looking for beginning of value"],
    ['{"a":\u007f}', "invalid character '\\x7f' looking for beginning of value"],
    ['{"a":+1}', "invalid character '+' looking for beginning of value"],
    ['{"a":.5}', "invalid character '.' looking for beginning of value"],
    ['{"a":1', "unexpected end of JSON input"],
    ['{"a":"abc', "unexpected end of JSON input"],
    ['{"a":tr', "invalid character ' ' in literal true (expecting 'u')"],
    ['{"a":-', "invalid character ' ' in numeric literal"],
    ['{"a":1.', "invalid character ' ' after decimal point in numeric literal"],
  ];

  it.each(OBSERVED)("%j", (body, expected) => {
    expect(err(body)).toBe(expected);
  });

  it("takes valid JSON, JSON.parse's verdict included", () => {
    for (const s of ['{ "a" : [ ] , "b" : { } }', "0", "-0.5e+10", '"x\\u00e9\\n"', " [true,false,null] ", '{"a":{"b":[1,{"c":"d"}]}}']) {
      expect(err(s), s).toBeNull();
      expect(() => JSON.parse(s)).not.toThrow();
    }
    expect(err("")).toBe("unexpected end of JSON input");
    expect(err("  ")).toBe("unexpected end of JSON input");
  });

  it("refuses exactly what JSON.parse refuses", () => {
    const samples = ['{"a":1}', "[1,2", "{,}", '"\\q"', "nul", "1e5", "01", "[]]", "{\"a\"}", "-", "--1", "[1,]", '{"a":"b",}'];
    for (const s of samples) {
      let parses = true;
      try {
        JSON.parse(s);
      } catch {
        parses = false;
      }
      expect(err(s) === null, s).toBe(parses);
    }
  });
});
